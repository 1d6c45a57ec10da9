// The one HTML page style every report shares (plan, enforce, status, history, register): a
// self-contained page, so that it can be mailed or archived. Inline CSS only, no script, font,
// image or link that leaves the page, and a Content-Security-Policy that forbids them anyway;
// printable, and in the reader's language.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "policies/language.h"

namespace retentiond::daemon {

// The Content-Security-Policy every page declares: nothing may be fetched, only inline style and
// data: images are allowed.
inline constexpr std::string_view kPageSecurityPolicy =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'";

// `text` safe in HTML text and in double-quoted attributes (& < > " escaped).
std::string html_escape(const std::string& text);

// The English or the French words, as `language` says.
inline std::string words(policies::Language language, std::string_view english,
                         std::string_view french) {
  return std::string(language == policies::Language::French ? french : english);
}

// The whole page: doctype, `lang`, charset, the security policy, the shared style, `title`
// (escaped here) as <title> and <h1>, then `body` (HTML, already escaped by the caller).
std::string html_page(const std::string& title, policies::Language language,
                      const std::string& body);

// A table with real headers: `headers` become <th scope="col">, and with `row_headers` each
// row's first cell a <th scope="row">; cells are escaped here. Columns listed in `numeric` are
// right-aligned. `caption` (escaped) is omitted when empty; `css_class` is added to the table when
// not empty.
std::string html_table(const std::string& caption, const std::vector<std::string>& headers,
                       const std::vector<std::vector<std::string>>& rows,
                       const std::vector<size_t>& numeric = {}, const std::string& css_class = "",
                       bool row_headers = true);

}  // namespace retentiond::daemon
