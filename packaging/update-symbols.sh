#!/usr/bin/env bash
# Regenerates debian/libhcs0.symbols from the library the package build made
# (scripts/package-check.sh leaves it in build/pkg): every exported hcs_
# symbol, at the version in debian/changelog for new ones.
#   packaging/update-symbols.sh [WORK_DIR]      (default build/pkg)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$root/build/pkg}
src=$work/src/libhcs
[ -d "$src/debian/libhcs0" ] || { echo "update-symbols: build the packages first (scripts/package-check.sh)" >&2; exit 1; }
version=$(cd "$src" && dpkg-parsechangelog -S Version)
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
(cd "$src" && dpkg-gensymbols -plibhcs0 -Pdebian/libhcs0 -v"$version" -I"$root/debian/libhcs0.symbols" -O"$tmp" >/dev/null)
{
  echo "libhcs.so.0 libhcs0 #MINVER#"
  echo "* Build-Depends-Package: libhcs-dev"
  grep '^ ' "$tmp"
} >"$root/debian/libhcs0.symbols"
echo "update-symbols: $(grep -c '^ hcs_' "$root/debian/libhcs0.symbols") symbols in debian/libhcs0.symbols"
