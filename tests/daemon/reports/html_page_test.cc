// The shared page: self-contained (a security policy that forbids every request, no reference
// out), printable, in the reader's language, with real table headers.
#include "daemon/reports/html_page.h"

#include <catch2/catch.hpp>

using namespace retentiond::daemon;
using retentiond::policies::Language;

TEST_CASE("the page declares its language, its security policy and a print style", "[html]") {
  const std::string page = html_page("Report <1>", Language::French, "<p>body</p>\n");
  CHECK(page.rfind("<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\">", 0) == 0);
  CHECK(page.find("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                  "style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action "
                  "'none'\">") != std::string::npos);
  CHECK(page.find("<title>Report &lt;1&gt;</title>") != std::string::npos);
  CHECK(page.find("<h1>Report &lt;1&gt;</h1>\n<p>body</p>\n</body></html>\n") != std::string::npos);
  CHECK(page.find("@media print{") != std::string::npos);
  CHECK(page.find(".vh{position:absolute") != std::string::npos);
  for (const char* outside : {"http:", "https:", "url(", "@import", "<script", "<link", "src="})
    CHECK(page.find(outside) == std::string::npos);
  CHECK(html_page("x", Language::English, "").find("<html lang=\"en\">") != std::string::npos);
}

TEST_CASE("html tables have column and row headers, escaped cells", "[html]") {
  const std::string t =
      html_table("Passes", {"Policy", "Count"}, {{"a<b", "1,234"}, {"c", "5"}}, {1});
  CHECK(t ==
        "<table><caption>Passes</caption>\n<thead><tr><th scope=\"col\">Policy</th>"
        "<th scope=\"col\" class=\"n\">Count</th></tr></thead>\n<tbody>\n"
        "<tr><th scope=\"row\">a&lt;b</th><td class=\"n\">1,234</td></tr>\n"
        "<tr><th scope=\"row\">c</th><td class=\"n\">5</td></tr>\n</tbody></table>\n");
  CHECK(html_table("", {"A"}, {{"x"}}, {}, "register", /*row_headers=*/false) ==
        "<table class=\"register\">\n<thead><tr><th scope=\"col\">A</th></tr></thead>\n<tbody>\n"
        "<tr><td>x</td></tr>\n</tbody></table>\n");
}

TEST_CASE("html_escape escapes what ends text or an attribute", "[html]") {
  CHECK(html_escape("a & <b> \"c\" 'd'") == "a &amp; &lt;b&gt; &quot;c&quot; 'd'");
}
