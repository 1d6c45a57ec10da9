// The published retention register: from the policy files alone, the table an organisation
// prints in its privacy policy (data, purpose, retention from which event, action, notice,
// source), in English or French, as Markdown, HTML or plain text. The policy file is the
// published policy: what is enforced and what is promised cannot drift apart.
#pragma once

#include <string>
#include <vector>

#include "policies/policy.h"

namespace retentiond::daemon {

enum class RegisterLanguage { English, French };
enum class RegisterFormat { Markdown, Html, Text };

struct RegisterRow {
  std::string data;  // category of data (or the policy's description)
  std::string purpose;
  std::string legal_basis;
  std::string retention;  // "5 years from the end of membership"
  std::string action;     // "deleted", "anonymised"
  std::string acted;      // when, against the end: "at most 2 days after it ends" (deadline.h)
  std::string notice;     // "e-mail notice 30 days before", or empty
  std::string source;
  std::string policy;
};

// "14 months" / "14 mois", "1 year" / "1 an".
std::string duration_in_words(const policies::Duration& d, RegisterLanguage language);

std::vector<RegisterRow> register_rows(const std::vector<const policies::Policy*>& policies,
                                       RegisterLanguage language);

std::string render_register(const std::vector<RegisterRow>& rows, RegisterFormat format,
                            RegisterLanguage language);

}  // namespace retentiond::daemon
