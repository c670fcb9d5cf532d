#!/usr/bin/env bash
# The part of the vcpkg port that runs on Linux: libhcs cross-built with
# Debian's mingw-w64 (cmake/mingw-w64-x86_64.cmake, json-c from
# scripts/mingw-deps.sh) and configured with exactly the port's options
# (read from portfile.cmake), installed once as a static triplet and once as
# a dynamic one would have it (HCS_INSTALL_SHARED/STATIC from the linkage,
# as the portfile sets them). Checks the installed layout against what the
# portfile's post-install steps and vcpkg's post-build checks expect, and
# builds tests/consumer (find_package(hcs), hcs::hcs) against each install
# and runs it under wine (scripts/wine-env.sh). vcpkg itself, MSVC (x64-windows) and vcpkg's json-c are not run here.
#   packaging/vcpkg/cross-check.sh [WORK_DIR]     (default build/vcpkg-cross)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-$root/build/vcpkg-cross}
toolchain=$root/cmake/mingw-w64-x86_64.cmake
fail() { echo "vcpkg cross-check: FAILED: $*" >&2; exit 1; }

bash "$root/scripts/mingw-deps.sh" >/dev/null
mapfile -t opts < <(cmake -DROOT="$root" -DPRINT_OPTIONS=ON -P "$root/packaging/vcpkg/check_port.cmake")
[ "${#opts[@]}" -gt 0 ] || fail "no options read from portfile.cmake"
rm -rf "$work"
for linkage in static dynamic; do
  shared=OFF static=ON
  [ "$linkage" = dynamic ] && shared=ON static=OFF
  defs=()
  for o in "${opts[@]}"; do
    o=${o//\$\{HCS_SHARED\}/$shared}
    o=${o//\$\{HCS_STATIC\}/$static}
    defs+=("$o")
  done
  prefix=$work/prefix-$linkage
  echo "vcpkg cross-check: $linkage: cmake ${defs[*]}"
  cmake -S "$root" -B "$work/build" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$toolchain" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" "${defs[@]}" >/dev/null
  cmake --build "$work/build" -j2 >/dev/null
  cmake --install "$work/build" >/dev/null

  # The layout the portfile's fixups and vcpkg's checks rely on.
  for f in include/hcs.h lib/cmake/hcs/hcsConfig.cmake lib/pkgconfig/hcs.pc bin/hcsctl.exe; do
    [ -e "$prefix/$f" ] || fail "$linkage: $f is not installed"
  done
  if [ "$linkage" = static ]; then
    [ -z "$(find "$prefix" -name '*.dll' -o -name '*.dll.a')" ] || fail "static: a DLL or import library is installed"
    [ -f "$prefix/lib/libhcs_static.a" ] || fail "static: lib/libhcs_static.a is missing"
    grep -q -- '-lhcs_static' "$prefix/lib/pkgconfig/hcs.pc" || fail "static: hcs.pc does not link hcs_static"
    grep -q -- '-DHCS_STATIC' "$prefix/lib/pkgconfig/hcs.pc" || fail "static: hcs.pc lacks -DHCS_STATIC"
  else
    [ -f "$prefix/bin/libhcs.dll" ] || fail "dynamic: bin/libhcs.dll is missing"
    [ -f "$prefix/lib/libhcs.dll.a" ] || fail "dynamic: lib/libhcs.dll.a is missing"
    [ ! -e "$prefix/lib/libhcs_static.a" ] || fail "dynamic: the static library is installed too"
    grep -q -- '-lhcs$' "$prefix/lib/pkgconfig/hcs.pc" || fail "dynamic: hcs.pc does not link hcs"
  fi
  # A consumer with find_package(hcs) and hcs::hcs, as the port's usage says
  # (hcs_DIR: the toolchain confines find_package to its own find roots).
  cmake -S "$root/tests/consumer" -B "$work/consumer-$linkage" -G Ninja \
    -DCMAKE_TOOLCHAIN_FILE="$toolchain" -Dhcs_DIR="$prefix/lib/cmake/hcs" >/dev/null
  cmake --build "$work/consumer-$linkage" >/dev/null
  [ -f "$work/consumer-$linkage/consumer.exe" ] || fail "$linkage: the consumer was not built"
  if [ "$linkage" = static ]; then
    if x86_64-w64-mingw32-objdump -p "$work/consumer-$linkage/consumer.exe" | grep -qi 'DLL Name: libhcs'; then
      fail "static: the consumer imports libhcs.dll"
    fi
  else
    x86_64-w64-mingw32-objdump -p "$work/consumer-$linkage/consumer.exe" | grep -qi 'DLL Name: libhcs.dll' ||
      fail "dynamic: the consumer does not import libhcs.dll"
  fi
  [ "$linkage" = dynamic ] && cp "$prefix/bin/libhcs.dll" "$work/consumer-$linkage/"
  echo "vcpkg cross-check: $linkage: layout as the port expects; tests/consumer built against it"
done

# Run both consumers under wine.
# shellcheck source=scripts/wine-env.sh
. "$root/scripts/wine-env.sh"
rc=0
for linkage in static dynamic; do
  out=$(cd "$work/consumer-$linkage" && wine ./consumer.exe 2>&1) || rc=$?
  echo "vcpkg cross-check: $linkage consumer under wine: ${out//$'\r'/}"
  [ "$rc" -eq 0 ] || break
done
wine_env_stop || true
[ "$rc" -eq 0 ] || fail "a consumer failed under wine (exit $rc)"
