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
