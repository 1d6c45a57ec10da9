#include "policies/throttle_parser.h"

#include <cctype>
#include <cstdlib>

#include "policies/dsn_secret.h"
#include "policies/policy_parser.h"
#include "policies/schedule.h"
#include "policies/yaml_map.h"

namespace retentiond::policies {
namespace {

std::chrono::seconds interval(const YamlMap& m, const YamlField& f) {
  std::string error;
  auto value = parse_interval(m.text(f), error);
  if (!value)
    throw ConfigError(f.value_location, "'" + f.key + "' of " + m.context() + ": " + error);
  if (value->count() <= 0)
    throw ConfigError(f.value_location, "'" + f.key + "' of " + m.context() + " must be positive");
  return *value;
}

ReplicaConfig parse_replica(const YAML::Node& node, const std::string& file,
                            const std::string& base_dir, const std::string& context, bool mysql,
                            Diagnostics& diags) {
  YamlMap m(node, file, context,
            mysql ? std::initializer_list<std::string_view>{"host", "port", "user", "password_file",
                                                            "password"}
                  : std::initializer_list<std::string_view>{"host", "port", "user", "dbname",
                                                            "password_file", "password", "dsn"},
            diags);
  ReplicaConfig r;
  r.location = m.location();
  if (const YamlField* f = m.find("password"))
    throw ConfigError(f->key_location, "passwords are not accepted in the configuration file (" +
                                           context +
                                           "); put it in a file readable by retentiond only and "
                                           "name it with 'password_file'");
  if (auto pf = m.optional_text("password_file")) r.password_file = resolve_path(base_dir, *pf);
  if (const YamlField* dsn = m.find("dsn")) {
    for (const char* key : {"host", "port", "user", "dbname"})
      if (const YamlField* f = m.find(key))
        throw ConfigError(f->key_location, "'" + std::string(key) + "' and 'dsn' in " + context +
                                               ": give the replica either as a 'dsn' or by its "
                                               "host, port, user and dbname, not both");
    r.dsn = m.text(*dsn);
    if (dsn_has_password(r.dsn))
      throw ConfigError(dsn->value_location, "the 'dsn' of " + context +
                                                 " contains a password; name a file holding it "
                                                 "with 'password_file' (or passfile=... in the "
                                                 "dsn) instead");
    return r;
  }
  if (!mysql && !m.find("host"))
    throw ConfigError(r.location, context + " has no 'host' (or 'dsn')");
  r.host = m.required_text("host");
  if (const YamlField* f = m.find("port")) r.port = static_cast<int>(m.integer(*f, 1, 65535));
  if (!r.port) r.port = mysql ? 3306 : 5432;
  r.user = m.optional_text("user").value_or("");
  r.dbname = m.optional_text("dbname").value_or(mysql ? "" : "postgres");
  return r;
}

}  // namespace

std::string ReplicaConfig::name() const {
  if (!host.empty()) return host + ":" + std::to_string(port);
  // The dsn's host and port, never its other settings.
  std::string out;
  for (const char* key : {"host=", "port="}) {
    auto at = dsn.find(key);
    if (at == std::string::npos) continue;
    auto end = dsn.find(' ', at);
    out += (out.empty() ? "" : ":") +
           dsn.substr(at + 5, end == std::string::npos ? std::string::npos : end - at - 5);
  }
  return out.empty() ? "(dsn)" : out;
}

ThrottleConfig parse_throttle(const YAML::Node& node, const std::string& file,
                              const std::string& base_dir, const std::string& store_context,
                              const std::string& store_type, Diagnostics& diags) {
  const bool mysql = store_type == "mysql";
  const std::string context = "'throttle' of " + store_context;
  YamlMap m(node, file, context,
            {"max_replica_lag", "replicas", "max_threads_running", "max_wait", "nice_ratio"},
            diags);
  ThrottleConfig t;
  t.location = m.location();
  collect(diags, [&] {
    if (const YamlField* f = m.find("max_replica_lag")) t.max_replica_lag = interval(m, *f);
  });
  collect(diags, [&] {
    if (const YamlField* f = m.find("max_threads_running"))
      t.max_threads_running = m.integer(*f, 1, 100000);
  });
  collect(diags, [&] {
    if (const YamlField* f = m.find("max_wait")) t.max_wait = interval(m, *f);
  });
  bool nice_read = false;  // a valid nice_ratio
  collect(diags, [&] {
    const YamlField* f = m.find("nice_ratio");
    if (!f) return;
    const std::string text = m.text(*f);
    char* end = nullptr;
    const double ratio = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !(ratio >= 0 && ratio <= 100))
      throw ConfigError(f->value_location,
                        "'nice_ratio' of " + context +
                            " must be a number from 0 to 100 (1: rest as long as each batch took), "
                            "not '" +
                            text + "'");
    t.nice_ratio = ratio;
    nice_read = true;
  });
  collect(diags, [&] {
    const YamlField* f = m.find("replicas");
    if (!f) return;
    if (!f->value.IsSequence())
      throw ConfigError(f->value_location,
                        "'replicas' of " + context + " must be a list of replicas");
    for (size_t i = 0; i < f->value.size(); ++i)
      collect(diags, [&] {
        auto r = parse_replica(f->value[i], file, base_dir,
                               "replica " + std::to_string(i + 1) + " of " + context, mysql, diags);
        // One reading per server: a second entry for it would never be asked (nor its user's
        // grants checked).
        for (const auto& other : t.replicas)
          if (other.name() == r.name())
            throw ConfigError(r.location, "replica " + r.name() + " is listed twice in " + context +
                                              " (first at " + other.location.str() +
                                              "): list each server once");
        t.replicas.push_back(std::move(r));
      });
  });
  // Keys present with a wrong value were named above: the checks across keys count them as set,
  // so that one mistake gives one error.
  const bool lag_given = m.find("max_replica_lag") != nullptr;
  const YamlField* replicas = m.find("replicas");
  const bool replicas_given = replicas && replicas->value.IsSequence() && replicas->value.size();
  if (!lag_given && !m.find("max_threads_running") && !m.find("nice_ratio"))
    diags.error(
        t.location,
        context + " sets none of 'max_replica_lag', 'max_threads_running' and 'nice_ratio'");
  else if (!lag_given && !m.find("max_threads_running") && nice_read && t.nice_ratio == 0)
    diags.error(m.find("nice_ratio")->value_location,
                context +
                    " would do nothing: 'nice_ratio: 0' rests not at all, and neither "
                    "'max_replica_lag' nor 'max_threads_running' is set");
  if (mysql && t.max_replica_lag && !replicas_given)
    diags.error(t.location,
                context +
                    " sets 'max_replica_lag' but lists no 'replicas' to ask (MySQL and MariaDB "
                    "replicas report their own lag)");
  if (!lag_given && !t.replicas.empty())
    diags.error(t.location, context + " lists 'replicas' but sets no 'max_replica_lag'");
  return t;
}

}  // namespace retentiond::policies
