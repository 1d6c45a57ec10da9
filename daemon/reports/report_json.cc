// The JSON report: exactly the brief's fields. `plan`: generated_at, dry_run, and per policy
// name, store, action, cutoff, matched, held, oldest, statements, warnings; `enforce` adds
// "affected" per policy and "dry_run": false. Errors and refusals are among the warnings.
// Policies with `notify:` add "notices" and "waiting" (and, for enforce, "notices_failed").
// Every policy says its "deadline" and "lateness_seconds" (see policies/deadline.h). Policies
// whose `also:` names other stores add "also_stores" (and, for enforce, what each "removed").
// Policies with `partitions: drop` or `detach` add "partitions": name, action, bounds, rows.
#include <nlohmann/json.hpp>

#include "daemon/reports/report.h"
#include "daemon/reports/report_deadline.h"

namespace retentiond::daemon {

std::string render_json(const Report& report, const policies::Config& config) {
  using nlohmann::json;
  using policies::format_timestamp;
  json policies = json::array();
  for (const auto& o : report.passes) {
    json p = json::object();
    p["name"] = o.policy;
    p["store"] = o.store;
    p["action"] = std::string(policies::action_name(o.action));
    p["cutoff"] = format_timestamp(o.cutoff.cutoff);
    p["matched"] = o.plan.matched;
    p["held"] = o.plan.held;
    p["oldest"] = o.plan.oldest ? json(format_timestamp(*o.plan.oldest)) : json(nullptr);
    p["statements"] = o.plan.statements;
    p["warnings"] = o.plan.warnings;
    if (report.samples > 0) p["samples"] = o.plan.samples;
    // Only for policies that have a schedule or a stated deadline: a plain policy's report keeps
    // exactly the brief's fields.
    const policies::Policy* policy = config.policy(o.policy);
    if (policy && (policy->schedule || policy->deadline != policies::Deadline::Maximum)) {
      const PolicyDeadline d = policy_deadline(*policy, o, report.dry_run);
      p["deadline"] = std::string(policies::deadline_name(policy->deadline));
      p["lateness_seconds"] = d.lateness ? json(d.lateness->count()) : json(nullptr);
      if (d.moved) p["cutoff_moved_seconds"] = d.moved->count();
    }
    if (!report.dry_run) p["affected"] = o.affected;
    // A pass that ended before its count (a stop, max_wait while counting, a store error) has
    // no counts: its zeros do not mean "nothing expired".
    if (!o.counted) p["counted"] = false;
    // Counts that include a whole partition's estimated rows say so.
    if (matched_estimated(o)) p["matched_estimated"] = true;
    if (!report.dry_run && affected_estimated(o)) p["affected_estimated"] = true;
    // Policies with `partitions: drop` or `detach` only: what the pass does with each partition.
    if (policy && policy->partitions != policies::PartitionMode::Rows) {
      json parts = json::array();
      for (const auto& step : o.plan.partitions) {
        json s = json::object();
        s["name"] = step.name;
        s["action"] = std::string(connectors::partition_step_name(step.kind));
        s["bounds"] = step.bounds;
        s["rows"] = step.rows;
        s["rows_estimated"] = step.estimated;
        if (!step.detached_at.empty()) s["detached_at"] = step.detached_at;
        parts.push_back(std::move(s));
      }
      p["partitions"] = std::move(parts);
    }
    if (!o.throttle.empty()) {
      p["throttle"] = o.throttle;
      if (!report.dry_run)
        p["throttle_waited_seconds"] = static_cast<long long>(o.throttle_waited + 0.5);
    }
    // Policies with `notify:` only: notices sent (plan: that would be sent now) and records
    // waiting out their notice period.
    if (o.notices) {
      p["notices"] = o.notices->sent;
      p["waiting"] = o.notices->waiting;
      if (!report.dry_run) p["notices_failed"] = o.notices->failed;
    }
    // Policies whose `also:` names other stores only: what each does (and, for enforce, what it
    // removed), in the rules' order; never a value.
    if (policy && !policy->also_stores.empty()) {
      json others = json::array();
      for (size_t i = 0; i < policy->also_stores.size(); ++i) {
        const auto& rule = policy->also_stores[i];
        json r = json::object();
        r["store"] = rule.store;
        r["sympa"] = rule.kind;
        r["lists"] = rule.lists;
        if (!rule.robot.empty()) r["robot"] = rule.robot;
        r["email"] = rule.column;
        if (!report.dry_run) r["removed"] = i < o.also_removed.size() ? o.also_removed[i] : 0;
        if (i < o.also_unconfirmed.size() && o.also_unconfirmed[i] > 0)
          r["unconfirmed"] = o.also_unconfirmed[i];
        others.push_back(std::move(r));
      }
      p["also_stores"] = std::move(others);
    }
    policies.push_back(std::move(p));
  }
  json out = json::object();
  out["generated_at"] = format_timestamp(report.generated_at);
  out["dry_run"] = report.dry_run;
  out["policies"] = std::move(policies);
  // Names, paths, SQL and warnings may hold any byte: replaced, never a throw after a pass acted.
  return out.dump(2, ' ', /*ensure_ascii=*/false, json::error_handler_t::replace) + "\n";
}

}  // namespace retentiond::daemon
