#!/usr/bin/env bash
# Runs inside the clean Debian root of scripts/package-check.sh, after
# `apt install ./*.deb`, as root, with the source tree read-only on /src:
# uses what the packages installed, and only that.
#   - hcsctl version, hcsctl hresult 0x80370118 (the hcsctl package);
#   - man hcsctl, man hcs-gcs, man hcs-gcs-static (the pages are found);
#   - hcsctl <TAB>: bash-completion loads /usr/share/.../completions/hcsctl
#     on demand and completes every command; tests/completion_check.sh
#     against the installed script;
#   - tests/consumer against libhcs-dev: find_package(hcs) shared and
#     static, and pkg-config hcs, each built and run;
#   - the demo (scripts/demo.sh) against /usr/bin: a container through the
#     bridge, run by the installed hcs-gcs with runc (installed by apt as
#     hcs-gcs's Recommends).
set -euo pipefail
step() { echo "clean root: $*"; }
fail() { echo "clean root: FAILED: $*" >&2; exit 1; }

step "installed: $(dpkg-query -W -f '${Package} ${Version}, ' libhcs0 libhcs-dev hcsctl hcs-gcs runc)"
for p in /usr/bin/hcsctl /usr/bin/hcs-gcs /usr/bin/hcs-gcs-static; do
  [ -x "$p" ] || fail "$p is missing"
done

step "\$ hcsctl version"
hcsctl version
hcsctl version | grep -q '^hcsctl 0\.' || fail "hcsctl version"
step "\$ hcsctl hresult 0x80370118"
hcsctl hresult 0x80370118 | tee /tmp/hresult.out
grep -q '^HCS_E_OPERATION_TIMEOUT$' /tmp/hresult.out || fail "hcsctl hresult 0x80370118"
hcs-gcs --version
hcs-gcs-static --version
file_out=$(LC_ALL=C readelf -d /usr/bin/hcs-gcs-static 2>&1 || true)
if grep -q NEEDED <<<"$file_out"; then fail "hcs-gcs-static is not static"; fi

step "\$ man hcsctl; man hcs-gcs; man hcs-gcs-static"
for page in hcsctl hcs-gcs hcs-gcs-static; do
  MANPAGER=cat MANWIDTH=80 man "$page" >/tmp/man.out 2>/tmp/man.err || { cat /tmp/man.err; fail "man $page"; }
  grep -q "^NAME" /tmp/man.out || fail "man $page printed no NAME section"
done
MANPAGER=cat MANWIDTH=80 man hcsctl | grep -q 'gcs run' || fail "man hcsctl lacks gcs run"
head -12 /tmp/man.out

step "hcsctl <TAB> through bash-completion's on-demand loader"
# shellcheck disable=SC2016
got=$(bash --norc --noprofile -c '
  . /usr/share/bash-completion/bash_completion
  complete -p hcsctl >/dev/null 2>&1 && { echo "loaded before it was asked for"; exit 1; }
  __load_completion hcsctl || exit 1
  COMP_WORDS=(hcsctl ""); COMP_CWORD=1; COMP_LINE="hcsctl "; COMP_POINT=7
  $(complete -p hcsctl | sed "s/.* -F \([^ ]*\) .*/\1/") hcsctl "" hcsctl
  printf "%s\n" "${COMPREPLY[@]}"') || fail "bash-completion did not load hcsctl's completion: $got"
for c in $(hcsctl --help | awk '/^Commands:/ { on = 1; next } on && /^$/ { exit } on && /^  [a-z]/ { print $1 }'); do
  grep -qx "$c" <<<"$got" || fail "hcsctl <TAB> lacks $c"
done
echo "hcsctl <TAB>: $(tr '\n' ' ' <<<"$got")"
bash /src/tests/completion_check.sh /usr/share/bash-completion/completions/hcsctl /usr/bin/hcsctl

step "tests/consumer against libhcs-dev (find_package(hcs), shared and static; pkg-config hcs)"
for kind in shared static; do
  static=OFF
  [ "$kind" = static ] && static=ON
  cmake -S /src/tests/consumer -B "/tmp/consumer-$kind" -G Ninja \
    -DHCS_CONSUMER_STATIC="$static" >/dev/null
  cmake --build "/tmp/consumer-$kind" >/dev/null
  "/tmp/consumer-$kind/consumer"
done
ldd /tmp/consumer-shared/consumer | grep -Eq 'libhcs.so.0 => (/usr)?/lib/' || fail "the shared consumer does not use the installed libhcs.so.0"
if ldd /tmp/consumer-static/consumer | grep -q libhcs; then fail "the static consumer links libhcs.so"; fi
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror -o /tmp/consumer-pc /src/tests/consumer/main.c $(pkg-config --cflags --libs hcs)
/tmp/consumer-pc
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror -static -o /tmp/consumer-pc-static /src/tests/consumer/main.c \
  $(pkg-config --static --cflags --libs hcs)
/tmp/consumer-pc-static

step "the demo against the installed binaries: bash scripts/demo.sh /usr/bin"
bash /src/scripts/demo.sh /usr/bin >/tmp/demo.out 2>&1 || { cat /tmp/demo.out; fail "the demo"; }
grep -E 'hostname:|stdin said|hcsctl exit status|^demo: ok' /tmp/demo.out
step "all checks passed"
