#include "daemon/commands/cli.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "policies/printable.h"

namespace retentiond::daemon {

policies::TimePoint parse_at(const std::optional<std::string>& text) {
  if (!text) return policies::now_utc();
  if (text->empty())
    throw UsageError(
        "--at is empty: give an ISO-8601 time (e.g. 2027-03-01T00:00:00Z or "
        "2027-03-01), or leave --at out to use the current time");
  auto t = policies::parse_timestamp(*text);
  if (!t)
    throw UsageError("--at '" + *text +
                     "' is not an ISO-8601 time (e.g. 2027-03-01T00:00:00Z "
                     "or 2027-03-01)");
  const int year = static_cast<int>(
      std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(*t)}.year());
  if (year < 1000 || year > 9999)
    throw UsageError("--at '" + *text +
                     "' is out of range: the year must be between 1000 and 9999");
  return *t;
}

std::optional<int> parse_at_option(const std::string& command,
                                   const boost::program_options::variables_map& vm,
                                   const std::string& text, policies::TimePoint& now) {
  try {
    now = parse_at(vm.count("at") ? std::optional<std::string>(text) : std::nullopt);
    return std::nullopt;
  } catch (const UsageError& e) {
    return usage_failure(command, e.what());
  }
}

std::string json_text(const nlohmann::json& value) {
  return value.dump(2, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
}

void write_output(const std::string& text, const std::string& path) {
  if (path.empty() || path == "-") {
    std::cout << text << std::flush;
    if (!std::cout) {
      std::cout.clear();  // said here, by the caller: not a second time when the command ends
      throw std::runtime_error("cannot write the report to standard output");
    }
    return;
  }
  std::string temporary = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out.is_open()) {  // why, as the system said it: no such directory, permission denied
      const int error = errno;
      throw std::runtime_error("cannot write the report to '" + path +
                               "': " + std::strerror(error));
    }
    out << text;
    out.flush();
    if (!out) {
      const int error = errno;
      std::remove(temporary.c_str());
      throw std::runtime_error("cannot write the report to '" + path +
                               "': " + std::strerror(error));
    }
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) {
    std::remove(temporary.c_str());
    throw std::runtime_error("cannot write the report to '" + path + "': " + ec.message());
  }
}

int usage_failure(const std::string& command, const std::string& message) {
  std::cerr << "retentiond " << command << ": " << policies::printable(message) << "\n"
            << "Try 'retentiond " << command << " --help'.\n";
  return kExitUsage;
}

std::optional<int> check_choice(const std::string& command, const std::string& option,
                                const std::string& value, const std::vector<std::string>& choices) {
  if (std::find(choices.begin(), choices.end(), value) != choices.end()) return std::nullopt;
  std::string allowed;
  for (size_t i = 0; i < choices.size(); ++i)
    allowed += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + choices[i];
  return usage_failure(command, option + " must be " + allowed + ", not '" + value + "'");
}

std::optional<int> parse_command_line(
    const std::string& command, const std::vector<std::string>& args,
    const boost::program_options::options_description& options,
    boost::program_options::variables_map& vm,
    const boost::program_options::options_description* hidden,
    const boost::program_options::positional_options_description* positional) {
  namespace po = boost::program_options;
  po::options_description all;
  all.add(options);
  if (hidden) all.add(*hidden);
  try {
    po::command_line_parser parser(args);
    parser.options(all);
    if (positional) parser.positional(*positional);
    const po::parsed_options parsed = parser.run();
    // Without a positional description Boost keeps bare words aside and store() drops them:
    // 'enforce p1' would enforce every policy. They are refused, named.
    std::string stray;
    for (const auto& o : parsed.options)
      if (o.string_key.empty())
        for (const auto& token : o.original_tokens)
          stray += (stray.empty() ? "'" : ", '") + token + "'";
    if (!stray.empty())
      return usage_failure(command,
                           "unexpected argument " + stray + " (options start with '-'" +
                               (options.find_nothrow("policy", false)
                                    ? std::string("; a policy is named with --policy NAME)")
                                    : std::string(")")));
    // An option given an empty value ('-c ""', '-o ""', '--since ""') is a mistake, never "the
    // default": said, named, as every other usage error (--at says more, in parse_at_option).
    for (const auto& o : parsed.options)
      if (!o.string_key.empty() && o.string_key != "at" && !o.original_tokens.empty() &&
          o.original_tokens.front().rfind("-", 0) == 0)
        for (const auto& value : o.value)
          if (value.empty())
            return usage_failure(command, "--" + o.string_key + " is given an empty value");
    po::store(parsed, vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return usage_failure(command, e.what());
  }
  if (vm.count("help")) {
    std::cout << options << "\n";
    return kExitOk;
  }
  return std::nullopt;
}

}  // namespace retentiond::daemon
