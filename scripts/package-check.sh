#!/usr/bin/env bash
# CI step "packages" (scripts/test-all.sh; docs/packaging.md):
#   1. builds the Debian packages from the tree (dpkg-buildpackage -b -us -uc
#      in a copy of the tree under build/pkg, so nothing is written next to
#      the checkout) and checks that dpkg-gensymbols passed;
#   2. runs lintian on them: any error fails;
#   3. makes a clean Debian root (debootstrap --variant=minbase, from the
#      Debian mirror this machine uses, plus the tools the checks need:
#      compiler, cmake, man-db, bash-completion, busybox-static), cached as a
#      tarball under build/pkg-cache so that a second run only unpacks it;
#   4. in that root, in a mount namespace of its own (every mount vanishes
#      with it): apt installs the .debs (their dependencies, runc included,
#      come from the mirror), then packaging/clean-root-check.sh runs
#      hcsctl, man, the completion, tests/consumer against libhcs-dev and
#      scripts/demo.sh against /usr/bin.
# Needs root (debootstrap, mounts, the demo's containers). Without root it
# skips, except with CI=true, where it fails.
#   scripts/package-check.sh [WORK_DIR]        (default build/pkg)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$root/build/pkg}
cache=${HCS_PKG_CACHE:-$root/build/pkg-cache}
t0=$SECONDS
say() { echo "packages: [$((SECONDS - t0))s] $*"; }

if [ "$(id -u)" -ne 0 ]; then
  if [ "${CI:-}" = true ]; then
    echo "packages: needs root (debootstrap, mounts, containers)" >&2
    exit 1
  fi
  echo "packages: skipped: needs root (debootstrap, mounts, containers)"
  exit 0
fi

# ---- 1. build the packages from a copy of the tree ----
rm -rf "$work"
src=$work/src/libhcs
mkdir -p "$src"
if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  # tracked and untracked-but-not-ignored files that exist (build/ is ignored)
  (cd "$root" && git ls-files -co --exclude-standard -z |
     while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
     xargs -0 cp -a --parents -t "$src")
else
  (cd "$root" && tar --exclude=./build --exclude=./.git -cf - .) | tar -C "$src" -xf -
fi
say "building the packages (dpkg-buildpackage -b -us -uc; log: $work/build.log)"
if ! (cd "$src" && DEB_BUILD_OPTIONS="parallel=2 ${DEB_BUILD_OPTIONS:-}" \
        dpkg-buildpackage -b -us -uc) >"$work/build.log" 2>&1; then
  tail -40 "$work/build.log"
  echo "packages: dpkg-buildpackage failed (log: $work/build.log)" >&2
  exit 1
fi
grep -q '^   dh_makeshlibs' "$work/build.log" ||
  { echo "packages: dh_makeshlibs (dpkg-gensymbols) did not run" >&2; exit 1; }
if grep -q 'dpkg-gensymbols: warning: some new symbols appeared' "$work/build.log"; then
  # Not a failure (dpkg-gensymbols' default level): new API needs no
  # version bump here, but the symbols file should list it.
  echo "packages: note: libhcs0 exports symbols debian/libhcs0.symbols does not list;"
  echo "          run packaging/update-symbols.sh and commit the result"
fi
debs=("$work"/src/*.deb)
say "built: $(for d in "${debs[@]}"; do printf '%s ' "${d##*/}"; done)"

