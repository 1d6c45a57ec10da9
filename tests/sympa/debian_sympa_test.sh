#!/bin/bash
# retentiond against Debian's own sympa package, on a SQLite database Sympa creates itself: a list
# and its subscribers are made with Sympa's own CLI (sympa create, sympa add, sympa del); the
# sympa store deletes only the user who left every list, once its 7 days are over, never the
# owner, the listmaster or a subscriber; Sympa keeps working on its database afterwards.
# Sympa runs from a throw-away configuration (SYMPA_CONFIG) so the machine's own Sympa is left
# alone. Needs root and the sympa package (scripts/install-deps --tests installs it).
# Usage: debian_sympa_test.sh BUILD_DIR
set -euo pipefail
build=$1
retentiond=$build/retentiond
fail() { echo "FAIL: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root (Sympa's CLI and its files belong to the sympa user)"
command -v sympa >/dev/null || fail "Debian's sympa package is not installed (scripts/install-deps --tests)"

work=$(mktemp -d /tmp/retentiond-sympa.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
mkdir -p "$work/etc" "$work/list_data" "$work/spool" "$work/arc" "$work/bounce"
conf=$work/etc/sympa.conf
{
  echo "domain lists.example.org"
  echo "listmaster listmaster@example.org"
  echo "db_type SQLite"
  echo "db_name $work/sympa.db"
  echo "home $work/list_data"
  echo "spool $work/spool"
  for q in queue:msg queuebounce:bounce queueautomatic:automatic queuedigest:digest queuemod:moderation \
           queuetopic:topic queueauth:auth queueoutgoing:outgoing queuetask:task queuesubscribe:subscribe \
           queuebulk:bulk tmpdir:tmp viewmail_dir:viewmail; do
    echo "${q%%:*} $work/spool/${q#*:}"
  done
  echo "arc_path $work/arc"
  echo "bounce_path $work/bounce"
  echo "sendmail_aliases none"
} > "$conf"
chown -R sympa:sympa "$work"
export SYMPA_CONFIG=$conf
# Sympa's CLI, quiet about the syslog socket a test machine may not have.
sympa_cli() { sympa "$@" --config="$conf" 2>&1 | grep -v 'setlogsock' || true; }
db() { sqlite3 "$work/sympa.db" "$1"; }

runuser -u sympa -- env SYMPA_CONFIG="$conf" sympa check 2>&1 | grep -v setlogsock || true
[ "$(db "SELECT count(*) FROM sqlite_master WHERE name = 'user_table'")" = 1 ] || fail "sympa check made no database"

cat > "$work/list.xml" <<'XML'
<?xml version="1.0" ?>
<list>
  <listname>members</listname>
  <type>discussion_list</type>
  <subject>Members</subject>
  <description>The members' list</description>
  <status>open</status>
  <language>en</language>
  <topics>computing</topics>
  <owner multiple="1"><email>owner@example.org</email></owner>
</list>
XML
chmod 644 "$work/list.xml"
sympa_cli create --input_file="$work/list.xml"
printf 'alice@example.net Alice\nbob@example.net Bob\ncarol@example.net Carol\n' | sympa_cli add --quiet members@lists.example.org
echo bob@example.net | sympa_cli del --quiet members@lists.example.org
[ "$(db "SELECT count(*) FROM subscriber_table")" = 2 ] || fail "sympa add/del did not leave two subscribers"
[ "$(db "SELECT count(*) FROM user_table WHERE email_user = 'bob@example.net'")" = 1 ] || fail "no user row for bob"

cat > "$work/r.yaml" <<YAML
state: $work/state.db
stores:
  lists: {type: sympa, config: $conf}
policies:
  - name: list-users-without-subscription
    store: lists
    sympa: unsubscribed_users
    expire_after: 7d
    max_affected: 100%
YAML
"$retentiond" check -c "$work/r.yaml" || fail "check"

now=$(date -u +%s)
at() { date -u -d "@$((now + $1 * 86400))" +%Y-%m-%dT%H:%M:%SZ; }
# The report's one policy: its "affected" count (the JSON is pretty-printed, one field a line).
affected() { sed -n 's/^ *"affected": \([0-9]*\),\{0,1\}$/\1/p'; }

# Bob left a moment ago (Sympa recorded it): nothing goes today.
out=$("$retentiond" enforce -c "$work/r.yaml" --at "$(at 0)" --format json)
[ "$(echo "$out" | affected)" = 0 ] || fail "deleted a user before the 7 days: $out"
case $out in *@example*) fail "an address in the report: $out";; esac
# Eight days later Bob's user row goes; Alice and Carol (subscribers), the owner and the
# listmaster stay.
out=$("$retentiond" enforce -c "$work/r.yaml" --at "$(at 8)" --format json)
[ "$(echo "$out" | affected)" = 1 ] || fail "expected one deletion: $out"
users=$(db "SELECT email_user FROM user_table ORDER BY email_user" | tr '\n' ' ')
[ "$users" = "alice@example.net carol@example.net owner@example.org " ] || fail "users left: $users"
[ "$(db "SELECT count(*) FROM subscriber_table")" = 2 ] || fail "subscriptions were touched"
[ "$(db "SELECT count(*) FROM admin_table")" = 1 ] || fail "the owner was touched"

# Sympa keeps working on its database: Bob subscribes again, and is kept from then on.
echo "bob@example.net Bob" | sympa_cli add --quiet members@lists.example.org
[ "$(db "SELECT count(*) FROM subscriber_table WHERE user_subscriber = 'bob@example.net'")" = 1 ] \
  || fail "Sympa could not subscribe bob again"
runuser -u sympa -- env SYMPA_CONFIG="$conf" sympa check 2>&1 | grep -v setlogsock || true
out=$("$retentiond" enforce -c "$work/r.yaml" --at "$(at 30)" --format json)
[ "$(echo "$out" | affected)" = 0 ] || fail "deleted a subscriber: $out"
history=$("$retentiond" history -c "$work/r.yaml" --format json)
case $history in *@example*) fail "an address in the audit trail";; esac
grep -q "@example" "$work/state.db" && fail "an address in the state file"
echo "ok: Debian's Sympa $(sympa version 2>/dev/null | head -1) and retentiond's sympa store"
