// Checked access to a YAML mapping: every key known, unknown and duplicate keys reported with a
// guess, a missing key blamed on the map and a bad value on the value. Exact texts.
#include "policies/yaml_map.h"

#include <catch2/catch.hpp>

using namespace retentiond::policies;

namespace {

const std::vector<std::string_view> kKeys = {"host", "port", "starttls", "from"};

std::vector<std::string> texts(const Diagnostics& diags) {
  std::vector<std::string> out;
  for (const auto& d : diags.all()) out.push_back(d.str());
  return out;
}

// The ConfigError `body` throws, as printed; "(none)" when it throws none.
template <typename F>
std::string thrown(F&& body) {
  Diagnostics diags;
  collect(diags, body);
  return diags.all().empty() ? "(none)" : diags.all().front().str();
}

}  // namespace

TEST_CASE("a YAML map reports unknown and duplicate keys, and reads on", "[yaml_map]") {
  Diagnostics diags;
  YamlMap m(YAML::Load("host: h\nprot: 25\nhost: again\n[a]: 1\nfrom: x\nfancy: 1\n"), "s.yaml",
            "'smtp'", kKeys, diags);
  CHECK(texts(diags) ==
        std::vector<std::string>{"s.yaml:2:1: error: unknown key 'prot' in 'smtp' (did you mean "
                                 "'port'?)",
                                 "s.yaml:3:1: error: duplicate key 'host' in 'smtp'",
                                 "s.yaml:4:1: error: keys of 'smtp' must be plain words",
                                 "s.yaml:6:1: error: unknown key 'fancy' in 'smtp'"});
  REQUIRE(m.fields().size() == 2);
  CHECK(m.fields()[0].key == "host");
  CHECK(m.required_text("host") == "h");  // the first one counts
  CHECK(m.optional_text("from") == "x");
  CHECK(m.optional_text("port") == std::nullopt);
  CHECK(m.location().str() == "s.yaml:1:1");
  const YamlField* from = m.find("from");
  REQUIRE(from);
  CHECK(from->key_location.str() == "s.yaml:5:1");
  CHECK(from->value_location.str() == "s.yaml:5:7");
}

TEST_CASE("a YAML map blames the key of a value left out", "[yaml_map]") {
  Diagnostics diags;
  const auto node = YAML::Load("host: h\nmax_wait:\nport: 1\n");
  YamlMap m(node, "s.yaml", "'t'", {"host", "max_wait", "port"}, diags);
  try {
    m.text(*m.find("max_wait"));
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK(e.location().str() == "s.yaml:2:1");
  }
}

TEST_CASE("a YAML map blames the map for a missing key and the value for a bad one", "[yaml_map]") {
  Diagnostics diags;
  const auto node = YAML::Load(
      "  host: \"\"\n"       // 1
      "  port: [1]\n"        // 2
      "  starttls: maybe\n"  // 3
      "  from: 70000\n");    // 4
  YamlMap m(node, "s.yaml", "'smtp'", kKeys, diags);
  CHECK(diags.all().empty());
  const struct {
    const char* what;
    std::string got;
    std::string expected;
  } cases[] = {
      {"missing", thrown([&] { m.require("user"); }), "s.yaml:1:3: error: 'smtp' has no 'user'"},
      {"empty", thrown([&] { m.text(*m.find("host")); }),
       "s.yaml:1:9: error: 'host' in 'smtp' is empty"},
      {"empty allowed", thrown([&] { CHECK(m.text(*m.find("host"), true).empty()); }), "(none)"},
      {"a list for a value", thrown([&] { m.text(*m.find("port")); }),
       "s.yaml:2:9: error: 'port' in 'smtp' must be a single value, not a list"},
      {"not a boolean", thrown([&] { m.boolean(*m.find("starttls")); }),
       "s.yaml:3:13: error: 'starttls' in 'smtp' must be true or false, not 'maybe'"},
      {"out of range", thrown([&] { m.integer(*m.find("from"), 1, 65535); }),
       "s.yaml:4:9: error: 'from' in 'smtp' must be between 1 and 65535"},
      {"not a number", thrown([&] { m.integer(*m.find("starttls"), 0, 1); }),
       "s.yaml:3:13: error: 'starttls' in 'smtp' must be a whole number, not 'maybe'"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    CHECK(c.got == c.expected);
  }
}

TEST_CASE("a YAML map reads booleans and whole numbers", "[yaml_map]") {
  Diagnostics diags;
  YamlMap m(YAML::Load("a: Yes\nb: off\nc: -12\nd: 99999999999999999999\n"), "f.yaml", "'x'",
            {"a", "b", "c", "d"}, diags);
  CHECK(m.boolean(*m.find("a")));
  CHECK_FALSE(m.boolean(*m.find("b")));
  CHECK(m.integer(*m.find("c"), -100, 100) == -12);
  CHECK(thrown([&] { m.integer(*m.find("d"), 0, 1000); }) ==
        "f.yaml:4:4: error: 'd' in 'x' must be between 0 and 1000");
}

TEST_CASE("a YAML map must be a map", "[yaml_map]") {
  Diagnostics diags;
  const struct {
    const char* yaml;
    std::string expected;
  } cases[] = {
      {"[1, 2]", "f.yaml:1:1: error: 'x' must be a mapping of keys to values, not a list"},
      {"words", "f.yaml:1:1: error: 'x' must be a mapping of keys to values, not a scalar"},
  };
  for (const auto& c : cases) {
    INFO(c.yaml);
    CHECK(thrown([&] { YamlMap(YAML::Load(c.yaml), "f.yaml", "'x'", {"a"}, diags); }) ==
          c.expected);
  }
}

TEST_CASE("the closest key is a guess only for a plausible typo", "[yaml_map]") {
  const std::vector<std::string_view> keys = {"expire_after", "since", "store", "where"};
  const struct {
    std::string_view typo;
    std::optional<std::string_view> guess;
  } cases[] = {
      {"expire_aftr", "expire_after"},
      {"expires_after", "expire_after"},
      {"sinse", "since"},
      {"shore", "store"},  // as near to 'where': the first declared wins
      {"wher", "where"},
      {"colour", std::nullopt},
      {"x", std::nullopt},
      {"expiry", std::nullopt},
  };
  for (const auto& c : cases) {
    INFO(c.typo);
    CHECK(closest_key(c.typo, keys) == c.guess);
  }
}
