# shellcheck shell=bash
# Source this file before running the mingw tests through ctest + wine:
#
#   . scripts/wine-env.sh
#   ctest --test-dir build-win --output-on-failure -j2
#   wine_env_stop
#
# It installs wine if the `wine` command is missing, exports the wine environment,
# creates the prefix once, starts a persistent wineserver and warms it up with wine's
# services detached from ctest's pipes (without that warm-up ctest hangs with a
# persistent server, or costs ~2.6 s per test without one; docs toolchain.md section 2).
# Overridable: WINEPREFIX (default $HOME/.wine-libhcs).

if [ -z "${BASH_VERSION:-}" ]; then
  echo "wine-env.sh: must be sourced from bash" >&2
  # shellcheck disable=SC2317
  return 1 2>/dev/null || exit 1
fi
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  echo "wine-env.sh: source this file ('. scripts/wine-env.sh'), don't execute it" >&2
  exit 1
fi

_wine_env_setup() {
  local t0=$SECONDS sudo=
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  if ! command -v wine >/dev/null 2>&1; then
    echo "wine-env: installing wine wine64"
    $sudo apt-get update -qq || return 1
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      wine wine64 >/dev/null || return 1
  fi

  export WINEDEBUG=-all
  export WINEPREFIX="${WINEPREFIX:-$HOME/.wine-libhcs}"
  export WINEDLLOVERRIDES="mscoree,mshtml="

  if [ ! -f "$WINEPREFIX/system.reg" ]; then
    echo "wine-env: creating wine prefix $WINEPREFIX"
    mkdir -p "$(dirname "$WINEPREFIX")"
    wineboot -i >/dev/null 2>&1 || { echo "wine-env: wineboot -i failed" >&2; return 1; }
  fi
  wineserver -p 2>/dev/null || true   # keep one server alive (exits 2 if one already runs)
  wine wineboot >/dev/null 2>&1       # start wine's services detached from ctest's pipes
  echo "wine-env: ready in $((SECONDS - t0)) s (WINEPREFIX=$WINEPREFIX)"
}

# Stop the persistent wineserver started above (and every wine process of this prefix).
wine_env_stop() {
  wineserver -k 2>/dev/null || true
}

# Called in an `if` so that a caller's `set -e` cannot abort the sourcing shell midway.
if _wine_env_setup; then
  unset -f _wine_env_setup
else
  unset -f _wine_env_setup
  echo "wine-env: setup failed" >&2
  return 1
fi
