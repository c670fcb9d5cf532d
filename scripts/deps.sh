# shellcheck shell=bash
# Sourced by the README's two commands and CI: installs what a fresh Debian 12
# machine lacks, with apt-get, only when missing.
#   hcs_deps native     compiler, CMake, Ninja, json-c, cmocka, pkg-config, python3,
#                       libmnl (hcs-gcs's netlink)
#   hcs_deps sanitizers clang-14 with compiler-rt (ASan/UBSan/TSan, libFuzzer)
#   hcs_deps mingw      mingw-w64 cross compiler + dpkg-dev (deps from Debian source)
#   hcs_deps wine       wine64 for running the Windows tests
#   hcs_deps containers runc (the OCI runtime hcs-gcs drives), busybox-static
#                       (small rootfs layers), util-linux's unshare and losetup,
#                       e2fsprogs' mkfs.ext4 (disk images for the storage tests),
#                       iproute2 (the network tests' namespaces and veth pairs)
#   hcs_deps packaging  the Debian package build and its checks: debhelper,
#                       lintian, mandoc (man page lint), debootstrap (the
#                       clean root), bash-completion
_hcs_apt_updated=
_hcs_need() { # prints the packages among "$@" that are not installed
  local p
  for p in "$@"; do
    dpkg -s "$p" >/dev/null 2>&1 || printf '%s ' "$p"
  done
}
hcs_deps() {
  local pkgs=() missing g sudo=
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  for g in "$@"; do
    case "$g" in
      native) pkgs+=(gcc libc6-dev make cmake ninja-build pkgconf libjson-c-dev libcmocka-dev libmnl-dev python3 git binutils) ;;
      sanitizers) pkgs+=(clang-14 libclang-rt-14-dev) ;;
      mingw) pkgs+=(gcc-mingw-w64-x86-64 mingw-w64-x86-64-dev binutils-mingw-w64-x86-64 dpkg-dev) ;;
      wine) pkgs+=(wine wine64) ;;
      containers) pkgs+=(runc busybox-static util-linux e2fsprogs iproute2) ;;
      packaging) pkgs+=(debhelper dpkg-dev lintian mandoc debootstrap bash-completion) ;;
      *) echo "hcs_deps: unknown group $g" >&2; return 2 ;;
    esac
  done
  missing=$(_hcs_need "${pkgs[@]}")
  [ -z "$missing" ] && return 0
  echo "deps: installing $missing"
  if [ -z "$_hcs_apt_updated" ]; then
    $sudo apt-get update -qq || return 1
    _hcs_apt_updated=1
  fi
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing \
    >/tmp/hcs-apt.log 2>&1 || { tail -20 /tmp/hcs-apt.log; return 1; }
}
