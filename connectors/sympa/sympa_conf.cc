#include "connectors/sympa/sympa_conf.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <sstream>

#include "lib/files/regular_file.h"

namespace retentiond::connectors::sympa {
namespace {

namespace fs = std::filesystem;

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

// "parameter value" lines; returns false, with `why`, when the file cannot be read (it must be a
// regular file of at most 1 MiB: a FIFO or a device would hang or never end).
bool read_lines(const std::string& path,
                std::map<std::string, std::pair<std::string, int>, std::less<>>& out,
                std::string& why) {
  auto text = lib::read_regular_file(path, lib::kMaxConfigFileBytes, why);
  if (!text) return false;
  std::istringstream in(*text);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::string text = trim(line);
    if (text.empty() || text[0] == '#') continue;
    size_t space = text.find_first_of(" \t");
    std::string key = text.substr(0, space);
    std::string value = space == std::string::npos ? "" : trim(text.substr(space));
    out[key] = {value, number};
  }
  return true;
}

void add_listmasters(const std::string& value, std::set<std::string>& out) {
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    std::string one = lower_case(
        trim(value.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
    if (!one.empty()) out.insert(one);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
}

// Values in libpq's key=value connection strings are quoted when they hold spaces or quotes.
std::string conninfo(const std::string& v) {
  if (!v.empty() && v.find_first_of(" '\\") == std::string::npos) return v;
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

}  // namespace

std::string lower_case(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string SympaConf::value(std::string_view parameter, std::string_view fallback) const {
  auto it = values.find(parameter);
  if (it == values.end() || it->second.first.empty()) return std::string(fallback);
  return it->second.first;
}

std::string SympaConf::where(std::string_view parameter) const {
  auto it = values.find(parameter);
  if (it == values.end()) return path;
  return path + ":" + std::to_string(it->second.second);
}

std::string sympa_default(std::string_view p) {
  static const std::map<std::string, std::string, std::less<>> defaults = {
      {"spool", "/var/spool/sympa"},
      {"queue", "/var/spool/sympa/msg"},
      {"queuemod", "/var/spool/sympa/moderation"},
      {"queuedigest", "/var/spool/sympa/digest"},
      {"queueauth", "/var/spool/sympa/auth"},
      {"queueoutgoing", "/var/spool/sympa/outgoing"},
      {"queuesubscribe", "/var/spool/sympa/subscribe"},
      {"queuetopic", "/var/spool/sympa/topic"},
      {"queuebounce", "/var/spool/sympa/bounce"},
      {"queuetask", "/var/spool/sympa/task"},
      {"queueautomatic", "/var/spool/sympa/automatic"},
      {"queuebulk", "/var/spool/sympa/bulk"},
      {"tmpdir", "/var/spool/sympa/tmp"},
      {"arc_path", "/var/lib/sympa/arc"},
      {"bounce_path", "/var/lib/sympa/bounce"},
      {"etc", "/etc/sympa"},
  };
  auto it = defaults.find(p);
  return it == defaults.end() ? "" : it->second;
}

Result<SympaConf> read_sympa_conf(const std::string& path, const std::string& store_name) {
  SympaConf conf;
  conf.path = path;
  std::string why;
  if (!read_lines(path, conf.values, why))
    return Error{
        ErrorKind::StoreUnreachable,
        error_prefix(store_name) + "cannot read Sympa's configuration '" + path + "': " + why};
  add_listmasters(conf.value("listmaster"), conf.listmasters);
  // Each virtual host (robot) may name its own listmasters in <etc>/<robot>/robot.conf.
  std::vector<fs::path> dirs;
  if (!conf.value("etc").empty()) {
    dirs.push_back(conf.value("etc"));
  } else {
    fs::path own = fs::path(path).parent_path();
    dirs.push_back(own);
    if (own.has_parent_path() && own.parent_path() != own) dirs.push_back(own.parent_path());
  }
  for (const auto& dir : dirs) {
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      fs::path robot_conf = it->path() / "robot.conf";
      std::map<std::string, std::pair<std::string, int>, std::less<>> robot;
      std::string ignored;  // a virtual host without a readable robot.conf names no listmaster
      if (it->is_directory(ec) && read_lines(robot_conf.string(), robot, ignored))
        if (auto lm = robot.find("listmaster"); lm != robot.end())
          add_listmasters(lm->second.first, conf.listmasters);
    }
  }
  return conf;
}

Result<policies::StoreConfig> database_store(const SympaConf& conf,
                                             const policies::StoreConfig& sympa) {
  policies::StoreConfig db;
  db.name = sympa.name;
  db.location = sympa.location;
  db.base_dir = sympa.base_dir;
  auto set = [&](const std::string& key, const std::string& value) {
    if (!value.empty()) db.options[key] = policies::StoreOption{value, sympa.location};
  };
  // Sympa's own defaults (Sympa::Config::Schema) when sympa.conf leaves them out.
  const std::string type = lower_case(conf.value("db_type", "mysql"));
  const std::string name = conf.value("db_name", type == "sqlite" ? "" : "sympa");
  if (name.empty())  // SQLite's database is a file: Sympa has no default for it
    return Error{ErrorKind::Config, error_prefix(sympa.name) + conf.where("db_name") +
                                        ": Sympa's configuration sets no db_name"};
  const std::string port = conf.value("db_port");
  const bool port_ok = !port.empty() && port.size() <= 5 &&
                       port.find_first_not_of("0123456789") == std::string::npos &&
                       std::stoul(port) >= 1 && std::stoul(port) <= 65535;
  if (!port.empty() && !port_ok && type != "sqlite")
    return Error{ErrorKind::Config, error_prefix(sympa.name) + conf.where("db_port") +
                                        ": db_port '" + port +
                                        "' is not a port number (1 to 65535)"};
  if (type == "sqlite") {
    db.type = "sqlite";
    set("path", name);
  } else if (type == "mysql" || type == "mariadb") {
    db.type = "mysql";
    set("host", conf.value("db_host", "localhost"));
    set("port", conf.value("db_port"));
    set("database", name);
    set("user", conf.value("db_user"));
    set("password", conf.value("db_passwd"));
  } else if (type == "pg" || type == "postgresql" || type == "postgres") {
    db.type = "postgresql";
    std::string dsn = "dbname=" + conninfo(name);
    if (!conf.value("db_host").empty()) dsn += " host=" + conninfo(conf.value("db_host"));
    if (!conf.value("db_port").empty()) dsn += " port=" + conninfo(conf.value("db_port"));
    if (!conf.value("db_user").empty()) dsn += " user=" + conninfo(conf.value("db_user"));
    set("dsn", dsn);
    set("password", conf.value("db_passwd"));
  } else {
    return Error{ErrorKind::Config,
                 error_prefix(sympa.name) + conf.where("db_type") + ": db_type '" +
                     conf.value("db_type") +
                     "' is not one retentiond reaches (use SQLite, MySQL or Pg)"};
  }
  return db;
}

}  // namespace retentiond::connectors::sympa
