#!/usr/bin/env bash
# The end-to-end demo: a real container, run by the guest agent (hcs-gcs)
# with Debian's runc, driven through libhcs's GCS bridge by
#   hcsctl gcs run --spawn 'hcs-gcs --stdio ...' --rootfs DIR -- COMMAND
# The rootfs is one small layer made from Debian's busybox-static. The
# transcript shows that it is a container (its own hostname, its init is
# pid 1, a write lands in the scratch layer, not in the image), the relayed
# stdio, the exit code, and the frames that crossed the bridge.
#
# usage: scripts/demo.sh [BIN_DIR]   (default: build/release/bin, then
#                                     build/debug/bin); needs root
# The agent runs as it would in a utility VM: in a mount namespace of its
# own with a private tmpfs on /run (its state, bundles and the container's
# mounts vanish with it). It speaks the bridge on its stdin/stdout
# (--stdio); `tee` on both sides records the frames, which `hcsctl gcs
# decode` prints afterwards. Stdio relays are unix sockets in a temporary
# directory (no vsock). Nothing is left on this machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-}
if [ -z "$bin" ]; then
  for d in "$root/build/release/bin" "$root/build/debug/bin"; do
    if [ -x "$d/hcs-gcs" ] && [ -x "$d/hcsctl" ]; then bin=$d; break; fi
  done
fi
if [ -z "$bin" ] || [ ! -x "$bin/hcs-gcs" ] || [ ! -x "$bin/hcsctl" ]; then
  echo "demo: hcsctl and hcs-gcs not found (build first: cmake --preset release && cmake --build --preset release)" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "demo: containers need root (mounts, namespaces, runc): run it as root" >&2
  exit 1
fi
for tool in runc busybox unshare; do
  command -v "$tool" >/dev/null || { echo "demo: $tool is missing (apt-get install runc busybox-static util-linux)" >&2; exit 1; }
done
hcsctl=$bin/hcsctl
agent=$bin/hcs-gcs
work=$(mktemp -d /tmp/hcs-demo-XXXXXX)
trap 'rm -rf "$work"' EXIT

# The image: one layer, busybox-static and its applets.
layer=$work/rootfs
mkdir -p "$layer"/{bin,proc,dev,sys,tmp,etc,root,data}
cp "$(command -v busybox)" "$layer/bin/busybox"
for a in sh echo cat hostname id ls sleep true mkdir; do ln -s busybox "$layer/bin/$a"; done
echo "root:x:0:0:root:/root:/bin/sh" >"$layer/etc/passwd"
echo "written into the image" >"$layer/data/image.txt"
scratch=$work/scratch
mkdir -p "$scratch"

guest="unshare -m --propagation private sh -c 'mount -t tmpfs -o mode=0755 tmpfs /run && exec \"\$@\"' guest-vm"
spawn="tee $work/h2g.bin | $guest $agent --stdio --stdio-dir $work --log-level info --log-file $work/agent.log | tee $work/g2h.bin"
script='echo "hostname: $(hostname), my pid: $$"; read -r line; echo "stdin said: $line"; echo "a change" > /data/new.txt; ls /data; echo "a warning on stderr" >&2; exit 3'

echo "== hcs-gcs demo: a container through the GCS bridge =="
echo "image: busybox-static in $layer ($(du -sh "$layer" | cut -f1)); host hostname: $(hostname)"
echo "\$ echo 'ping from the host' | hcsctl --json gcs run --spawn 'hcs-gcs --stdio ...' \\"
echo "      --stdio-dir DIR --rootfs $layer --scratch $scratch --hostname demo-ctr \\"
echo "      -- /bin/sh -c '<script>'"
set +e
echo 'ping from the host' | "$hcsctl" --json gcs run --spawn "$spawn" --stdio-dir "$work" \
  --rootfs "$layer" --scratch "$scratch" --hostname demo-ctr \
  -- /bin/sh -c "$script" >"$work/out" 2>"$work/err"
rc=$?
set -e

echo
echo "-- negotiated --"
"$hcsctl" gcs decode "$work/g2h.bin" |
  sed -n 's/^Response(NegotiateProtocol).*"Version":\([0-9]*\),"Capabilities":\(.*\)}$/protocol version \1\ncapabilities \2/p'
echo
echo "-- container stdout (relayed) --"
sed 's/^/  /' "$work/out"
echo "-- container stderr (relayed) --"
grep -v '^{"exit_code"' "$work/err" | sed 's/^/  /' || true
echo "-- result --"
summary=$(grep '^{"exit_code"' "$work/err" || true)
echo "  $summary"
echo "  hcsctl exit status: $rc (the init's exit code)"
echo
echo "-- the write landed in the scratch layer, not in the image --"
echo "  scratch: $(cd "$scratch" && find . -name new.txt | sed 's|^\./||') = $(cat "$scratch"/upper/data/new.txt 2>/dev/null || echo '?')"
echo "  image:   data/ holds $(ls "$layer/data" | tr '\n' ' ')"
echo
echo "-- frames on the bridge (hcsctl gcs decode; bodies shortened) --"
"$hcsctl" gcs decode "$work/h2g.bin" | sed 's/^/  host -> guest  /' | cut -c1-160
"$hcsctl" gcs decode "$work/g2h.bin" | sed 's/^/  guest -> host  /' | cut -c1-160
echo
echo "-- agent log --"
sed 's/^[^ ]* /  /' "$work/agent.log"

# The demo succeeds when the container ran as one and reported its code.
ok=1
[ "$rc" -eq 3 ] || ok=0
grep -q '"exit_code":3' "$work/err" || ok=0
grep -q 'hostname: demo-ctr, my pid: 1$' "$work/out" || ok=0
grep -q 'stdin said: ping from the host' "$work/out" || ok=0
[ "$(cat "$scratch/upper/data/new.txt" 2>/dev/null)" = "a change" ] || ok=0
[ ! -e "$layer/data/new.txt" ] || ok=0
grep -q 'Notify(Container)' <("$hcsctl" gcs decode "$work/g2h.bin") || ok=0
if [ "$ok" -ne 1 ]; then
  echo "demo: unexpected result (exit $rc)" >&2
  exit 1
fi
echo
echo "demo: ok"
