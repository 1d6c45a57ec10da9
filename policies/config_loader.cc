#include "policies/config_loader.h"

#include <glob.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string_view>

#include <yaml-cpp/depthguard.h>

#include "lib/files/regular_file.h"
#include "policies/dsn_secret.h"
#include "policies/policy_parser.h"
#include "policies/throttle_parser.h"
#include "policies/yaml_map.h"

namespace retentiond::policies {
namespace {

namespace fs = std::filesystem;

struct LoadedFile {
  std::string path;      // as shown in messages
  std::string base_dir;  // its directory
  YAML::Node root;
};

// The line (from 1) where a second YAML document begins: a "---" at the start of a line after the
// first document's content (or any content after a "..." end marker). Such a marker can stand
// nowhere else at the start of a line: block scalars are indented, and quoted scalars may not
// hold one. A "---" before any content only opens the first document.
std::optional<int> second_document_line(const std::string& text) {
  bool content = false, ended = false;
  int line = 0;
  for (size_t at = 0; at < text.size();) {
    ++line;
    size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    const std::string_view l(text.data() + at, end - at);
    at = end + 1;
    auto marker = [&](std::string_view m) {
      return l.substr(0, 3) == m && (l.size() == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\r');
    };
    if (marker("---")) {
      if (content || ended) return line;
      continue;
    }
    if (marker("...")) {
      ended = true;
      continue;
    }
    const size_t first = l.find_first_not_of(" \t\r");
    if (first == std::string_view::npos || l[first] == '#') continue;
    if (!content && l[0] == '%') continue;  // a directive (%YAML, %TAG) before the document
    if (ended) return line;
    content = true;
  }
  return std::nullopt;
}

// Reads and parses `path`. A file that cannot be read is an error at `where` (the file itself,
// or the `include:` line that names it), said as "cannot read <what>: <why>".
std::optional<YAML::Node> read_yaml(const std::string& path, const Location& where,
                                    const std::string& what, Diagnostics& diags) {
  std::string why;
  auto text = lib::read_regular_file(path, lib::kMaxConfigFileBytes, why);
  if (!text) {
    diags.error(where, "cannot read " + what + ": " + why);
    return std::nullopt;
  }
  try {
    // One document: yaml-cpp's Load reads the first and drops the others unread. (Found in the
    // text, not by parsing them: LoadAll on thousands of documents is slow work for nothing.)
    if (auto second = second_document_line(*text)) {
      diags.error(Location{path, *second, 1},
                  "a second YAML document ('---') in " + what +
                      ": a configuration file is one document, and nothing after its end would "
                      "be read; remove the '---' (or move what follows to an included file)");
      return std::nullopt;
    }
    return YAML::Load(*text);
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp stops at a fixed depth (and says only "bad file").
    diags.error(location_of(path, e.mark),
                "YAML nesting too deep for the parser; a configuration needs only a few levels");
  } catch (const YAML::ParserException& e) {
    diags.error(location_of(path, e.mark), "YAML syntax error: " + e.msg);
  } catch (const YAML::Exception& e) {
    diags.error(location_of(path, e.mark), "YAML error: " + e.msg);
  }
  return std::nullopt;
}

// Absolute, so that relative paths in the configuration do not depend on the working directory
// of whoever runs retentiond later (the daemon, a cron job, a DPO in their home directory).
std::string directory_of(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::absolute(fs::path(path), ec).lexically_normal().parent_path();
  if (ec || p.empty()) p = fs::path(path).parent_path();
  return p.empty() ? std::string(".") : p.string();
}

bool has_wildcard(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

std::vector<LoadedFile> expand_includes(const YamlField& field, const LoadedFile& main,
                                        Diagnostics& diags) {
  std::vector<std::pair<std::string, Location>> patterns;
  if (field.value.IsSequence()) {
    for (const auto& item : field.value) {
      if (!item.IsScalar()) {
        diags.error(location_of(main.path, item), "'include' entries must be file patterns");
        continue;
      }
      patterns.emplace_back(item.Scalar(), location_of(main.path, item));
    }
  } else if (field.value.IsScalar()) {
    patterns.emplace_back(field.value.Scalar(), field.value_location);
  } else {
    diags.error(field.value_location, "'include' must be a file pattern or a list of them");
  }
  std::vector<LoadedFile> out;
  for (const auto& [pattern, where] : patterns) {
    std::string full = resolve_path(main.base_dir, pattern);
    // glob(3) reads '**' as '*': one level, where a files store's globs mean any depth.
    if (pattern.find("**") != std::string::npos) {
      diags.error(where, "'include' pattern '" + pattern +
                             "': '**' is not supported here (it would match one level only); "
                             "name each level, as 'policies.d/*.yaml' and "
                             "'policies.d/*/*.yaml'");
      continue;
    }
    if (!has_wildcard(pattern) && fs::is_directory(full)) {
      diags.error(where, "'include' names the directory '" + full + "': name its files, as '" +
                             pattern + (pattern.empty() || pattern.back() == '/' ? "" : "/") +
                             "*.yaml'");
      continue;
    }
    std::vector<std::string> matches;
    glob_t g{};
    int rc = glob(full.c_str(), GLOB_ERR, nullptr, &g);
    if (rc == 0)
      for (size_t i = 0; i < g.gl_pathc; ++i) matches.emplace_back(g.gl_pathv[i]);
    globfree(&g);
    std::sort(matches.begin(), matches.end());
    if (matches.empty() && !has_wildcard(pattern)) {
      diags.error(where, "included file '" + full + "' does not exist");
      continue;
    }
    for (const auto& path : matches) {
      if (fs::is_directory(path)) continue;
      auto root = read_yaml(path, where, "the included file '" + path + "'", diags);
      if (!root) continue;
      out.push_back({path, directory_of(path), *root});
    }
  }
  return out;
}

bool valid_store_name(const std::string& name) {
  if (name.empty() || name.size() > 100 || !std::isalnum(static_cast<unsigned char>(name[0])))
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

void check_option(const OptionSpec& spec, const StoreOption& o, const std::string& context,
                  Diagnostics& diags) {
  const std::string where = "'" + std::string(spec.name) + "' of " + context;
  switch (spec.kind) {
    case OptionSpec::Kind::Port: {
      bool digits = !o.value.empty() && o.value.size() <= 5 &&
                    std::all_of(o.value.begin(), o.value.end(),
                                [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
      if (!digits || std::stoi(o.value) < 1 || std::stoi(o.value) > 65535)
        diags.error(o.location, where + " must be a port number (1-65535), not '" + o.value + "'");
      break;
    }
    case OptionSpec::Kind::Boolean: {
      std::string l;
      for (char c : o.value) l += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (l != "true" && l != "false" && l != "yes" && l != "no" && l != "on" && l != "off")
        diags.error(o.location, where + " must be true or false, not '" + o.value + "'");
      break;
    }
    case OptionSpec::Kind::Interval: {
      std::string error;
      if (!parse_interval(o.value, error)) diags.error(o.location, where + ": " + error);
      break;
    }
    case OptionSpec::Kind::Choice: {
      if (std::find(spec.choices.begin(), spec.choices.end(), o.value) != spec.choices.end()) break;
      std::string allowed;
      for (auto c : spec.choices) allowed += (allowed.empty() ? "" : ", ") + std::string(c);
      diags.error(o.location, where + " must be one of " + allowed + ", not '" + o.value + "'");
      break;
    }
    case OptionSpec::Kind::Path:
    case OptionSpec::Kind::Text:
      if (o.value.empty()) diags.error(o.location, where + " is empty");
      break;
  }
}

void parse_stores(const YamlField& field, const LoadedFile& file, Config& config,
                  const std::vector<StoreSpec>& specs, Diagnostics& diags) {
  if (!field.value.IsMap()) {
    diags.error(field.value_location, "'stores' must map store names to their settings");
    return;
  }
  for (auto it = field.value.begin(); it != field.value.end(); ++it) {
    Location name_location = location_of(file.path, it->first);
    collect(diags, [&] {
      std::string name = it->first.Scalar();
      if (!valid_store_name(name))
        throw ConfigError(name_location, "store name '" + name +
                                             "' must use only letters, digits, '-', '_' and '.'");
      if (const StoreConfig* other = config.store(name))
        throw ConfigError(name_location,
                          "store '" + name + "' is already declared at " + other->location.str());
      const std::string context = "store '" + name + "'";
      if (!it->second.IsMap())
        throw ConfigError(location_of(file.path, it->second),
                          context + " must be a mapping with a 'type' and its settings");
      StoreConfig store;
      store.name = name;
      store.location = location_of(file.path, it->second);
      store.base_dir = file.base_dir;
      const YAML::Node& type_node = it->second["type"];
      if (!type_node || !type_node.IsScalar())
        throw ConfigError(store.location, context +
                                              " has no 'type' (sqlite, postgresql, mysql, "
                                              "sympa or files)");
      store.type = type_node.Scalar();
      const StoreSpec* spec = find_spec(specs, store.type);
      if (!spec) {
        std::string list;
        for (const auto& s : specs) list += (list.empty() ? "" : ", ") + std::string(s.type);
        throw ConfigError(location_of(file.path, type_node),
                          "unknown store type '" + store.type + "' (use one of: " + list + ")");
      }
      std::vector<std::string_view> known{"type"};
      if (spec->throttle) known.push_back("throttle");
      for (const auto& o : spec->options) known.push_back(o.name);
      std::set<std::string> seen_outside_options;  // `type` and `throttle`: not options
      for (auto o = it->second.begin(); o != it->second.end(); ++o) {
        std::string key = o->first.Scalar();
        Location key_location = location_of(file.path, o->first);
        if ((key == "type" || key == "throttle") && !seen_outside_options.insert(key).second) {
          diags.error(key_location, "duplicate key '" + key + "' in " + context);
          continue;
        }
        if (key == "type") continue;
        if (key == "throttle") {
          if (!spec->throttle)
            diags.error(key_location, context + " (type " + store.type +
                                          ") takes no 'throttle' (only mysql "
                                          "and postgresql stores do)");
          else
            collect(diags, [&] {
              store.throttle =
                  parse_throttle(o->second, file.path, file.base_dir, context, store.type, diags);
            });
          continue;
        }
        if (key == "password" || key == "passwd") {
          diags.error(key_location,
                      "passwords are not accepted in the configuration file; put "
                      "the password in a file readable only by retentiond and "
                      "name it with 'password_file'");
          continue;
        }
        if (std::find(known.begin(), known.end(), key) == known.end()) {
          std::string message =
              unknown_key_words(key) + " in " + context + " (type " + store.type + ")";
          if (auto guess = closest_key(key, known))
            message += " (did you mean '" + std::string(*guess) + "'?)";
          diags.error(key_location, message);
          continue;
        }
        if (store.options.count(key)) {
          diags.error(key_location, "duplicate key '" + key + "' in " + context);
          continue;
        }
        if (!o->second.IsScalar()) {
          diags.error(location_of(file.path, o->second),
                      "'" + key + "' of " + context + " must be a single value");
          continue;
        }
        StoreOption option{o->second.Scalar(), location_of(file.path, o->second)};
        for (const auto& os : spec->options)
          if (os.name == key) check_option(os, option, context, diags);
        store.options.emplace(key, option);
      }
      for (const auto& os : spec->options)
        if (os.required && !store.options.count(os.name))
          diags.error(store.location,
                      context + " (type " + store.type + ") has no '" + std::string(os.name) + "'");
      if (spec->cross_check)
        for (const auto& problem : spec->cross_check(store))
          diags.error(problem.location, problem.message);
      if (const StoreOption* dsn = store.option("dsn")) {
        if (dsn_has_password(dsn->value))
          diags.error(dsn->location, "the 'dsn' of " + context +
                                         " contains a password; use "
                                         "'password_file' instead");
      }
      config.stores.push_back(std::move(store));
    });
  }
}

// `state: {type: postgresql, dsn: "...", password_file: ...}`: the state shared by several hosts.
StoreConfig parse_state_store(const YamlField& field, const LoadedFile& file, Diagnostics& diags) {
  YamlMap m(field.value, file.path, "'state'", {"type", "dsn", "password_file"}, diags);
  StoreConfig store;
  store.name = "state";
  store.type = "postgresql";
  store.location = m.location();
  store.base_dir = file.base_dir;
  const YamlField& type = m.require("type");
  if (m.text(type) != "postgresql")
    throw ConfigError(type.value_location,
                      "the 'state' can be a SQLite file (its path) or {type: postgresql, dsn: "
                      "..., password_file: ...}; type '" +
                          m.text(type) + "' is not one");
  const YamlField& dsn = m.require("dsn");
  store.options.emplace("dsn", StoreOption{m.text(dsn), dsn.value_location});
  if (dsn_has_password(m.text(dsn)))
    diags.error(dsn.value_location,
                "the 'dsn' of 'state' contains a password; use 'password_file' instead");
  if (const YamlField* pf = m.find("password_file"))
    store.options.emplace("password_file", StoreOption{m.text(*pf), pf->value_location});
  return store;
}

void parse_smtp(const YamlField& field, const LoadedFile& file, Config& config,
                Diagnostics& diags) {
  YamlMap m(field.value, file.path, "'smtp'",
            {"host", "port", "starttls", "user", "password_file", "from"}, diags);
  SmtpConfig smtp;
  smtp.location = m.location();
  smtp.host = m.required_text("host");
  if (const YamlField* f = m.find("port")) smtp.port = static_cast<int>(m.integer(*f, 1, 65535));
  if (const YamlField* f = m.find("starttls")) smtp.starttls = m.boolean(*f);
  smtp.user = m.optional_text("user").value_or("");
  if (auto pf = m.optional_text("password_file"))
    smtp.password_file = resolve_path(file.base_dir, *pf);
  smtp.from = m.optional_text("from").value_or("");
  config.smtp = smtp;
}

void parse_metrics(const YamlField& field, const LoadedFile& file, Config& config,
                   Diagnostics& diags) {
  YamlMap m(field.value, file.path, "'metrics'", {"listen"}, diags);
  const YamlField& listen = m.require("listen");
  MetricsConfig metrics{m.text(listen), m.location()};
  auto colon = metrics.listen.rfind(':');
  bool ok = colon != std::string::npos && colon > 0 && colon + 1 < metrics.listen.size();
  if (ok) {
    std::string port = metrics.listen.substr(colon + 1);
    ok = port.size() <= 5 &&
         std::all_of(port.begin(), port.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) &&
         std::stoi(port) >= 1 && std::stoi(port) <= 65535;
  }
  if (!ok)
    throw ConfigError(listen.value_location, "metrics listen address '" + metrics.listen +
                                                 "' must be HOST:PORT, as in "
                                                 "'127.0.0.1:9187'");
  config.metrics = metrics;
}

// `declared`: every policy name met so far, in every file, with where (a policy refused for
// another mistake included: its duplicate is said in the same run of `check`).
void parse_policies(const YamlField& field, const LoadedFile& file, Config& config,
                    const std::vector<StoreSpec>& specs, Diagnostics& diags,
                    std::map<std::string, Location>& declared) {
  if (!field.value.IsSequence()) {
    diags.error(field.value_location, "'policies' must be a list of policies");
    return;
  }
  ParseContext ctx{file.path, file.base_dir, config, specs, diags};
  size_t index = 0;
  for (const auto& node : field.value) {
    std::optional<Policy> parsed;
    collect(diags, [&] { parsed = parse_policy(node, index, ctx); });
    ++index;
    const YAML::Node name = node.IsMap() ? node["name"] : YAML::Node();
    if (!name || !name.IsScalar() || name.Scalar().empty()) {
      if (parsed) config.policies.push_back(std::move(*parsed));
      continue;
    }
    const Location here = parsed ? parsed->location : location_of(file.path, node);
    auto [first, fresh] = declared.emplace(name.Scalar(), here);
    if (!fresh) {
      diags.error(here, "duplicate policy name '" + name.Scalar() + "' (first declared at " +
                            first->second.str() + ")");
      continue;
    }
    if (parsed) config.policies.push_back(std::move(*parsed));
  }
}

}  // namespace

namespace {

// retentiond's own files, which no store may act on: each store learns them (a files store whose
// root holds them never selects them: its `**` would delete the state, its locks, the
// configuration, a key), and an SQLite store whose database is the state file is an error.
void mark_own_files(Config& config, const std::string& main_path, Diagnostics& diags) {
  auto canonical = [](const std::string& p) {
    std::error_code ec;
    auto c = fs::weakly_canonical(fs::absolute(p, ec), ec);
    return ec ? fs::absolute(p).lexically_normal().string() : c.string();
  };
  std::vector<std::string> own;
  if (!config.state_store) {
    const std::string state = canonical(config.state_path);
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) own.push_back(state + suffix);
    own.push_back(state + ".locks/");  // daemon/state/pass_lock.h: beside the resolved file
  }
  own.push_back(canonical(main_path));
  for (const auto& f : config.included_files) own.push_back(canonical(f));
  // And the files a pass reads: keys, passwords, notice templates.
  auto add = [&](const std::string& p) {
    if (!p.empty()) own.push_back(canonical(p));
  };
  add(config.audit_key_file);
  if (config.smtp) add(config.smtp->password_file);
  if (config.state_store) add(config.state_store->path("password_file"));
  for (const auto& store : config.stores) {
    add(store.path("password_file"));
    if (store.throttle)
      for (const auto& replica : store.throttle->replicas) add(replica.password_file);
  }
  auto add_keys = [&](const std::vector<ColumnAnonymisation>& columns) {
    for (const auto& c : columns)
      if (c.strategy.kind == AnonymiseStrategy::Kind::Hmac) add(c.strategy.text);
  };
  for (const auto& policy : config.policies) {
    if (policy.notify) add(policy.notify->template_file);
    add_keys(policy.anonymise);
    for (const auto& rule : policy.also) add_keys(rule.anonymise);
  }
  for (auto& store : config.stores) {
    store.own_files = own;
    if (store.type == "sqlite" && !config.state_store && store.option("path") &&
        canonical(store.path("path")) == own.front())
      diags.error(store.option("path")->location,
                  "store '" + store.name + "': its database is retentiond's state file '" +
                      config.state_path +
                      "': retentiond would write its audit trail, holds and secrets into it; "
                      "give 'state:' a file of its own");
  }
}

}  // namespace

LoadResult load_config(const std::string& path, const std::vector<StoreSpec>& specs) {
  LoadResult result;
  Diagnostics& diags = result.diagnostics;
  Config config;
  config.file = path;

  auto root = read_yaml(path, Location{path, 0, 0}, "the configuration file", diags);
  if (!root) return result;
  LoadedFile main{path, directory_of(path), *root};
  if (root->IsNull()) {
    diags.error(Location{path, 1, 1}, "the configuration file is empty");
    return result;
  }

  std::optional<YamlMap> top;
  collect(diags, [&] {
    top.emplace(
        main.root, path, "the configuration",
        std::initializer_list<std::string_view>{"state", "stores", "policies", "include", "smtp",
                                                "metrics", "audit_key_file", "languages"},
        diags);
  });
  if (!top) return result;

  std::vector<std::pair<LoadedFile, YamlMap>> files;
  files.emplace_back(main, *top);
  if (const YamlField* inc = top->find("include")) {
    for (auto& f : expand_includes(*inc, main, diags)) {
      collect(diags, [&] {
        YamlMap m(f.root, f.path, "an included file",
                  std::initializer_list<std::string_view>{"stores", "policies"}, diags);
        config.included_files.push_back(f.path);
        files.emplace_back(f, m);
      });
    }
  }

  collect(diags, [&] {
    if (const YamlField* f = top->find("state"); f && f->value.IsMap()) {
      config.state_location = f->value_location;
      config.state_store = parse_state_store(*f, main, diags);
    } else if (f) {
      config.state_path = resolve_path(main.base_dir, top->text(*f));
      config.state_location = f->value_location;
    } else if (const char* dir = std::getenv("STATE_DIRECTORY"); dir && *dir) {
      // systemd's StateDirectory= (the first one, if several are listed).
      std::string first(dir);
      first = first.substr(0, first.find(':'));
      config.state_path = (fs::path(first) / "state.db").string();
    } else {
      config.state_path = kDefaultStatePath;
    }
  });
  collect(diags, [&] {
    if (const YamlField* f = top->find("audit_key_file")) {
      config.audit_key_file = resolve_path(main.base_dir, top->text(*f));
      config.audit_key_location = f->value_location;
    }
  });
  // Before the policies, whose register text and notices name their languages.
  if (const YamlField* f = top->find("languages")) {
    auto languages = parse_languages(*f, diags);
    if (!languages.empty()) config.languages = languages;
    config.languages_location = f->value_location;
  }
  collect(diags, [&] {
    if (const YamlField* f = top->find("smtp")) parse_smtp(*f, main, config, diags);
  });
  collect(diags, [&] {
    if (const YamlField* f = top->find("metrics")) parse_metrics(*f, main, config, diags);
  });
  for (auto& [file, map] : files)
    if (const YamlField* f = map.find("stores")) parse_stores(*f, file, config, specs, diags);
  std::map<std::string, Location> declared;
  for (auto& [file, map] : files)
    if (const YamlField* f = map.find("policies"))
      parse_policies(*f, file, config, specs, diags, declared);
  mark_own_files(config, path, diags);
  // A configuration without policies (as packaged, or an include pattern matching nothing)
  // enforces nothing and reports every promise kept: said, at every load.
  const bool includes = top->find("include") != nullptr;
  if (config.policies.empty() && !diags.has_errors())
    diags.warning(Location{path, 1, 1},
                  std::string(config.stores.empty() ? "no store and no policy" : "no policy") +
                      ": nothing will be enforced" +
                      (includes ? " (does the 'include:' pattern match the files meant?)" : ""));

  if (!diags.has_errors()) result.config = std::move(config);
  return result;
}

}  // namespace retentiond::policies
