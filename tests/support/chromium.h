// Headless Chromium (Debian's `chromium`) opening the HTML reports as a reader would: the DOM
// after rendering, a screenshot, and every message the page wrote to its console (JavaScript
// errors and Content-Security-Policy refusals alike). A test that needs Chromium fails without
// it, naming the package; it never skips.
#pragma once

#include <string>
#include <vector>

#include "support/run.h"

namespace retentiond::testing {

// The chromium binary (PATH, then /usr/bin/chromium). Throws std::runtime_error when there is
// none: install Debian's `chromium` (scripts/install-deps --tests).
std::string chromium_binary();

struct ChromiumPage {
  std::string dom;                   // --dump-dom: the document after the page was loaded
  std::vector<std::string> console;  // the console messages Chromium logged
  RunResult run;
};

// Opens `html_path` (a file) and dumps its DOM. `profile_dir` holds Chromium's throw-away
// profile.
ChromiumPage chromium_dump_dom(const std::string& html_path, const std::string& profile_dir);

// Takes a screenshot of `html_path`, `width` x `height` pixels, into `png_path`. Throws when
// Chromium fails or writes no file.
void chromium_screenshot(const std::string& html_path, const std::string& png_path,
                         const std::string& profile_dir, int width = 1024, int height = 1400);

// The console messages among Chromium's log lines on stderr (its "CONSOLE" lines).
std::vector<std::string> console_messages(const std::string& log);

}  // namespace retentiond::testing
