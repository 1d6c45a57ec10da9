// `retentiond serve`: the daemon. Loads the configuration, tells systemd it is ready, runs each
// policy on its schedule, reloads on SIGHUP (keeping the running configuration when the new one
// is invalid), and on SIGTERM stops the pass in progress at its next batch boundary and exits 0.
#include <filesystem>
#include <iostream>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <boost/asio.hpp>
#include <boost/program_options.hpp>
#include <spdlog/spdlog.h>

#include "connectors/registry.h"
#include "daemon/commands/cli.h"
#include "daemon/commands/commands.h"
#include "daemon/commands/offline_checks.h"
#include "daemon/commands/prologue.h"
#include "daemon/serve/metrics_server.h"
#include "daemon/serve/notifier.h"
#include "daemon/serve/scheduler.h"
#include "daemon/state/pass_lock.h"
#include "policies/config_loader.h"
#include "policies/printable.h"
#include "policies/schedule.h"

namespace retentiond::daemon {
namespace {

constexpr const char* kUsage =
    R"(Usage: retentiond serve [-c FILE] [--metrics-file FILE] [--status-every INTERVAL]

Runs as a daemon (systemd Type=notify, or in the foreground from a terminal): every
policy with a `schedule` runs at its times (local time zone), one pass at a time. A run
missed while the service was stopped runs once, soon after start; a failed pass is
retried with backoff (5 min, doubling, at most 1 h). Policies without a schedule are
left to `retentiond enforce`.

Signals: SIGHUP (systemctl reload) re-reads the configuration; if it is invalid (or
changes state:), the errors are logged with file:line:column and the daemon keeps the
running one. SIGTERM
or SIGINT stops the pass in progress at its next batch boundary (recorded as
interrupted) and exits 0.

Metrics: with `metrics: {listen: 127.0.0.1:9187}` in the configuration, Prometheus
can scrape http://127.0.0.1:9187/metrics; --metrics-file writes the same exposition
for node_exporter's textfile collector after every pass. The overdue gauges (the
figures of `retentiond status`) are refreshed at start, after every pass and, since
records expire between passes too, every --status-every (default 1h, e.g. 15m; off:
only after passes).

Exit status: 0 after a stop signal, 1 when the configuration is invalid at start, 2
usage error.

Options)";

// Loads and validates; logs every diagnostic (file:line:column) on failure.
std::shared_ptr<const policies::Config> load(const std::string& path) {
  auto result = policies::load_config(path, connectors::store_specs());
  std::vector<policies::Diagnostic> diagnostics = result.diagnostics.all();
  // What `check --offline` checks beyond loading (key files a pass reads...): a configuration
  // that would fail every pass is no configuration to start or reload with.
  if (result.config) {
    std::vector<const policies::Policy*> all;
    for (const auto& p : result.config->policies) all.push_back(&p);
    offline_checks(*result.config, all, diagnostics, /*store_passwords=*/true);
    for (const auto& d : diagnostics)
      if (d.severity == policies::Severity::Error) result.config.reset();
  }
  // The log line's level says error or warning: "file:line:column: message" after it.
  for (const auto& d : diagnostics) {
    const std::string where = d.location.str();
    const std::string text = policies::printable((where.empty() ? "" : where + ": ") + d.message);
    if (d.severity == policies::Severity::Error)
      spdlog::error("{}", text);
    else
      spdlog::warn("{}", text);
  }
  if (!result.config) return nullptr;
  return std::make_shared<const policies::Config>(std::move(*result.config));
}

// Which state a configuration records in: the state file (its real path: one file reached by two
// paths is one state) or the PostgreSQL state's dsn. A reload cannot change it (see on_hup).
std::string state_identity(const policies::Config& config) {
  if (config.state_store) return "postgresql " + config.state_store->value("dsn");
  std::error_code ignored;
  const auto real = std::filesystem::weakly_canonical(config.state_path, ignored);
  return "file " + (real.empty() ? config.state_path : real.string());
}

}  // namespace

