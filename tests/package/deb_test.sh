#!/bin/bash
# The Debian package: builds it with CPack from the build tree, checks what it contains, installs
# it on this machine with dpkg, runs `retentiond check` on its example configuration, and purges
# it. Installing needs root (scripts/test runs as root); without root the test fails.
# Usage: deb_test.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "installing the .deb needs root; run scripts/test as root"
if dpkg-query -W -f='${Status}' retentiond 2>/dev/null | grep -q "install ok installed"; then
  fail "a retentiond package is already installed on this machine; not touching it"
fi

work=$(mktemp -d)
cleanup() {
  dpkg --purge retentiond >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

(cd "$build" && cpack -G DEB -B "$work" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; fail "cpack failed"; }
deb=$(ls "$work"/retentiond_*.deb)
echo "built $(basename "$deb")"

contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/sbin/retentiond ./usr/lib/systemd/system/retentiond.service \
         ./usr/lib/sysusers.d/retentiond.conf ./usr/lib/tmpfiles.d/retentiond.conf \
         ./usr/share/man/man8/retentiond.8.gz ./etc/retentiond/retentiond.yaml \
         ./usr/share/doc/retentiond/policy-reference.md ./usr/share/doc/retentiond/deployment.md \
         ./usr/share/doc/retentiond/examples/003-grand-nancy.yaml; do
  grep -qx "$f" <<<"$contents" || fail "the package lacks $f"
done
dpkg-deb -f "$deb" Depends | grep -q libpqxx || fail "Depends lacks the shared libraries: $(dpkg-deb -f "$deb" Depends)"
dpkg-deb -I "$deb" conffiles | grep -qx /etc/retentiond/retentiond.yaml || fail "retentiond.yaml is not a conffile"

dpkg -i "$deb" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg -i failed"; }
getent passwd retentiond >/dev/null || fail "postinst did not create the retentiond user"
[ -d /var/lib/retentiond ] || fail "postinst did not create /var/lib/retentiond"
[ "$(stat -c %U /var/lib/retentiond)" = retentiond ] || fail "/var/lib/retentiond is not owned by retentiond"
/usr/sbin/retentiond check -c /etc/retentiond/retentiond.yaml || fail "check on the packaged configuration"
/usr/sbin/retentiond check --offline || fail "check --offline on the default configuration path"
# The packaged configuration is plan-only: it declares no policy at all.
plan=$(/usr/sbin/retentiond plan --format json)
tr -d ' \n' <<<"$plan" | grep -q '"policies":\[\]' || fail "the packaged configuration plans something: $plan"
gzip -dc /usr/share/man/man8/retentiond.8.gz | grep -q '^.SH EXIT STATUS' || fail "man page incomplete"
/usr/sbin/retentiond --version | grep -q '^retentiond ' || fail "--version"

dpkg --purge retentiond >"$work/purge.log" 2>&1 || { cat "$work/purge.log"; fail "dpkg --purge failed"; }
[ ! -e /usr/sbin/retentiond ] || fail "purge left the binary"
[ ! -e /etc/retentiond/retentiond.yaml ] || fail "purge left the configuration"
echo "ok: built, inspected, installed, checked and purged $(basename "$deb")"
