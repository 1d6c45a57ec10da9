#include "daemon/engine/notices.h"

#include <stdexcept>

#include "lib/crypto/hmac.h"
#include "lib/files/regular_file.h"

namespace retentiond::daemon {

using Statement = StateStatement;

std::string NoticeBook::hash(const std::string& policy, const std::string& record_key) const {
  return lib::hmac_sha256_hex(key_, policy + '\0' + record_key);
}

std::map<std::string, NoticeRecord> NoticeBook::load(const std::string& policy) const {
  std::map<std::string, NoticeRecord> out;
  if (!state_ || !state_->has_table("notices")) return out;
  Statement st =
      state_->db().prepare("SELECT key_hash, basis, sent FROM notices WHERE policy = ?1");
  st.bind(1, policy);
  while (st.step())
    out[st.text(0)] = {st.integer(1),
                       policies::parse_timestamp(st.text(2)).value_or(policies::TimePoint{})};
  return out;
}

void NoticeBook::record(const std::string& policy, const std::string& hash,
                        const NoticeRecord& notice) {
  Statement st = state_->db().prepare(
      "INSERT INTO notices (policy, key_hash, basis, sent) VALUES (?1, ?2, ?3, ?4) ON CONFLICT "
      "(policy, key_hash) DO UPDATE SET basis = excluded.basis, sent = excluded.sent");
  st.bind(1, policy)
      .bind(2, hash)
      .bind(3, notice.basis)
      .bind(4, policies::format_timestamp(notice.sent));
  st.step();
}

void NoticeBook::forget_except(const std::string& policy, const std::set<std::string>& hashes,
                               policies::TimePoint now) {
  auto existing = load(policy);
  in_transaction(state_->db(), [&] {
    for (const auto& [hash, record] : existing) {
      if (hashes.count(hash) || record.sent > now) continue;
      Statement st =
          state_->db().prepare("DELETE FROM notices WHERE policy = ?1 AND key_hash = ?2");
      st.bind(1, policy).bind(2, hash);
      st.step();
    }
  });
}

NoticeDecision decide_notices(const policies::Policy& policy,
                              const std::vector<connectors::NoticeCandidate>& candidates,
                              const std::map<std::string, NoticeRecord>& notices,
                              const NoticeBook& book, const policies::Cutoff& cutoff) {
  NoticeDecision d;
  const policies::TimePoint notice_old_enough = policy.notify->before.before(cutoff.now);
  for (const auto& c : candidates) {
    if (!c.basis) continue;  // no date: never expires, never noticed
    const std::string h = book.hash(policy.name, c.key);
    d.due_hashes.insert(h);
    if (c.held) continue;  // its notice (if any) is kept; nothing is sent while the hold lasts
    const long long basis = policies::epoch_seconds(*c.basis);
    auto it = notices.find(h);
    if (it != notices.end() && it->second.basis == basis) {
      // Never before the date the notice announced: `deadline: strict` takes its cut-off from
      // the next scheduled pass, which can come before the record's own expiry.
      if (it->second.sent <= notice_old_enough && *c.basis < cutoff.cutoff &&
          action_date(policy, *c.basis, it->second.sent) <= cutoff.now)
        d.actionable.push_back(c.key);
      else
        ++d.waiting;
      continue;
    }
    if (*c.basis < cutoff.cutoff) {
      ++d.expired_unnoticed;
      if (!d.oldest_unnoticed || *c.basis < *d.oldest_unnoticed) d.oldest_unnoticed = *c.basis;
    }
    if (!usable_address(c.email))
      ++d.no_address;
    else
      d.to_send.push_back(&c);
  }
  return d;
}

bool usable_address(const std::string& email) {
  // One plain address: local@domain, no space, control character (a CR/LF would end the SMTP
  // command), angle bracket or list separator. Anything else would be refused by the server on
  // every pass, or worse, read as something else than one recipient.
  const auto at = email.find('@');
  if (at == std::string::npos || at == 0 || at + 1 >= email.size() ||
      email.find('@', at + 1) != std::string::npos)
    return false;
  for (unsigned char ch : email)
    if (ch <= 0x20 || ch == 0x7f || ch == '<' || ch == '>' || ch == ',' || ch == ';' || ch == '"' ||
        ch == '(' || ch == ')')
      return false;
  return true;
}

policies::TimePoint action_date(const policies::Policy& policy, policies::TimePoint basis,
                                policies::TimePoint now) {
  return std::max(policy.expire_after.after(basis), policy.notify->before.after(now));
}

std::string read_template(const policies::Policy& policy) {
  std::string why;
  auto text = lib::read_regular_file(policy.notify->template_file, lib::kMaxTemplateBytes, why);
  if (!text)
    throw std::runtime_error("cannot read the notice template '" + policy.notify->template_file +
                             "': " + why);
  return *text;
}

std::string notice_description(const policies::Policy& policy) {
  const policies::RegisterText* words =
      policy.register_entry ? policy.register_entry->in(policy.notify->language) : nullptr;
  return words && !words->description.empty() ? words->description : policy.description;
}

std::string render_notice(const policies::Policy& policy, const std::string& text,
                          policies::TimePoint when) {
  const policies::Language l = policy.notify->language;
  const std::string date = policies::long_date(when, l);
  const std::map<std::string, std::string> values{
      {"{date}", date},
      {"{deletion_date}", date},
      {"{date_iso}", policies::format_timestamp(when).substr(0, 10)},
      {"{description}", notice_description(policy)},
      {"{policy}", policy.name},
      {"{before}", policies::duration_words(policy.notify->before, l)}};
  std::string out;
  for (size_t i = 0; i < text.size();) {
    bool replaced = false;
    if (text[i] == '{') {
      for (const auto& [placeholder, value] : values)
        if (text.compare(i, placeholder.size(), placeholder) == 0) {
          out += value;
          i += placeholder.size();
          replaced = true;
          break;
        }
    }
    if (!replaced) out += text[i++];
  }
  return out;
}

}  // namespace retentiond::daemon
