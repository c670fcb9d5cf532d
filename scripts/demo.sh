#!/usr/bin/env bash
# The end-to-end demo: a real command in the guest agent (hcs-gcs), driven
# through libhcs's GCS bridge by `hcsctl gcs run --spawn`, with a short
# transcript: negotiated protocol and capabilities, the guest pid, relayed
# stdin/stdout/stderr, the exit code, and the frames that crossed the bridge.
#
# usage: scripts/demo.sh [BIN_DIR]   (default: build/release/bin, then
#                                     build/debug/bin)
# The agent speaks the bridge on its stdin/stdout (--stdio); `tee` on both
# sides records the frames, which `hcsctl gcs decode` prints afterwards.
# Everything stays on this machine: stdio relays are unix sockets in a
# temporary directory (no vsock).
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
hcsctl=$bin/hcsctl
agent=$bin/hcs-gcs
work=$(mktemp -d /tmp/hcs-demo-XXXXXX)
trap 'rm -rf "$work"' EXIT

spawn="tee $work/h2g.bin | $agent --stdio --stdio-dir $work --log-level info --log-file $work/agent.log | tee $work/g2h.bin"
script='echo "hello from guest pid $$ ($GREETING)"; read -r line; echo "stdin said: $line"; echo "a warning on stderr" >&2; exit 3'

echo "== hcs-gcs demo: a command in the guest agent through the GCS bridge =="
echo "\$ echo 'ping from the host' | hcsctl --json gcs run --spawn 'hcs-gcs --stdio ...' \\"
echo "      --stdio-dir DIR --env GREETING=hi -- /bin/sh -c '<script>'"
set +e
echo 'ping from the host' | "$hcsctl" --json gcs run --spawn "$spawn" --stdio-dir "$work" \
  --env GREETING=hi -- /bin/sh -c "$script" >"$work/out" 2>"$work/err"
rc=$?
set -e

echo
echo "-- negotiated --"
"$hcsctl" gcs decode "$work/g2h.bin" |
  sed -n 's/^Response(NegotiateProtocol).*"Version":\([0-9]*\),"Capabilities":\(.*\)}$/protocol version \1\ncapabilities \2/p'
echo
echo "-- guest stdout (relayed) --"
sed 's/^/  /' "$work/out"
echo "-- guest stderr (relayed) --"
grep -v '^{"exit_code"' "$work/err" | sed 's/^/  /' || true
echo "-- result --"
summary=$(grep '^{"exit_code"' "$work/err" || true)
echo "  $summary"
echo "  hcsctl exit status: $rc (the command's exit code)"
echo
echo "-- frames on the bridge (hcsctl gcs decode; bodies shortened) --"
"$hcsctl" gcs decode "$work/h2g.bin" | sed 's/^/  host -> guest  /' | cut -c1-150
"$hcsctl" gcs decode "$work/g2h.bin" | sed 's/^/  guest -> host  /' | cut -c1-150
echo
echo "-- agent log --"
sed 's/^[^ ]* /  /' "$work/agent.log"

# The demo succeeds when the command ran and reported its exit code.
if [ "$rc" -ne 3 ] || ! grep -q '"exit_code":3' "$work/err" ||
   ! grep -q 'stdin said: ping from the host' "$work/out"; then
  echo "demo: unexpected result (exit $rc)" >&2
  exit 1
fi
echo
echo "demo: ok"
