#!/usr/bin/env bash
# The README's test command: installs what is missing, builds every
# configuration and runs every test. Fails on the first failure.
#   1. generated sources up to date (HRESULT table)
#   2. native debug build + all tests
#   3. clang ASan+UBSan build + all tests + libFuzzer smoke runs
#   4. clang TSan build + all tests
#   5. mingw-w64 cross build + all tests under wine, and a mingw Release build
#   5b. native Release build with the tests and benchmarks (build only: -O3 warnings)
#   6. install + a consumer project (find_package(hcs) and pkg-config)
#   7. Debian packages: built from the tree, lintian, installed in a clean
#      debootstrapped root and used there (scripts/package-check.sh); the
#      vcpkg port's configuration cross-built with mingw-w64 and installed
#      as its triplets would (packaging/vcpkg/cross-check.sh)
# Set HCS_SKIP="tsan mingw" (any of: asan tsan fuzz mingw release consumer
# packages) to skip steps locally.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=scripts/deps.sh
. scripts/deps.sh
skip=" ${HCS_SKIP:-} "
fuzz_secs=${HCS_FUZZ_SECONDS:-10}
t0=$SECONDS
step() { echo; echo "=== [$((SECONDS - t0))s] $*"; }
skipped() { [[ "$skip" == *" $1 "* ]]; }

step "dependencies"
hcs_deps native sanitizers mingw wine containers packaging

step "generated sources are current"
golden_api=${HCS_SHARED_DIR:-$root/../shared}/docs/hcs-api.md
if [ -f "$golden_api" ]; then
  tmp=$(mktemp -d)
  cp include/hcs/gen/hresults.h src/base/gen/hresult_table.inc "$tmp/"
  python3 scripts/gen_hresults.py "$golden_api" >/dev/null
  if ! cmp -s include/hcs/gen/hresults.h "$tmp/hresults.h" || ! cmp -s src/base/gen/hresult_table.inc "$tmp/hresult_table.inc"; then
    cp "$tmp/hresults.h" include/hcs/gen/; cp "$tmp/hresult_table.inc" src/base/gen/
    echo "generated HRESULT table differs from scripts/gen_hresults.py output"; exit 1
  fi
  rm -rf "$tmp"
  if [ -x scripts/gen_schema.py ] || [ -f scripts/gen_schema.py ]; then
    python3 scripts/gen_schema.py --check
  fi
elif [ -n "${HCS_ALLOW_NO_GOLDEN:-}" ]; then
  echo "shared/docs not found next to the checkout: regeneration check skipped (HCS_ALLOW_NO_GOLDEN)"
else
  echo "shared/docs not found at $golden_api: the generators and golden tests need it" >&2
  echo "(set HCS_SHARED_DIR, or HCS_ALLOW_NO_GOLDEN=1 to accept skipping them)" >&2
  exit 1
fi

step "native debug: build + tests"
cmake --preset debug >/dev/null
cmake --build --preset debug
ctest --preset debug

if ! skipped asan; then
  step "clang ASan+UBSan: build + tests"
  cmake --preset asan >/dev/null
  cmake --build --preset asan
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --preset asan
  if ! skipped fuzz; then
    step "libFuzzer smoke runs (${fuzz_secs}s each)"
    bash scripts/fuzz-smoke.sh build/asan "$fuzz_secs"
  fi
fi

if ! skipped tsan; then
  step "clang TSan: build + tests"
  cmake --preset tsan >/dev/null
  cmake --build --preset tsan
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" ctest --preset tsan
fi

if ! skipped mingw; then
  step "mingw-w64 cross build + tests under wine"
  bash scripts/mingw-deps.sh
  # shellcheck source=scripts/wine-env.sh
  . scripts/wine-env.sh
  cmake --preset mingw >/dev/null
  cmake --build --preset mingw
  rc=0
  ctest --preset mingw || rc=$?
  wine_env_stop || true
  [ "$rc" -eq 0 ] || exit "$rc"
  step "mingw-w64 Release build (-O2 warnings, -Werror)"
  cmake --preset mingw -B build/mingw-release -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build/mingw-release
fi

if ! skipped release; then
  step "native Release build with tests and benchmarks (-O3 warnings, -Werror)"
  cmake --preset release -B build/release-tests -DHCS_BUILD_TESTS=ON >/dev/null
  cmake --build build/release-tests
fi

if ! skipped consumer; then
  step "install + consumer project"
  bash scripts/consumer-check.sh
fi

if ! skipped packages; then
  step "Debian packages: build, lintian, install in a clean root, use (scripts/package-check.sh)"
  pkg_t0=$SECONDS
  bash scripts/package-check.sh
  bash packaging/vcpkg/cross-check.sh
  echo "packages step: $((SECONDS - pkg_t0))s"
fi

step "all tests passed in $((SECONDS - t0))s"
