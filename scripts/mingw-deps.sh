#!/usr/bin/env bash
# Cross-build the Windows (mingw-w64 x86_64) third-party deps of libhcs -- json-c and
# cmocka -- as static libraries, from Debian's *source packages* (never vendored, never
# committed), and install them into a prefix used by cmake/mingw-w64-x86_64.cmake.
#
#   scripts/mingw-deps.sh [PREFIX]      # default: <repo>/build/_deps/mingw-prefix
#
# Idempotent: if PREFIX/.mingw-deps.stamp records both packages for the current recipe,
# nothing is done (cache the prefix directory in CI, keyed on this script's hash).
# Sources and scratch builds live in <repo>/build/_deps/{apt,src,build}.
# The system apt configuration is never modified (private apt state dir, see
# docs toolchain.md section 4.2); host packages are installed only when missing.
set -euo pipefail

RECIPE=1   # bump when the build options below change, to invalidate cached prefixes
T0=$SECONDS
log() { printf 'mingw-deps: %s\n' "$*"; }
die() { printf 'mingw-deps: error: %s\n' "$*" >&2; exit 1; }

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLCHAIN_FILE="$REPO_ROOT/cmake/mingw-w64-x86_64.cmake"
DEPS_DIR="$REPO_ROOT/build/_deps"
PREFIX=${1:-"$DEPS_DIR/mingw-prefix"}
mkdir -p "$PREFIX"
PREFIX=$(cd "$PREFIX" && pwd)
STAMP="$PREFIX/.mingw-deps.stamp"

# ---- cache check --------------------------------------------------------------------
if [[ -f $STAMP ]] && grep -qx "recipe $RECIPE" "$STAMP" \
   && grep -q '^json-c ' "$STAMP" && grep -q '^cmocka ' "$STAMP" \
   && [[ -f $PREFIX/lib/libjson-c.a && -f $PREFIX/lib/libcmocka.a ]]; then
  log "cached: $(grep -v '^recipe' "$STAMP" | tr '\n' ' ')in $PREFIX"
  exit 0
fi

# ---- host packages --------------------------------------------------------------------
HOST_PKGS=(dpkg-dev gcc-mingw-w64-x86-64 mingw-w64-x86-64-dev binutils-mingw-w64-x86-64
           cmake ninja-build pkgconf debian-archive-keyring)
missing=()
for p in "${HOST_PKGS[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=; [[ $(id -u) -eq 0 ]] || SUDO=sudo
  log "installing host packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi
[[ -f $TOOLCHAIN_FILE ]] || die "missing $TOOLCHAIN_FILE"

# ---- fetch Debian source packages via a private apt state dir ---------------------------
APTDIR="$DEPS_DIR/apt"
SRCDIR="$DEPS_DIR/src"
BLDDIR="$DEPS_DIR/build"
mkdir -p "$APTDIR/parts" "$APTDIR/lists/partial" "$APTDIR/archives/partial" "$SRCDIR" "$BLDDIR"
cat > "$APTDIR/parts/debsrc.sources" <<'SOURCES'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
APTOPT=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$APTDIR/parts"
        -o "Dir::State::Lists=$APTDIR/lists" -o "Dir::Cache::archives=$APTDIR/archives"
        -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache=")   # don't touch /var/cache/apt

newest_dsc() { find "$SRCDIR" -maxdepth 1 -name "$1_*.dsc" | sort -V | tail -n 1; }

if [[ -z $(newest_dsc json-c) || -z $(newest_dsc cmocka) ]]; then
  log "fetching Debian sources (json-c, cmocka)"
  apt-get "${APTOPT[@]}" -qq update
  (cd "$SRCDIR" && apt-get "${APTOPT[@]}" -qq source --download-only json-c cmocka) 2>&1 \
    | grep -v -e 'unsandboxed as root' -e '^$' || true
fi

