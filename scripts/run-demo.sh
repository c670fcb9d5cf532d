#!/usr/bin/env bash
# The README's main command: installs what is missing, builds (release) and
# runs the demo: a real container run by the embedded guest agent (hcs-gcs)
# through the GCS bridge, via `hcsctl gcs run --spawn` (scripts/demo.sh).
# Before the guest agent exists it falls back to decoding a few HRESULTs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=scripts/deps.sh
. scripts/deps.sh
hcs_deps native containers
cmake --preset release >/dev/null
cmake --build --preset release >/dev/null
bin=$root/build/release/bin
if [ -x "$bin/hcs-gcs" ] && [ -f scripts/demo.sh ]; then
  exec bash scripts/demo.sh "$bin"
fi
echo "\$ hcsctl hresult 0x8037010E -2143878898 HCS_E_ACCESS_DENIED 0xC037010D"
"$bin/hcsctl" hresult 0x8037010E -2143878898 HCS_E_ACCESS_DENIED 0xC037010D
