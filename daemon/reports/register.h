// The published retention register: from the policy files alone, the table an organisation
// prints in its privacy policy (data, purpose, retention from which event, action, notice,
// source), in English or French, as Markdown, HTML or plain text. The policy file is the
// published policy: what is enforced and what is promised cannot drift apart (a duration worded
// by the policy is followed by the enforced one unless it states it).
#pragma once

#include <string>
#include <vector>

#include "policies/policy.h"

namespace retentiond::daemon {

enum class RegisterFormat { Markdown, Html, Text };

struct RegisterRow {
  std::string data;  // category of data (or the policy's description)
  std::string purpose;
  std::string legal_basis;
  std::string retention;  // "5 years from the end of membership", or the policy's `duration`
  std::string action;     // "deleted", "anonymised", or the policy's `at_expiry`
  std::string acted;      // when, against the end: "at most 2 days after it ends" (deadline.h)
  std::string notice;     // "e-mail notice 30 days before", or empty
  std::string source;
  std::string policy;
};

// The rows in `language`: each policy's `register:` text in that language, else in the first
// language it has (see RegisterEntry::for_language), and what the text leaves out said from the
// policy in `language`.
std::vector<RegisterRow> register_rows(const std::vector<const policies::Policy*>& policies,
                                       policies::Language language);

// The register's column headers in `language` ("Data", "Purpose", ... "Policy"), and a row's
// cells in the same order.
std::vector<std::string> register_headers(policies::Language language);
std::vector<std::string> register_cells(const RegisterRow& row);

std::string render_register(const std::vector<RegisterRow>& rows, RegisterFormat format,
                            policies::Language language);

}  // namespace retentiond::daemon
