#include "policies/policy.h"

#include <filesystem>

namespace retentiond::policies {

std::string_view action_name(Action a) { return a == Action::Delete ? "delete" : "anonymise"; }

std::string_view also_store_unit(const AlsoStoreRule& rule) {
  return rule.kind == "subscribers" ? "subscriptions" : "records";
}

std::string_view date_format_name(DateFormat f) {
  switch (f) {
    case DateFormat::Auto:
      return "auto";
    case DateFormat::Epoch:
      return "epoch";
    case DateFormat::EpochMs:
      return "epoch_ms";
    case DateFormat::Iso:
      return "iso";
    case DateFormat::Date:
      return "date";
    case DateFormat::Timestamp:
      return "timestamp";
  }
  return "auto";
}

std::string_view partition_mode_name(PartitionMode m) {
  switch (m) {
    case PartitionMode::Rows:
      return "rows";
    case PartitionMode::Drop:
      return "drop";
    case PartitionMode::Detach:
      return "detach";
  }
  return "rows";
}

std::optional<std::string> partitions_forced_to_rows(const Policy& p) {
  if (p.partitions == PartitionMode::Rows) return std::nullopt;
  // Each of these keeps or changes some rows of a partition and not others, or acts on rows one
  // by one: a partition can then no longer go as a whole.
  if (!p.where.empty()) return "'where:' selects rows within a partition";
  if (!p.hold_where.empty()) return "'hold_where:' keeps rows within a partition";
  if (p.action == Action::Anonymise) return "the policy anonymises rows, which stay";
  if (!p.also.empty() || !p.also_stores.empty())
    return "'also:' acts on the related records of each row";
  if (p.notify) return "'notify:' acts only on rows whose notice went out";
  return std::nullopt;
}

std::optional<std::string> partition_basis_problem(const Policy& p) {
  if (p.partitions == PartitionMode::Rows) return std::nullopt;
  const auto& terms = p.since.terms;
  // A `since` that was refused (its own error says why) has no terms: nothing to add.
  if (p.since.kind == Basis::Kind::Columns && terms.empty()) return std::nullopt;
  if (p.since.kind != Basis::Kind::Columns || terms.size() != 1)
    return "the partition key must be the policy's one 'since' column, and 'since' names " +
           std::to_string(terms.size()) + " columns";
  const BasisTerm& t = terms.front();
  if (t.related)
    return "the partition key must be a column of the table, not of '" + t.related->str() + "'";
  if (t.format != DateFormat::Auto && t.format != DateFormat::Date &&
      t.format != DateFormat::Timestamp)
    return "partitions are compared as dates: the partition key cannot be read with format " +
           std::string(date_format_name(t.format));
  return std::nullopt;
}

const StoreOption* StoreConfig::option(std::string_view key) const {
  auto it = options.find(key);
  return it == options.end() ? nullptr : &it->second;
}

std::string StoreConfig::value(std::string_view key, std::string_view fallback) const {
  const StoreOption* o = option(key);
  return o ? o->value : std::string(fallback);
}

std::string StoreConfig::path(std::string_view key) const {
  const StoreOption* o = option(key);
  if (!o || o->value.empty()) return "";
  std::filesystem::path p(o->value);
  if (p.is_absolute() || base_dir.empty()) return p.string();
  return (std::filesystem::path(base_dir) / p).lexically_normal().string();
}

const StoreConfig* Config::store(std::string_view name) const {
  for (const auto& s : stores)
    if (s.name == name) return &s;
  return nullptr;
}

const RegisterText* RegisterEntry::in(Language l) const {
  for (const auto& [language, text] : texts)
    if (language == l) return &text;
  return nullptr;
}

const RegisterText& RegisterEntry::for_language(Language l) const {
  const RegisterText* text = in(l);
  return text ? *text : texts.front().second;
}

const Policy* Config::policy(std::string_view name) const {
  for (const auto& p : policies)
    if (p.name == name) return &p;
  return nullptr;
}

}  // namespace retentiond::policies
