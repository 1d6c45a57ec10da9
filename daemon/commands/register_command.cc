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
from each policy's optional `register:` text in the register's language (data,
purpose, legal_basis, event, duration, at_expiry), else in the first language the
policy has, else from its description and `since`. The language defaults to the
first of the configuration's `languages:` (English when it declares none).
Connects to no store.

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
      "language", po::value(&language), "en or fr (default: the configuration's first language)")(
      "output,o", po::value(&output), "write the register to this file instead of stdout");
  po::variables_map vm;
  if (auto stop = parse_command_line(command, args, opts, vm)) return *stop;
  if (auto stop = check_choice(command, "--format", format, {"markdown", "html", "text"}))
    return *stop;
  if (!language.empty())
    if (auto stop = check_choice(command, "--language", language, {"en", "fr"})) return *stop;
  const RegisterFormat f = format == "markdown" ? RegisterFormat::Markdown
                           : format == "html"   ? RegisterFormat::Html
                                                : RegisterFormat::Text;

  Selection selection;
  if (auto stop = load_selection(command, config_path, names, selection)) return *stop;
  if (auto refused = output_refusal(selection.config, output))
    return usage_failure(command, *refused);
  const policies::Language l =
      language.empty() ? selection.config.languages.front() : *policies::parse_language(language);
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