# extract (fresh each time: cheap, and applies the Debian + security patches)
extract() {  # $1 = source package name; prints the extracted dir
  local dsc ver dir
  dsc=$(newest_dsc "$1"); [[ -n $dsc ]] || die "no $1 source package downloaded"
  ver=$(sed -n 's/^Version: //p' "$dsc" | head -n 1)
  local up=${ver#*:}; up=${up%-*}              # upstream version: no epoch, no revision
  dir="$SRCDIR/$1-$up"
  rm -rf "$dir"
  (cd "$SRCDIR" && dpkg-source --no-check -x "$(basename "$dsc")" "$dir" >/dev/null)
  printf '%s %s\n' "$dir" "$ver"
}

export MINGW_DEPS_PREFIX="$PREFIX"   # read by the toolchain file (also in try_compile)

build() {  # $1 = name, $2 = source dir, rest = cmake options
  local name=$1 src=$2; shift 2
  local bld="$BLDDIR/$name"
  rm -rf "$bld"
  log "building $name"
  cmake -S "$src" -B "$bld" -G Ninja -Wno-dev --log-level=WARNING \
    -DCMAKE_TOOLCHAIN_FILE="$TOOLCHAIN_FILE" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$PREFIX" -DCMAKE_INSTALL_LIBDIR=lib "$@" >/dev/null
  cmake --build "$bld" >/dev/null
  cmake --install "$bld" >/dev/null
}

read -r JSONC_SRC JSONC_VER < <(extract json-c)
read -r CMOCKA_SRC CMOCKA_VER < <(extract cmocka)
rm -f "$STAMP"

# json-c 0.16: BUILD_SHARED_LIBS=OFF makes the main target (exported as json-c::json-c)
# static. DISABLE_WERROR: json-c adds -Werror for gcc; don't let a mingw warning fail CI.
# (0.16 has no BUILD_APPS option -- that is 0.17+; its apps/ are built but not installed.)
build json-c "$JSONC_SRC" \
  -DBUILD_SHARED_LIBS=OFF -DBUILD_STATIC_LIBS=ON -DDISABLE_EXTRA_LIBS=ON \
  -DBUILD_TESTING=OFF -DDISABLE_WERROR=ON

# cmocka 1.1.5 always builds the DLL; WITH_STATIC_LIB adds libcmocka-static.a.
build cmocka "$CMOCKA_SRC" \
  -DWITH_STATIC_LIB=ON -DUNIT_TESTING=OFF -DWITH_EXAMPLES=OFF
# Make -lcmocka (cmocka.pc, find_library(cmocka)) resolve to the static archive.
cp -f "$PREFIX/lib/libcmocka-static.a" "$PREFIX/lib/libcmocka.a"
rm -f "$PREFIX/lib/libcmocka.dll.a" "$PREFIX/bin/cmocka.dll" "$PREFIX/bin/libcmocka.dll"
rmdir "$PREFIX/bin" 2>/dev/null || true
# cmocka 1.1.5's installed cmocka-config.cmake names a nonexistent lib/cmocka.dll.a;
# point CMOCKA_LIBRARY/CMOCKA_LIBRARIES at the static archive instead.
sed -i 's|lib/cmocka\.dll\.a|lib/libcmocka.a|g' "$PREFIX/lib/cmake/cmocka/cmocka-config.cmake"

# ---- sanity checks ----------------------------------------------------------------------
pc() { PKG_CONFIG_LIBDIR="$PREFIX/lib/pkgconfig" PKG_CONFIG_PATH='' pkg-config "$@"; }
pc --exists json-c || die "json-c.pc not usable"
pc --exists cmocka || die "cmocka.pc not usable"
log "pkg-config json-c: $(pc --static --cflags --libs json-c)"
log "pkg-config cmocka: $(pc --static --cflags --libs cmocka)"

printf 'recipe %s\njson-c %s\ncmocka %s\n' "$RECIPE" "$JSONC_VER" "$CMOCKA_VER" > "$STAMP"
log "done in $((SECONDS - T0)) s: json-c $JSONC_VER, cmocka $CMOCKA_VER -> $PREFIX"
