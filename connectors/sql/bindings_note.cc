#include "connectors/sql/bindings_note.h"

#include <algorithm>

#include "connectors/sql/anonymise.h"

namespace retentiond::connectors::sql {

std::string bindings_note(const Sql& s, const NoteValues& values) {
  const long long cutoff_epoch = values.cutoff_epoch;
  // In a key-span walk (MySQL), `after` ends the previous span rather than naming a key.
  const bool key_span = std::find(s.params.begin(), s.params.end(), "upto") != s.params.end();
  const std::map<std::string, std::string> described = {
      {"cutoff", "'" + values.cutoff_text + "' (the cut-off)"},
      {"cutoff_epoch", std::to_string(cutoff_epoch) + " (the cut-off in epoch seconds)"},
      {"cutoff_epoch_ms",
       std::to_string(cutoff_epoch * 1000) + " (the cut-off in epoch milliseconds)"},
      {"now", "the pass's moment"},
      {"now_epoch", "the pass's moment in epoch seconds"},
      {"limit", "the batch size"},
      {"after", key_span ? "the end of the previous batch's key span"
                         : "the last key of the previous batch"},
      {"upto", "the end of this batch's key span"},
      {"last", "the last key of this batch"},
      {"lo", "the batch's first block, as (block,0)"},
      {"hi", "the block after the batch's last, as (block,0)"},
      {"held", "the keys under an operator's hold"},
      {"noticed", "the keys whose notice went out at least 'before' ago"},
  };
  const std::string mark = values.style == Placeholders::Style::Numbered ? "$" : "?";
  std::string note;
  for (size_t i = 0; i < s.params.size(); ++i) {
    const std::string& name = s.params[i];
    std::string what = name;
    if (auto it = described.find(name); it != described.end())
      what = it->second;
    else if (auto d = describe_anonymise_param(name, values.literals); !d.empty())
      what = d;
    note += (i ? ", " : " -- ") + mark + std::to_string(i + 1) + " = " + what;
  }
  return note;
}

std::string shown(const Sql& s, const NoteValues& values) {
  return s.text + bindings_note(s, values);
}

}  // namespace retentiond::connectors::sql