int serve_command(const Args& args) {
  std::string config_path, metrics_file, status_every_text;
  po::options_description opts(kUsage);
  opts.add_options()("help,h", "show this help");
  add_config_option(opts, config_path);
  opts.add_options()("metrics-file", po::value(&metrics_file),
                     "write Prometheus metrics to this file after each pass")(
      "status-every", po::value(&status_every_text)->default_value("1h"),
      "refresh the overdue gauges this often between passes (off: never)");
  po::variables_map vm;
  if (auto stop = parse_command_line("serve", args, opts, vm)) return *stop;
  std::chrono::seconds status_every(0);
  if (status_every_text != "off") {
    std::string why;
    auto every = policies::parse_interval(status_every_text, why);
    if (!every || every->count() <= 0)
      return usage_failure("serve",
                           "--status-every must be an interval such as 15m or 1h, or "
                           "off, not '" +
                               status_every_text + "'" + (why.empty() ? "" : ": " + why));
    status_every = *every;
  }

  auto config = load(config_path);
  if (!config) {
    spdlog::critical("{}: invalid configuration; not starting", config_path);
    return kExitFailure;
  }
  // One daemon per state file: two would each make every run (a leftover `serve` beside the
  // service doubled every pass, unnoticed). A shared PostgreSQL state is for several hosts,
  // which its leases coordinate.
  std::optional<PassLock> only_daemon;
  if (!config->state_store) {
    try {
      // Its directory, as the state file will have it (StateFile makes it 0700 too).
      const auto dir = std::filesystem::path(config->state_path).parent_path();
      std::error_code ignored;
      if (!dir.empty() && std::filesystem::create_directories(dir, ignored))
        std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ignored);
      only_daemon = PassLock::try_acquire(config->state_path, "-serve");
    } catch (const std::exception& e) {
      spdlog::critical("{}; not starting: no pass could be recorded", e.what());
      return kExitFailure;
    }
    if (!only_daemon) {
      spdlog::critical(
          "another 'retentiond serve' is running on the state file '{}' (it holds {}); not "
          "starting: two daemons on one state would each make every run (for several hosts, "
          "share a PostgreSQL state)",
          config->state_path, PassLock::path_for(config->state_path, "-serve"));
      return kExitFailure;
    }
  }
  boost::asio::io_context io;
  Notifier notifier;
  Metrics metrics;
  std::unique_ptr<MetricsServer> metrics_server;
  if (config->metrics) {
    try {
      metrics_server = std::make_unique<MetricsServer>(io, config->metrics->listen, metrics);
      spdlog::info("metrics at http://{}/metrics", config->metrics->listen);
    } catch (const std::exception& e) {
      spdlog::critical("{}", e.what());
      return kExitFailure;
    }
  }
  Scheduler scheduler(io, config, notifier, metrics, metrics_file, policies::system_clock(),
                      status_every);

  boost::asio::signal_set stops(io, SIGTERM, SIGINT);
  std::function<void(const boost::system::error_code&, int)> on_stop =
      [&](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        spdlog::info("{}: stopping (a pass in progress stops at its next batch)",
                     sig == SIGTERM ? "SIGTERM" : "SIGINT");
        notifier.stopping();
        if (metrics_server) metrics_server->stop();
        scheduler.stop();
      };
  stops.async_wait(on_stop);

  boost::asio::signal_set hangups(io, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_hup =
      [&](const boost::system::error_code& ec, int) {
        if (ec) return;
        notifier.reloading();
        spdlog::info("SIGHUP: reloading {}", config_path);
        auto fresh = load(config_path);
        if (fresh && state_identity(*fresh) != state_identity(*config)) {
          // The daemon's lock is on the state it started with, its interrupted passes were
          // recovered there, and its trail is there: another state would be shared with a second
          // daemon and split the trail.
          spdlog::error(
              "{}: 'state:' changed; a reload cannot move the daemon to another state (restart "
              "it: systemctl restart retentiond); keeping the current configuration",
              fresh->state_location.str().empty() ? config_path : fresh->state_location.str());
        } else if (fresh) {
          scheduler.reload(fresh);
          spdlog::info("configuration reloaded ({} {})", fresh->policies.size(),
                       fresh->policies.size() == 1 ? "policy" : "policies");
        } else {
          spdlog::error("{}: the new configuration is invalid; keeping the current configuration",
                        config_path);
        }
        notifier.ready();
        // `systemctl status` shows it too, until the next pass's line: the reload "succeeded".
        if (!fresh || state_identity(*fresh) != state_identity(*config))
          notifier.status("reload refused: running the previous configuration (see the journal)");
        hangups.async_wait(on_hup);
      };
  hangups.async_wait(on_hup);

  // The watchdog is the only periodic wake-up, and only when systemd asks for it.
  boost::asio::steady_timer watchdog(io);
  std::function<void(const boost::system::error_code&)> on_watchdog;
  if (auto interval = notifier.watchdog_interval()) {
    on_watchdog = [&, half = *interval / 2](const boost::system::error_code& ec) {
      if (ec) return;
      notifier.watchdog();
      watchdog.expires_after(half);
      watchdog.async_wait(on_watchdog);
    };
    notifier.watchdog();
    watchdog.expires_after(*interval / 2);
    watchdog.async_wait(on_watchdog);
  }

  if (!scheduler.start()) return kExitFailure;
  notifier.ready();
  spdlog::info("retentiond {} serving {} ({} {})", RETENTIOND_VERSION, config_path,
               config->policies.size(), config->policies.size() == 1 ? "policy" : "policies");
  io.run();
  spdlog::info("stopped");
  return kExitOk;
}

}  // namespace retentiond::daemon
