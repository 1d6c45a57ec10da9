#include "connectors/sqlite/functions.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <string>
#include <string_view>

#include <openssl/sha.h>

#include "connectors/sqlite/connection.h"
#include "policies/timestamp.h"

namespace retentiond::connectors::sqlite {
namespace {

enum class Format { Auto, Epoch, EpochMs, Text };

Format format_of(sqlite3_value* v) {
  if (!v || sqlite3_value_type(v) != SQLITE_TEXT) return Format::Auto;
  std::string_view f(reinterpret_cast<const char*>(sqlite3_value_text(v)));
  if (f == "epoch") return Format::Epoch;
  if (f == "epoch_ms") return Format::EpochMs;
  if (f == "iso" || f == "date" || f == "timestamp") return Format::Text;
  return Format::Auto;
}

bool all_digits(std::string_view s) {
  if (s.empty() || s.size() > 18) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// floor(x / divisor) for a possibly negative x.
long long floor_div(long long x, long long divisor) {
  long long q = x / divisor;
  return (x % divisor != 0 && x < 0) ? q - 1 : q;
}

// Epoch seconds, or NULL for a value outside the usable dates (policies/timestamp.h), which
// keeps its record: a far-future REAL such as 1e19 must not wrap around to a very old date.
void result_epoch(sqlite3_context* ctx, long long seconds) {
  if (policies::usable_epoch(seconds))
    sqlite3_result_int64(ctx, seconds);
  else
    sqlite3_result_null(ctx);
}

// SQLite's third way of storing a date (julianday()): a Julian day number, days since noon of
// 24 November 4714 BC. Read as one, under 'auto', when a number lies between the Julian days of
// 0001-01-01 and 9999-12-31 (1,721,425.5 to 5,373,484.5): as epoch seconds such a number would be
// a moment of January to March 1970, which no retention promise dates records by, while read as
// seconds a julianday() of last month would be a date of 1970, and its record would go at once.
constexpr double kFirstJulianDay = 1721425.5, kLastJulianDay = 5373485.5;
constexpr double kJulianDayOfEpoch = 2440587.5;

bool julian_day(double number) { return number >= kFirstJulianDay && number < kLastJulianDay; }

long long seconds_of_julian_day(double day) {
  return static_cast<long long>(std::floor((day - kJulianDayOfEpoch) * 86400.0 + 1e-6));
}

// An integer of eight digits that reads as a basic ISO date (20991231). A column declared DATE,
// DATETIME or NUMERIC stores the text '20991231' as this integer (SQLite's NUMERIC affinity):
// under 'auto' it is no date, as the text is not, rather than a moment of 1970 to 1973, which no
// retention promise dates records by.
bool basic_iso_date(long long n) {
  if (n < 10000101 || n > 99991231) return false;
  const long long month = n / 100 % 100, day = n % 100;
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

void rd_epoch(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  Format format = format_of(argc > 1 ? argv[1] : nullptr);
  sqlite3_value* v = argv[0];
  const long long divisor = format == Format::EpochMs ? 1000 : 1;
  switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER:
      if (format == Format::Text) break;
      // A whole Julian day (noon) in a column of INTEGER or NUMERIC affinity is stored as one.
      if (format == Format::Auto && julian_day(static_cast<double>(sqlite3_value_int64(v)))) {
        result_epoch(ctx, seconds_of_julian_day(static_cast<double>(sqlite3_value_int64(v))));
        return;
      }
      if (format == Format::Auto && basic_iso_date(sqlite3_value_int64(v))) break;
      result_epoch(ctx, floor_div(sqlite3_value_int64(v), divisor));
      return;
    case SQLITE_FLOAT: {
      if (format == Format::Text) break;
      if (format == Format::Auto && julian_day(sqlite3_value_double(v))) {
        result_epoch(ctx, seconds_of_julian_day(sqlite3_value_double(v)));
        return;
      }
      // A REAL column stores the text '20991231' as 20991231.0: no date either.
      if (const double d = sqlite3_value_double(v); format == Format::Auto && d == std::floor(d) &&
                                                    d >= 1e7 && d < 1e8 &&
                                                    basic_iso_date(static_cast<long long>(d)))
        break;
      // Checked as a double first: converting one beyond long long's range is undefined.
      const double seconds = std::floor(sqlite3_value_double(v) / static_cast<double>(divisor));
      if (!(seconds >= static_cast<double>(policies::kFirstUsableEpoch) &&
            seconds <= static_cast<double>(policies::kLastUsableEpoch)))
        break;  // also NaN and infinities
      result_epoch(ctx, static_cast<long long>(seconds));
      return;
    }
    case SQLITE_TEXT: {
      std::string_view text(reinterpret_cast<const char*>(sqlite3_value_text(v)),
                            static_cast<size_t>(sqlite3_value_bytes(v)));
      // Digits in text are read only when the policy says they are epoch numbers: under 'auto'
      // a text such as '20991231' (a basic ISO date) must not pass for a date in 1970.
      if ((format == Format::Epoch || format == Format::EpochMs) && all_digits(text)) {
        result_epoch(ctx, floor_div(std::stoll(std::string(text)), divisor));
        return;
      }
      if (format == Format::Epoch || format == Format::EpochMs) break;
      if (auto t = policies::parse_timestamp(text)) {
        result_epoch(ctx, policies::epoch_seconds(*t));
        return;
      }
      break;
    }
    default:
      break;
  }
  sqlite3_result_null(ctx);  // not a date: the record is kept
}

std::string from_hex(std::string_view h) {
  std::string out;
  auto nibble = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  for (size_t i = 0; i + 1 < h.size(); i += 2)
    out += static_cast<char>(nibble(h[i]) * 16 + nibble(h[i + 1]));
  return out;
}

std::string_view text_of(sqlite3_value* v) {
  const unsigned char* t = sqlite3_value_text(v);
  return t ? std::string_view(reinterpret_cast<const char*>(t),
                              static_cast<size_t>(sqlite3_value_bytes(v)))
           : std::string_view();
}

// rd_hmac(opad_hex, ipad_hex, value): HMAC-SHA256 of the value's text from the key's pads, hex.
void rd_hmac(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[2]) == SQLITE_NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  const std::string opad = from_hex(text_of(argv[0]));
  const std::string ipad = from_hex(text_of(argv[1]));
  const std::string_view value = text_of(argv[2]);
  unsigned char inner[SHA256_DIGEST_LENGTH], outer[SHA256_DIGEST_LENGTH];
  std::string message = ipad + std::string(value);
  SHA256(reinterpret_cast<const unsigned char*>(message.data()), message.size(), inner);
  message = opad + std::string(reinterpret_cast<const char*>(inner), sizeof inner);
  SHA256(reinterpret_cast<const unsigned char*>(message.data()), message.size(), outer);
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char b : outer) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  sqlite3_result_text(ctx, out.c_str(), static_cast<int>(out.size()), SQLITE_TRANSIENT);
}

// rd_generalise(value, 'year'|'month'|'day'): the date truncated, in the value's own form:
// epoch integers stay integers (UTC), ISO text keeps its shape ("2021-05-03 10:00:00" becomes
// "2021-01-01 00:00:00" for a year). Anything that is not a date is returned unchanged.
void rd_generalise(sqlite3_context* ctx, int, sqlite3_value** argv) {
  using namespace std::chrono;
  const std::string_view unit = text_of(argv[1]);
  sqlite3_value* v = argv[0];
  const int type = sqlite3_value_type(v);
  if ((type == SQLITE_INTEGER || type == SQLITE_FLOAT) && julian_day(sqlite3_value_double(v))) {
    // A Julian day (as rd_epoch reads it) stays one: the midnight of the truncated day.
    sys_days day =
        floor<days>(sys_seconds(seconds(seconds_of_julian_day(sqlite3_value_double(v)))));
    year_month_day ymd(day);
    if (unit == "year")
      ymd = ymd.year() / January / 1;
    else if (unit == "month")
      ymd = ymd.year() / ymd.month() / 1;
    sqlite3_result_double(
        ctx, static_cast<double>(sys_days(ymd).time_since_epoch().count()) + kJulianDayOfEpoch);
    return;
  }
  if (type == SQLITE_INTEGER && policies::usable_epoch(sqlite3_value_int64(v))) {
    sys_days day = floor<days>(sys_seconds(seconds(sqlite3_value_int64(v))));
    year_month_day ymd(day);
    if (unit == "year")
      ymd = ymd.year() / January / 1;
    else if (unit == "month")
      ymd = ymd.year() / ymd.month() / 1;
    sqlite3_result_int64(ctx, sys_seconds(sys_days(ymd)).time_since_epoch().count());
    return;
  }
  if (sqlite3_value_type(v) == SQLITE_TEXT) {
    std::string text(text_of(v));
    if (text.size() >= 10 && policies::parse_timestamp(text)) {
      std::string out = text.substr(0, unit == "year" ? 4 : unit == "month" ? 7 : 10);
      if (unit == "year")
        out += "-01-01";
      else if (unit == "month")
        out += "-01";
      if (text.size() > 10)
        out += text.substr(10, 1) + "00:00:00" + (text.back() == 'Z' ? "Z" : "");
      sqlite3_result_text(ctx, out.c_str(), static_cast<int>(out.size()), SQLITE_TRANSIENT);
      return;
    }
  }
  sqlite3_result_value(ctx, v);
}

}  // namespace

void register_functions(sqlite3* db) {
  const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
  for (int argc : {1, 2}) {
    int rc = sqlite3_create_function_v2(db, "rd_epoch", argc, flags, nullptr, rd_epoch, nullptr,
                                        nullptr, nullptr);
    if (rc != SQLITE_OK) throw SqliteError(rc, sqlite3_errmsg(db));
  }
  int rc = sqlite3_create_function_v2(db, "rd_hmac", 3, flags, nullptr, rd_hmac, nullptr, nullptr,
                                      nullptr);
  if (rc != SQLITE_OK) throw SqliteError(rc, sqlite3_errmsg(db));
  rc = sqlite3_create_function_v2(db, "rd_generalise", 2, flags, nullptr, rd_generalise, nullptr,
                                  nullptr, nullptr);
  if (rc != SQLITE_OK) throw SqliteError(rc, sqlite3_errmsg(db));
}

}  // namespace retentiond::connectors::sqlite
