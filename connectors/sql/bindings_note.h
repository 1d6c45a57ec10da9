// What `plan` prints after each statement it shows: which value each placeholder takes, from one
// table of descriptions that serves every SQL dialect. Never shows a key or a keyed hash.
#pragma once

#include <map>
#include <string>

#include "connectors/sql/params.h"

namespace retentiond::connectors::sql {

// The pass's values, as the notes describe them.
struct NoteValues {
  Placeholders::Style style = Placeholders::Style::Numbered;  // `$N` when Numbered, else `?N`
  std::string cutoff_text;                                    // the cut-off as the store binds it
  long long cutoff_epoch = 0;
  // The values of the anonymisation parameters (sql/anonymise.h describe_anonymise_param).
  std::map<std::string, std::string> literals;
};

// " -- $1 = '2027-01-01T00:00:00Z' (the cut-off), $2 = the batch size" for the parameters of
// `s`, in binding order.
std::string bindings_note(const Sql& s, const NoteValues& values);

// The text of `s` and its bindings note, as plan shows a statement.
std::string shown(const Sql& s, const NoteValues& values);

}  // namespace retentiond::connectors::sql
