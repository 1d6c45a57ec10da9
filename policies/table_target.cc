// The table kind of target, taken by the SQL stores: which table, its key, the date columns the
// retention period starts from, which rows (`where`) and which are held, and what the action does
// (`anonymise`, `also`, `notify`).
#include "policies/policy_parser.h"

namespace retentiond::policies {
namespace {

// `anonymise:` (or `anonymize:`), which goes with `action: anonymise` and only with it.
void parse_anonymise_key(const TargetInput& in, Policy& p) {
  Diagnostics& diags = in.ctx.diags;
  const YamlField* anonymise = in.field("anonymise");
  if (!anonymise) anonymise = in.field("anonymize");
  if (!anonymise) {
    if (p.action == Action::Anonymise)
      diags.error(p.action_location, in.context +
                                         " anonymises but has no 'anonymise:' map of "
                                         "column to strategy");
    return;
  }
  p.anonymise_location = anonymise->value_location;
  collect(diags, [&] { p.anonymise = parse_anonymise(*anonymise, in.context, in.ctx); });
  if (p.action != Action::Anonymise)
    diags.error(anonymise->key_location,
                "'anonymise' is set but the action of " + in.context + " is not 'anonymise'");
}

void parse_table_target(const TargetInput& in, Policy& p) {
  const YamlMap& m = in.map;
  Diagnostics& diags = in.ctx.diags;
  const std::optional<SqlDialect> dialect = in.spec.dialect;
  collect(diags, [&] {
    const YamlField& f = in.required("table");
    p.table_location = f.value_location;
    p.table = parse_table_name(m, f);
  });
  read_field(diags, in.field("key"), p.key, p.key_location, [&](const YamlField& f) {
    std::string key = m.text(f);
    if (auto problem = identifier_problem(key))
      throw ConfigError(f.value_location, "key: " + *problem);
    return key;
  });
  auto fragment = [&](const YamlField& f) { return checked_fragment(m, f, dialect); };
  read_field(diags, in.field("where"), p.where, p.where_location, fragment);
  read_field(diags, in.field("hold_where"), p.hold_where, p.hold_where_location, fragment);
  collect(diags, [&] {
    const YamlField* f = in.field("since");
    if (!f)
      throw ConfigError(m.location(), in.context +
                                          " has no 'since' (the date column(s) the "
                                          "retention period starts from)");
    p.since = parse_since(*f, in.context, in.ctx, dialect);
  });
}

// `partitions:` (rows, drop, detach) and `grace:`, which only detach takes. A policy whose other
// keys act on rows one by one is told that its partitions go through row deletion.
void parse_partitions(const TargetInput& in, Policy& p) {
  const YamlMap& m = in.map;
  Diagnostics& diags = in.ctx.diags;
  const YamlField* mode = in.field("partitions");
  const YamlField* grace = in.field("grace");
  read_field(diags, mode, p.partitions, p.partitions_location, [&](const YamlField& f) {
    const std::string text = m.text(f);
    for (auto candidate : {PartitionMode::Rows, PartitionMode::Drop, PartitionMode::Detach})
      if (text == partition_mode_name(candidate)) return candidate;
    throw ConfigError(f.value_location, "'partitions' of " + in.context +
                                            " must be rows, drop or detach, not '" + text + "'");
  });
  read_field(diags, grace, p.grace, p.grace_location, [&](const YamlField& f) {
    if (p.partitions != PartitionMode::Detach)
      throw ConfigError(f.key_location, "'grace' needs 'partitions: detach' in " + in.context +
                                            ": it is how long a detached partition is kept");
    return parse_text(m, f, parse_duration, "grace: ");
  });
  // A `since` that no partition key can be (partition_basis_problem) is `check`'s error, not
  // the loader's: rows mode still works, and the other policies run.
  if (!mode || p.partitions == PartitionMode::Rows || partition_basis_problem(p)) return;
  if (auto why = partitions_forced_to_rows(p))
    diags.warning(p.partitions_location,
                  in.context + " acts row by row in every partition, since " + *why +
                      "; 'partitions: " + std::string(partition_mode_name(p.partitions)) +
                      "' has no effect");
}

// What goes with the action: `anonymise:` and the rows it reaches besides the table's.
void parse_table_action(const TargetInput& in, Policy& p) {
  Diagnostics& diags = in.ctx.diags;
  parse_anonymise_key(in, p);
  collect(diags, [&] {
    if (const YamlField* f = in.field("also"))
      parse_also(*f, in.context, in.ctx, in.spec.dialect, p);
  });
  collect(diags, [&] {
    if (const YamlField* f = in.field("notify")) p.notify = parse_notify(*f, in.context, p, in.ctx);
  });
  parse_partitions(in, p);
}

}  // namespace

PolicyTarget table_target() {
  return PolicyTarget{
      "select a table with 'table:'",
      {"table", "key", "since", "where", "hold_where", "anonymise", "anonymize", "also", "notify",
       "partitions", "grace"},
      parse_table_target,
      parse_table_action,
  };
}

}  // namespace retentiond::policies
