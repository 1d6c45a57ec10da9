// `retentiond register`: the retention register to publish, printed from the policy files alone.
#include <iostream>

#include <boost/program_options.hpp>
#include <spdlog/spdlog.h>

#include "daemon/commands/cli.h"
#include "daemon/commands/commands.h"
#include "daemon/commands/prologue.h"
#include "daemon/reports/register.h"
#include "policies/printable.h"

namespace retentiond::daemon {
namespace {

constexpr const char* kUsage =
    R"(Usage: retentiond register [-c FILE] [--policy NAME]... [--format markdown|html|text] [--language en|fr] [-o FILE]

Prints, from the policy files alone, the table of retention periods an organisation
publishes in its privacy policy: for each category of data, its purpose and legal
basis, how long it is kept and from which event, what happens at the end (deletion,
anonymisation), the notice given before, and the source of the promise. Rows come
from each policy's optional `register:` block (data, purpose, legal_basis, event),
else from its description and `since`. Connects to no store.

Exit status: 0, 1 when the configuration is invalid, 2 usage error.

Options)";

}  // namespace

int register_command(const Args& args) {
  const std::string command = "register";
  std::string config_path, format, language, output;
  std::vector<std::string> names;
  po::options_description opts(kUsage);
  opts.add_options()("help,h", "show this help");
  add_config_option(opts, config_path);
  add_policy_option(opts, names, "only this policy (repeatable)");
  opts.add_options()("format", po::value(&format)->default_value("markdown"),
                     "markdown, html or text")(
      "language", po::value(&language)->default_value("en"), "en or fr")(
      "output,o", po::value(&output), "write the register to this file instead of stdout");
  po::variables_map vm;
  if (auto stop = parse_command_line(command, args, opts, vm)) return *stop;
  if (auto stop = check_choice(command, "--format", format, {"markdown", "html", "text"}))
    return *stop;
  if (auto stop = check_choice(command, "--language", language, {"en", "fr"})) return *stop;
  const RegisterFormat f = format == "markdown" ? RegisterFormat::Markdown
                           : format == "html"   ? RegisterFormat::Html
                                                : RegisterFormat::Text;
  const RegisterLanguage l =
      language == "fr" ? RegisterLanguage::French : RegisterLanguage::English;

  Selection selection;
  if (auto stop = load_selection(command, config_path, names, selection)) return *stop;
  try {
    // Descriptions and sources are the configuration's text: escaped like every report.
    write_output(
        policies::printable_lines(render_register(register_rows(selection.policies, l), f, l)),
        output);
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace retentiond::daemon