# ---- 2. lintian ----
say "lintian (fails on errors; warnings and notes listed)"
lintian --fail-on error --display-info --pedantic "$work"/src/*.changes \
  >"$work/lintian.log" 2>&1 || { cat "$work/lintian.log"; echo "packages: lintian found errors" >&2; exit 1; }
grep -E '^[EWIPX]: ' "$work/lintian.log" | sort | uniq -c || true
say "lintian: $(grep -c '^E: ' "$work/lintian.log" || true) errors, $(grep -c '^W: ' "$work/lintian.log" || true) warnings"

# ---- 3. a clean Debian root ----
# shellcheck disable=SC1091
suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
# The mirror this machine's apt uses for SUITE (deb822 or one-line sources).
mirror=$(
  { cat /etc/apt/sources.list.d/*.sources 2>/dev/null; echo; } | awk -v s="$suite" '
    /^$/ { if (deb && uri != "" && suites ~ ("(^| )" s "( |$)")) { print uri; exit } uri = ""; suites = ""; deb = 0; next }
    tolower($1) == "types:" { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
    tolower($1) == "uris:" { uri = $2 }
    tolower($1) == "suites:" { $1 = ""; suites = substr($0, 2) }')
if [ -z "$mirror" ]; then
  mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
    awk -v s="$suite" '$1 == "deb" { i = 2; if ($2 ~ /^\[/) while ($i !~ /\]$/) i++; if ($2 ~ /^\[/) i++; if ($(i + 1) == s) { print $i; exit } }')
fi
mirror=${mirror:-http://deb.debian.org/debian}
tools="gcc libc6-dev cmake ninja-build pkgconf man-db bash-completion busybox-static ca-certificates"
key=$(printf '%s %s %s' "$suite" "$mirror" "$tools" | sha256sum | cut -c1-12)
tarball=$cache/$suite-minbase-$key.tar
rootfs=$work/root
mkdir -p "$cache" "$rootfs"

# in_root SCRIPT: runs SCRIPT (bash) chrooted in $rootfs, inside a private
# mount namespace with /proc, /sys (and its cgroup mounts), /dev, tmpfs on
# /tmp and /run, and the source tree read-only on /src. The namespace, and
# with it every mount, ends with the command; the trap unmounts them first.
in_root() {
  # shellcheck disable=SC2016 # expanded by the bash in the namespace
  unshare --mount --propagation private -- env ROOTFS="$rootfs" SRC="$root" SCRIPT="$1" bash -c '
    set -euo pipefail
    r=$ROOTFS
    cleanup() { umount -R -l "$r" 2>/dev/null || true; }
    trap cleanup EXIT
    mount --bind "$r" "$r"          # a mount point, so runc can pivot_root
    mount -t proc proc "$r/proc"
    mount --rbind /sys "$r/sys"
    mount --rbind /dev "$r/dev"
    mount -t tmpfs -o mode=1777 tmpfs "$r/tmp"
    mount -t tmpfs -o mode=0755 tmpfs "$r/run"
    mkdir -p "$r/src"
    mount --bind "$SRC" "$r/src"
    mount -o remount,bind,ro "$r/src"
    cp /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null || true
    chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
      LANG=C.UTF-8 CI="${CI:-}" DEBIAN_FRONTEND=noninteractive bash -euo pipefail -c "$SCRIPT"
  '
}

rm -rf "$rootfs"
mkdir -p "$rootfs"
if [ -f "$tarball" ]; then
  say "clean root: unpacking the cached $suite minbase ($tarball)"
  tar -C "$rootfs" -xf "$tarball"
else
  say "clean root: debootstrap --variant=minbase $suite from $mirror"
  if ! debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1; then
    tail -20 "$work/debootstrap.log"
    echo "packages: debootstrap failed (log: $work/debootstrap.log)" >&2
    exit 1
  fi
  say "clean root: installing the checks' tools: $tools"
  in_root "apt-get update -qq && apt-get install -y -qq --no-install-recommends $tools >/tmp/apt.log 2>&1 || { tail -20 /tmp/apt.log; exit 1; }; apt-get clean"
  tar -C "$rootfs" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
  say "clean root: cached as $tarball ($(du -h "$tarball" | cut -f1))"
fi
# No libhcs in the root before the packages go in.
if compgen -G "$rootfs/usr/lib/*/libhcs*" >/dev/null || [ -e "$rootfs/usr/bin/hcsctl" ]; then
  echo "packages: the clean root already has libhcs" >&2
  exit 1
fi

# ---- 4. install the packages and use them ----
mkdir -p "$rootfs/var/tmp/debs"
for d in "${debs[@]}"; do
  case $d in *-dbgsym_*) ;; *) cp "$d" "$rootfs/var/tmp/debs/" ;; esac
done
say "clean root: apt install ./*.deb, then packaging/clean-root-check.sh"
in_root "apt-get update -qq
  apt-get install -y -qq /var/tmp/debs/*.deb >/tmp/apt.log 2>&1 || { tail -30 /tmp/apt.log; exit 1; }
  bash /src/packaging/clean-root-check.sh"
rm -rf "$rootfs"
say "packages: built, lintian-clean, installed and used in a clean $suite root"
