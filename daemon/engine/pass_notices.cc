#include "daemon/engine/pass_notices.h"

#include <algorithm>
#include <chrono>

#include <spdlog/spdlog.h>

#include "daemon/engine/notices.h"
#include "daemon/engine/smtp.h"

namespace retentiond::daemon {

using connectors::Error;
using connectors::ErrorKind;
using policies::with_thousands;

std::optional<Error> prepare_notices(StateFile* state, const policies::Policy& policy,
                                     connectors::Connector& connector, connectors::PassContext& ctx,
                                     bool dry, const PassOptions& options, NoticeCounts& counts,
                                     std::vector<std::string>& warnings) {
  const auto notice_cutoff =
      policy.expire_after.before(policy.notify->before.after(ctx.cutoff.horizon));
  auto candidates = connector.notice_candidates(policy, ctx, notice_cutoff);
  if (!candidates) return candidates.error();
  NoticeBook book(state, ctx.anonymisation_key);
  auto decision =
      decide_notices(policy, candidates.value(), book.load(policy.name), book, ctx.cutoff);
  ctx.noticed_keys = decision.actionable;
  counts.waiting = decision.waiting;
  counts.open = decision.waiting;
  counts.no_address = decision.no_address;
  counts.expired_unnoticed = decision.expired_unnoticed;
  counts.oldest_unnoticed = decision.oldest_unnoticed;
  if (decision.no_address > 0)
    warnings.push_back(with_thousands(decision.no_address) +
                       (decision.no_address == 1 ? " record is due for a notice but has"
                                                 : " records are due for a notice but have") +
                       " no usable address (empty, or not one plain e-mail address); " +
                       (decision.no_address == 1 ? "it is" : "they are") + " never acted on");
  if (dry) {
    counts.dry = true;
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
      return Error{ErrorKind::NoticeFailed,
                   e.what() + std::string("; no notice was sent and nothing was changed")};
    }
    // A notice is served from the moment it really leaves: with `enforce --at` in the past, the
    // pass's moment would date it back, and its period would be over before the person read it.
    const policies::TimePoint sent_at = std::max(
        ctx.cutoff.now, std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
    if (sent_at > ctx.cutoff.now)
      spdlog::warn(
          "policy '{}': the pass's moment is in the past; its notices are dated and served from "
          "now, {}",
          policy.name, policies::format_timestamp(sent_at));
    std::string last_error;
    size_t tried = 0;
    for (const auto* c : decision.to_send) {
      if (options.stop && options.stop->load()) break;
      ++tried;
      MailMessage m;
      m.from = policy.notify->from.empty() ? options.smtp->from : policy.notify->from;
      m.to = c->email;
      m.subject =
          render_notice(policy, policy.notify->subject, action_date(policy, *c->basis, sent_at));
      m.body = render_notice(policy, text, action_date(policy, *c->basis, sent_at));
      std::string error;
      if (sender->send(m, error, options.stop)) {
        // Recorded at once: a crash after this point must not send the notice twice.
        book.record(policy.name, book.hash(policy.name, c->key),
                    NoticeRecord{policies::epoch_seconds(*c->basis), sent_at});
        ++counts.sent;
        ++counts.waiting;
      } else {
        ++counts.failed;
        last_error = error;
        if (options.stop && options.stop->load()) break;
        // Not reached, or no answer in time: the others would wait and fail the same way.
        if (!sender->server_answered()) {
          counts.failed += static_cast<long long>(decision.to_send.size() - tried);
          break;
        }
      }
    }
    if (options.stop && options.stop->load())
      return Error{ErrorKind::Interrupted, "stopped by a signal while sending notices (" +
                                               with_thousands(counts.sent) +
                                               " sent); nothing was deleted or anonymised"};
    if (counts.sent > 0)
      spdlog::info("policy '{}': sent {} {}", policy.name, with_thousands(counts.sent),
                   counts.sent == 1 ? "notice" : "notices");
    if (counts.failed > 0) {
      const std::string failed =
          with_thousands(counts.failed) +
          (counts.failed == 1 ? " notice could not be sent" : " notices could not be sent");
      spdlog::error("policy '{}': {} ({})", policy.name, failed, last_error);
      warnings.push_back(failed + " (" + last_error + "); their records are kept");
    }
  }
  book.forget_except(policy.name, decision.due_hashes, ctx.cutoff.now);
  return std::nullopt;
}

}  // namespace retentiond::daemon
