// Log lines go to stderr. Under systemd (JOURNAL_STREAM set, or --journald) each line carries a
// syslog priority prefix (<3> error ... <7> debug) and no timestamp, for journald; otherwise a
// readable "retentiond: level: message". Log lines never carry record values or secrets, nor a raw
// control character or a byte that is not UTF-8 (they are escaped, as policies/printable.h says).
#pragma once

namespace retentiond::daemon {

void setup_logging();

}  // namespace retentiond::daemon
