#include "connectors/sqlite/functions.h"

#include <cmath>
#include <cstring>
#include <string_view>

#include "connectors/sqlite/database.h"
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

void rd_epoch(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  Format format = format_of(argc > 1 ? argv[1] : nullptr);
  sqlite3_value* v = argv[0];
  const long long divisor = format == Format::EpochMs ? 1000 : 1;
  switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER:
      if (format == Format::Text) break;
      sqlite3_result_int64(ctx, floor_div(sqlite3_value_int64(v), divisor));
      return;
    case SQLITE_FLOAT:
      if (format == Format::Text) break;
      sqlite3_result_int64(ctx, static_cast<long long>(std::floor(sqlite3_value_double(v) / divisor)));
      return;
    case SQLITE_TEXT: {
      std::string_view text(reinterpret_cast<const char*>(sqlite3_value_text(v)),
                            static_cast<size_t>(sqlite3_value_bytes(v)));
      if (format != Format::Text && all_digits(text)) {
        sqlite3_result_int64(ctx, floor_div(std::stoll(std::string(text)), divisor));
        return;
      }
      if (format == Format::Epoch || format == Format::EpochMs) break;
      if (auto t = policies::parse_timestamp(text)) {
        sqlite3_result_int64(ctx, policies::epoch_seconds(*t));
        return;
      }
      break;
    }
    default: break;
  }
  sqlite3_result_null(ctx);  // not a date: the record is kept
}

void rd_latest(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  sqlite3_value* best = nullptr;
  for (int i = 0; i < argc; ++i) {
    if (sqlite3_value_type(argv[i]) == SQLITE_NULL) continue;
    if (!best || sqlite3_value_int64(argv[i]) > sqlite3_value_int64(best)) best = argv[i];
  }
  if (best) sqlite3_result_value(ctx, best);
  else sqlite3_result_null(ctx);
}

}  // namespace

void register_functions(sqlite3* db) {
  const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
  for (int argc : {1, 2}) {
    int rc = sqlite3_create_function_v2(db, "rd_epoch", argc, flags, nullptr, rd_epoch, nullptr,
                                        nullptr, nullptr);
    if (rc != SQLITE_OK) throw SqliteError(rc, sqlite3_errmsg(db));
  }
  int rc = sqlite3_create_function_v2(db, "rd_latest", -1, flags, nullptr, rd_latest, nullptr,
                                      nullptr, nullptr);
  if (rc != SQLITE_OK) throw SqliteError(rc, sqlite3_errmsg(db));
}

}  // namespace retentiond::connectors::sqlite
