#!/usr/bin/env bash
# Installs libhcs (release build) into a scratch prefix and builds the tiny
# consumer in tests/consumer against it, once with find_package(hcs) (shared
# and static) and once with pkg-config; runs each result.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$root/build/consumer}
rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix
cmake -S "$root" -B "$work/lib" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHCS_WERROR=ON \
  -DHCS_BUILD_TESTS=OFF -DHCS_BUILD_BENCH=OFF -DCMAKE_INSTALL_PREFIX="$prefix" >/dev/null
cmake --build "$work/lib"
cmake --install "$work/lib" >/dev/null
echo "consumer: installed into $prefix"
for kind in shared static; do
  cmake -S "$root/tests/consumer" -B "$work/$kind" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
    -DHCS_CONSUMER_STATIC=$([ $kind = static ] && echo ON || echo OFF) >/dev/null
  cmake --build "$work/$kind" >/dev/null
  LD_LIBRARY_PATH="$prefix/lib:$prefix/lib/x86_64-linux-gnu" "$work/$kind/consumer"
done
libdir=$(dirname "$(find "$prefix" -name hcs.pc | head -1)")
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror -o "$work/consumer-pc" "$root/tests/consumer/main.c" \
  $(PKG_CONFIG_PATH="$libdir" pkg-config --cflags --libs hcs)
LD_LIBRARY_PATH="$prefix/lib:$prefix/lib/x86_64-linux-gnu" "$work/consumer-pc"
readelf -d "$(find "$prefix" -name 'libhcs.so.0*' -type f | head -1)" | grep -q 'SONAME.*libhcs.so.0' \
  || { echo "consumer: SONAME is not libhcs.so.0"; exit 1; }
echo "consumer: find_package(hcs) shared + static and pkg-config builds passed"
