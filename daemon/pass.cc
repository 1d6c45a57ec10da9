#include "daemon/pass.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <spdlog/spdlog.h>

#include "daemon/audit.h"
#include "daemon/batch_size.h"
#include "daemon/holds.h"
#include "daemon/notices.h"
#include "daemon/smtp.h"

namespace retentiond::daemon {
namespace {

using connectors::Error;
using connectors::ErrorKind;
using connectors::sqlite::Statement;
using policies::format_timestamp;
using policies::with_thousands;

// A progress row not updated for this long belongs to a dead pass even if its pid was reused.
constexpr auto kStaleProgress = std::chrono::minutes(10);

bool process_alive(long long pid) {
  if (pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

std::string outcome_word(const PassOutcome& o, bool policy_dry) {
  if (o.status == PassStatus::Planned && policy_dry) return "dry-run";
  return std::string(status_name(o.status));
}

}  // namespace

std::string_view status_name(PassStatus s) {
  switch (s) {
    case PassStatus::Planned: return "planned";
    case PassStatus::Ok: return "ok";
    case PassStatus::Refused: return "refused";
    case PassStatus::Failed: return "failed";
    case PassStatus::Interrupted: return "interrupted";
  }
  return "failed";
}

bool stopped_by_signal(const PassOutcome& o) {
  return o.status == PassStatus::Interrupted && (!o.error || o.error->kind == ErrorKind::Interrupted);
}

void PassRunner::recover_interrupted() {
  if (!state_ || !record_) return;
  auto& db = state_->db();
  connectors::sqlite::in_transaction(db, [&] {
    Statement rows = db.prepare(
        "SELECT policy, store, action, cutoff, matched, held, affected, started, updated, pid "
        "FROM pass_in_progress");
    std::vector<std::string> stale;
    AuditTrail audit(db);
    auto now = policies::now_utc();
    while (rows.step()) {
      auto updated = policies::parse_timestamp(rows.text(8)).value_or(policies::TimePoint{});
      if (process_alive(rows.integer(9)) && now - updated < kStaleProgress) continue;
      AuditEntry e;
      e.policy = rows.text(0);
      e.store = rows.text(1);
      e.action = rows.text(2);
      e.cutoff = policies::parse_timestamp(rows.text(3)).value_or(policies::TimePoint{});
      e.matched = rows.integer(4);
      e.held = rows.integer(5);
      e.affected = rows.integer(6);
      e.started = policies::parse_timestamp(rows.text(7)).value_or(policies::TimePoint{});
      e.finished = updated;
      e.outcome = "interrupted";
      e.error_class = "interrupted";
      audit.append(e, /*in_transaction=*/true);
      spdlog::warn("policy '{}': a pass started {} did not finish (process ended); recorded as "
                   "interrupted after {} affected; this pass completes the work",
                   e.policy, format_timestamp(e.started), with_thousands(e.affected));
      stale.push_back(e.policy);
    }
    for (const auto& policy : stale)
      db.prepare("DELETE FROM pass_in_progress WHERE policy = ?1").bind(1, policy).step();
  });
}

bool PassRunner::claim(const PassOutcome& o, std::string& refusal) {
  recover_interrupted();
  auto& db = state_->db();
  return connectors::sqlite::in_transaction(db, [&] {
    Statement existing = db.prepare("SELECT pid FROM pass_in_progress WHERE policy = ?1");
    existing.bind(1, o.policy);
    if (existing.step()) {
      refusal = "policy '" + o.policy + "' is being enforced by another retentiond process (pid " +
                std::to_string(existing.integer(0)) + "); skipping this pass";
      return false;
    }
    Statement insert = db.prepare(
        "INSERT INTO pass_in_progress (policy, store, action, cutoff, matched, held, affected, "
        "started, updated, pid) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?7, ?8)");
    insert.bind(1, o.policy).bind(2, o.store).bind(3, std::string(policies::action_name(o.action)));
    insert.bind(4, format_timestamp(o.cutoff.cutoff)).bind(5, o.plan.matched).bind(6, o.plan.held);
    insert.bind(7, format_timestamp(o.started)).bind(8, static_cast<long long>(::getpid()));
    insert.step();
    return true;
  });
}

void PassRunner::record_progress(const PassOutcome& o) {
  Statement update = state_->db().prepare(
      "UPDATE pass_in_progress SET affected = ?1, updated = ?2 WHERE policy = ?3");
  update.bind(1, o.affected).bind(2, format_timestamp(policies::now_utc())).bind(3, o.policy);
  update.step();
}

void PassRunner::finish(const PassOutcome& o) {
  if (!state_ || !record_) return;
  auto& db = state_->db();
  connectors::sqlite::in_transaction(db, [&] {
    db.prepare("DELETE FROM pass_in_progress WHERE policy = ?1").bind(1, o.policy).step();
    AuditEntry e;
    e.policy = o.policy;
    e.store = o.store;
    e.action = std::string(policies::action_name(o.action));
    e.cutoff = o.cutoff.cutoff;
    e.matched = o.plan.matched;
    e.held = o.plan.held;
    e.affected = o.affected;
    e.started = o.started;
    e.finished = o.finished;
    e.outcome = outcome_word(o, o.status == PassStatus::Planned);
    e.error_class = o.error ? std::string(connectors::error_class(o.error->kind)) : "";
    AuditTrail(db).append(e, /*in_transaction=*/true);
  });
}

connectors::PassContext PassRunner::context(const policies::Policy& policy,
                                            const policies::Cutoff& cutoff) {
  connectors::PassContext ctx;
  ctx.cutoff = cutoff;
  if (!state_) return ctx;
  ctx.held_keys = Holds(*state_).keys_held(policy.name, cutoff.now);
  ctx.anonymisation_key = state_->anonymisation_key();
  if (!sightings_) sightings_ = std::make_unique<StateSightingBook>(*state_, record_);
  ctx.sightings = sightings_.get();
  return ctx;
}

std::optional<Error> PassRunner::prepare_notices(const policies::Policy& policy, connectors::Connector& connector,
                                                connectors::PassContext& ctx, bool dry, const PassOptions& options,
                                                NoticeCounts& counts, std::vector<std::string>& warnings) {
  const auto notice_cutoff = policy.expire_after.before(policy.notify->before.after(ctx.cutoff.now));
  auto candidates = connector.notice_candidates(policy, ctx, notice_cutoff);
  if (!candidates) return candidates.error();
  NoticeBook book(state_, ctx.anonymisation_key);
  auto decision = decide_notices(policy, candidates.value(), book.load(policy.name), book, ctx.cutoff);
  ctx.noticed_keys = decision.actionable;
  counts.waiting = decision.waiting;
  counts.no_address = decision.no_address;
  if (decision.no_address > 0)
    warnings.push_back(with_thousands(decision.no_address) +
                       " records are due for a notice but have no address; they are never acted on");
  if (dry) {
    counts.sent = static_cast<long long>(decision.to_send.size());
    counts.waiting += counts.sent;
    return std::nullopt;
  }
  if (!decision.to_send.empty()) {
    std::string text;
    std::unique_ptr<SmtpSender> sender;
    try {
      text = read_template(policy);
      sender = std::make_unique<SmtpSender>(*options.smtp);
    } catch (const std::exception& e) {
      counts.failed = static_cast<long long>(decision.to_send.size());
      return Error{ErrorKind::NoticeFailed, e.what() + std::string("; no notice was sent and nothing was changed")};
    }
    std::string last_error;
    for (const auto* c : decision.to_send) {
      if (options.stop && options.stop->load()) break;
      MailMessage m;
      m.from = policy.notify->from.empty() ? options.smtp->from : policy.notify->from;
      m.to = c->email;
      m.subject = render_notice(policy, policy.notify->subject, action_date(policy, *c->basis, ctx.cutoff.now));
      m.body = render_notice(policy, text, action_date(policy, *c->basis, ctx.cutoff.now));
      std::string error;
      if (sender->send(m, error)) {
        // Recorded at once: a crash after this point must not send the notice twice.
        book.record(policy.name, book.hash(policy.name, c->key),
                    NoticeRecord{policies::epoch_seconds(*c->basis), ctx.cutoff.now});
        ++counts.sent;
        ++counts.waiting;
      } else {
        ++counts.failed;
        last_error = error;
      }
    }
    if (counts.sent > 0) spdlog::info("policy '{}': sent {} notices", policy.name, with_thousands(counts.sent));
    if (counts.failed > 0) {
      spdlog::error("policy '{}': {} notices could not be sent ({})", policy.name, with_thousands(counts.failed), last_error);
      warnings.push_back(with_thousands(counts.failed) + " notices could not be sent (" + last_error +
                         "); their records are kept");
    }
  }
  book.forget_except(policy.name, decision.due_hashes);
  return std::nullopt;
}

PassOutcome PassRunner::failed_before_start(const policies::Policy& policy,
                                            const PassOptions& options, Error error) {
  PassOutcome o;
  o.policy = policy.name;
  o.store = policy.store;
  o.action = policy.action;
  o.cutoff = policies::cutoff_for(policy, options.now);
  o.started = o.finished = policies::now_utc();
  o.status = error.kind == ErrorKind::Interrupted ? PassStatus::Interrupted : PassStatus::Failed;
  o.plan.warnings.push_back("error (" + std::string(connectors::error_class(error.kind)) + "): " +
                            error.message);
  o.error = std::move(error);
  if (!options.dry_run) finish(o);
  return o;
}

PassOutcome PassRunner::run(const policies::Policy& policy, connectors::Connector& connector,
                            const PassOptions& options) {
  PassOutcome o;
  o.policy = policy.name;
  o.store = policy.store;
  o.action = policy.action;
  o.started = policies::now_utc();
  o.cutoff = policies::cutoff_for(policy, options.now);
  const bool dry = options.dry_run || policy.dry_run;
  auto conclude = [&](PassStatus status, std::optional<Error> error) {
    o.status = status;
    if (error) {
      if (status != PassStatus::Refused) {
        o.plan.warnings.push_back("error (" + std::string(connectors::error_class(error->kind)) +
                                  "): " + error->message);
        // Never silent: a failed pass is logged as well as reported and audited.
        spdlog::error("policy '{}': {} ({})", policy.name, error->message,
                      connectors::error_class(error->kind));
      }
      o.error = std::move(error);
    }
    o.finished = policies::now_utc();
    if (!options.dry_run) finish(o);
    return o;
  };

  connectors::PassContext ctx;
  try {
    ctx = context(policy, o.cutoff);
    if (options.dry_run) ctx.samples = options.samples;
  } catch (const std::exception& e) {
    return conclude(PassStatus::Failed, Error{ErrorKind::Io, "cannot read holds from the state file: " +
                                                                 std::string(e.what())});
  }
  std::vector<std::string> notice_warnings;
  if (policy.notify) {
    NoticeCounts counts;
    auto error = prepare_notices(policy, connector, ctx, dry, options, counts, notice_warnings);
    o.notices = counts;
    if (error) {
      o.plan.warnings = notice_warnings;
      return conclude(PassStatus::Failed, *error);
    }
  }
  auto plan = connector.plan(policy, ctx);
  if (!plan) return conclude(PassStatus::Failed, plan.error());
  o.plan = std::move(plan.value());
  o.plan.warnings.insert(o.plan.warnings.end(), notice_warnings.begin(), notice_warnings.end());
  // Records whose notice could not be sent are kept, and the pass says so: never silent.
  auto notice_failure = [&]() -> std::optional<Error> {
    if (!o.notices || o.notices->failed == 0) return std::nullopt;
    return Error{ErrorKind::NoticeFailed, with_thousands(o.notices->failed) +
                                              " notices could not be sent; their records are kept and the next "
                                              "pass tries again"};
  };
  // "1 selected row has", "3 selected rows have".
  auto counted = [&](long long n) {
    std::string unit = o.plan.unit;
    if (n == 1 && !unit.empty() && unit.back() == 's') unit.pop_back();
    return with_thousands(n) + " selected " + unit + (n == 1 ? " has" : " have");
  };
  if (o.plan.undated > 0)
    o.plan.warnings.push_back(counted(o.plan.undated) +
                              " no usable date (NULL or unreadable); kept");
  if (o.plan.future > 0)
    o.plan.warnings.push_back(counted(o.plan.future) + " a date after " +
                              format_timestamp(o.cutoff.now) + "; kept");

  auto guard = policies::check_guard(policy.max_affected, o.plan.matched, o.plan.total, o.plan.unit);
  if (!guard.allowed) {
    o.plan.warnings.push_back(guard.reason);
    if (!options.dry_run) spdlog::error("policy '{}': {}", policy.name, guard.reason);
    return conclude(PassStatus::Refused, Error{ErrorKind::RefusedByGuard, guard.reason});
  }
  if (dry) {
    if (!options.dry_run)
      o.plan.warnings.push_back("the policy says dry_run: true, so it was only planned");
    return conclude(PassStatus::Planned, std::nullopt);
  }
  if (o.plan.matched == 0) {
    if (auto failure = notice_failure()) return conclude(PassStatus::Failed, failure);
    return conclude(PassStatus::Ok, std::nullopt);
  }

  std::string refusal;
  if (!claim(o, refusal)) return conclude(PassStatus::Failed, Error{ErrorKind::Config, refusal});

  spdlog::info("policy '{}': {} {} {} expired before {} (store '{}')", policy.name,
               policy.action == policies::Action::Delete ? "deleting" : "anonymising",
               with_thousands(o.plan.matched), o.plan.unit, format_timestamp(o.cutoff.cutoff),
               policy.store);
  const auto pass_start = std::chrono::steady_clock::now();
  const auto budget = policy.batch_budget.value_or(options.batch_budget);
  long long size = std::min(options.first_batch, options.max_batch);
  connectors::Cursor cursor;
  while (true) {
    if (options.stop && options.stop->load()) {
      return conclude(PassStatus::Interrupted,
                      Error{ErrorKind::Interrupted,
                            "stopped by a signal after " + with_thousands(o.affected) + " " +
                                o.plan.unit + "; the next pass finishes the work"});
    }
    long long room = guard.limit - o.affected;
    if (room <= 0) {
      o.plan.warnings.push_back("stopped at the max_affected limit of " + with_thousands(guard.limit) +
                                " " + o.plan.unit + "; the rest waits for the next pass");
      return conclude(PassStatus::Ok, std::nullopt);
    }
    const long long limit = std::min(size, room);
    const auto t0 = std::chrono::steady_clock::now();
    auto batch = connector.apply_batch(policy, ctx, cursor, limit);
    const auto took = std::chrono::steady_clock::now() - t0;
    if (!batch && batch.error().kind == ErrorKind::StoreUnreachable) {
      // The connector has already tried to reconnect; the batch in flight was rolled back.
      Error lost = batch.error();
      lost.message += "; interrupted after " + with_thousands(o.affected) + " " + o.plan.unit +
                      ", the next pass finishes the work";
      return conclude(PassStatus::Interrupted, lost);
    }
    if (!batch) return conclude(PassStatus::Failed, batch.error());
    const auto took_ms = std::chrono::duration_cast<std::chrono::milliseconds>(took);
    o.longest_batch = std::max(o.longest_batch, took_ms);
    spdlog::debug("policy '{}': batch {} of at most {}: {} {} in {} ms", policy.name, o.batches + 1, limit,
                  batch->affected, o.plan.unit, took_ms.count());
    o.affected += batch->affected;
    cursor = batch->next;
    ++o.batches;
    record_progress(o);
    if (options.on_progress)
      options.on_progress(Progress{o.policy, o.affected, o.plan.matched,
                                   std::chrono::steady_clock::now() - pass_start, o.plan.unit});
    if (batch->done) break;
    size = next_batch_size(limit, took, budget, options.max_batch);
  }
  spdlog::info("policy '{}': {} {} {} in {} batches (longest {} ms, budget {} ms)", policy.name,
               policy.action == policies::Action::Delete ? "deleted" : "anonymised",
               with_thousands(o.affected), o.plan.unit, o.batches, o.longest_batch.count(),
               budget.count());
  if (auto failure = notice_failure()) return conclude(PassStatus::Failed, failure);
  return conclude(PassStatus::Ok, std::nullopt);
}

}  // namespace retentiond::daemon
