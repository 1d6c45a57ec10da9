// What a Sympa store does for another store's policy whose `also:` names it with
// `sympa: subscribers`: the addresses of each batch's records are unsubscribed from the rule's
// lists, as a list owner's removal does (Sympa deletes the subscriber_table row and keeps no
// tombstone). Nothing else is touched: list roles (admin_table) stay, and the user_table row
// stays until the `unsubscribed_users` target finds the address without any subscription.
// Sympa keeps addresses canonical (trimmed, lower case), so they are compared that way.
#pragma once

#include <string>
#include <vector>

#include "policies/policy.h"

namespace retentiond::connectors::sympa {

// At most this many addresses go into one DELETE (bound values stay far below every server's
// limit on placeholders); a batch's addresses take as many statements as they need, in one
// transaction.
constexpr size_t kMaxAddressesPerUnsubscribe = 500;

// The addresses as Sympa compares them: trimmed, ASCII lower case, without empty values and
// duplicates, sorted.
std::vector<std::string> canonical_addresses(const std::vector<std::string>& values);

// The DELETE of the subscriptions of `count` addresses to the rule's lists (on its robot, when
// it names one), with `?` placeholders: the lists, the robot, then the addresses.
std::string unsubscribe_statement(const policies::AlsoStoreRule& rule, size_t count, bool mysql);
// Its values for `addresses`, in the order of its placeholders.
std::vector<std::string> unsubscribe_values(const policies::AlsoStoreRule& rule,
                                            const std::vector<std::string>& addresses);

// The rule's lists that Sympa knows (list_table), with `?` placeholders: the lists, then the
// robot when the rule names one.
std::string known_lists_query(const policies::AlsoStoreRule& rule);

}  // namespace retentiond::connectors::sympa
