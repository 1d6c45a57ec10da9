// Points in time, in UTC with one-second resolution, and their ISO-8601 text form.
// Every cut-off is computed and printed in UTC; sub-second parts are dropped (floored), which keeps
// "basis < cut-off" exact on stores that keep whole seconds.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace retentiond::policies {

using TimePoint = std::chrono::sys_seconds;

// Parses ISO-8601: "2027-03-01", "2027-03-01T00:00", "2027-03-01T00:00:00Z",
// "2027-03-01 00:00:00.250+02:00". No offset means UTC. Returns nullopt on anything else,
// including impossible dates (2027-02-30) and out-of-range fields.
std::optional<TimePoint> parse_timestamp(std::string_view text);

// "2027-03-01T00:00:00Z"; a year outside 0000-9999 in ISO-8601's expanded form, with a sign
// ("-0001-01-01T00:00:00Z", "+10000-01-01T00:00:00Z"), which parse_timestamp does not read.
std::string format_timestamp(TimePoint t);

// "2027-03-01 00:00:00" (UTC), the form SQL DATETIME columns and SQLite's datetime() use.
std::string format_sql_datetime(TimePoint t);

// Seconds since 1970-01-01T00:00:00Z.
inline long long epoch_seconds(TimePoint t) { return t.time_since_epoch().count(); }
inline TimePoint from_epoch_seconds(long long s) { return TimePoint{std::chrono::seconds{s}}; }

// The dates retentiond acts on: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z, the years ISO-8601
// writes with four digits. A stored date outside them (year 0, BC, past 9999, infinity, an epoch
// number that overflows) is unusable: every store keeps its record and counts it as undated, as
// it does a NULL.
inline constexpr long long kFirstUsableEpoch = -62135596800;
inline constexpr long long kLastUsableEpoch = 253402300799;
inline bool usable_epoch(long long s) { return s >= kFirstUsableEpoch && s <= kLastUsableEpoch; }

// The current time, floored to the second.
TimePoint now_utc();

}  // namespace retentiond::policies
