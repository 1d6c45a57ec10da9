#include "support/chromium.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <stdexcept>

namespace retentiond::testing {
namespace {

// No sandbox: tests run as root in containers, where Chromium's sandbox cannot start. Every
// host resolves to nothing, so that even a request the page's policy let through would fail.
std::vector<std::string> base_arguments(const std::string& profile_dir) {
  return {"/usr/bin/timeout",
          "120",
          chromium_binary(),
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--no-first-run",
          "--hide-scrollbars",
          "--host-resolver-rules=MAP * ~NOTFOUND",
          "--user-data-dir=" + profile_dir,
          "--enable-logging=stderr",
          "--v=0"};
}

std::string file_url(const std::string& path) {
  return "file://" + std::filesystem::absolute(path).string();
}

}  // namespace

std::string chromium_binary() {
  if (const char* path = std::getenv("PATH")) {
    std::stringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':'))
      if (!dir.empty() && ::access((dir + "/chromium").c_str(), X_OK) == 0)
        return dir + "/chromium";
  }
  if (::access("/usr/bin/chromium", X_OK) == 0) return "/usr/bin/chromium";
  throw std::runtime_error(
      "chromium is not installed: the HTML report tests open the page in headless Chromium "
      "(Debian package 'chromium', see scripts/install-deps --tests)");
}

std::vector<std::string> console_messages(const std::string& log) {
  std::vector<std::string> out;
  std::stringstream lines(log);
  std::string line;
  while (std::getline(lines, line))
    if (line.find(":CONSOLE") != std::string::npos || line.find("Uncaught") != std::string::npos)
      out.push_back(line);
  return out;
}

ChromiumPage chromium_dump_dom(const std::string& html_path, const std::string& profile_dir) {
  auto args = base_arguments(profile_dir);
  args.push_back("--dump-dom");
  args.push_back(file_url(html_path));
  ChromiumPage page;
  page.run = run_program(args);
  if (page.run.exit_code != 0)
    throw std::runtime_error("chromium --dump-dom " + html_path + " failed: " + page.run.err);
  page.dom = page.run.out;
  page.console = console_messages(page.run.err);
  return page;
}

void chromium_screenshot(const std::string& html_path, const std::string& png_path,
                         const std::string& profile_dir, int width, int height) {
  auto args = base_arguments(profile_dir);
  args.push_back("--window-size=" + std::to_string(width) + "," + std::to_string(height));
  args.push_back("--screenshot=" + png_path);
  args.push_back(file_url(html_path));
  std::filesystem::remove(png_path);
  RunResult r = run_program(args);
  if (r.exit_code != 0 || !std::filesystem::exists(png_path))
    throw std::runtime_error("chromium --screenshot of " + html_path + " failed: " + r.err);
}

}  // namespace retentiond::testing
