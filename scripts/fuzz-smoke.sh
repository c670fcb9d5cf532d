#!/usr/bin/env bash
# Runs every libFuzzer target built in a build dir for a short time.
# usage: scripts/fuzz-smoke.sh BUILD_DIR [SECONDS]
# Corpus: fuzz/corpus/<target>/ (committed seeds) plus, for the bridge and
# guest decoders, the golden frames in ../shared/golden. New inputs go to a
# scratch dir so the committed seeds never change. Fails on the first crash.
set -euo pipefail
build=${1:?usage: fuzz-smoke.sh BUILD_DIR [SECONDS]}
secs=${2:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
golden=${HCS_GOLDEN_DIR:-$root/../shared/golden}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
found=0
for f in "$build"/bin/fuzz_*; do
  [ -x "$f" ] || continue
  name=$(basename "$f")
  found=$((found + 1))
  mkdir -p "$scratch/$name"
  seeds=("$scratch/$name")
  [ -d "$root/fuzz/corpus/$name" ] && seeds+=("$root/fuzz/corpus/$name")
  # A layer's seeds: fuzz/<layer>/corpus, the layer named after fuzz_.
  layer=${name#fuzz_}
  layer=${layer%%_*}
  [ -d "$root/fuzz/$layer/corpus" ] && seeds+=("$root/fuzz/$layer/corpus")
  # Frame/decoder targets also start from real frames.
  case "$name" in
    fuzz_gcs*|fuzz_guest*)
      if [ -d "$golden" ]; then
        mkdir -p "$scratch/golden-$name"
        find "$golden" -name '*.frame.bin' -exec cp {} "$scratch/golden-$name/" \;
        seeds+=("$scratch/golden-$name")
      fi ;;
  esac
  echo "fuzz: $name for ${secs}s"
  "$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix="$scratch/" -print_final_stats=1 "${seeds[@]}" \
       >"$scratch/$name.log" 2>&1 || {
    tail -40 "$scratch/$name.log"
    mkdir -p "$build/fuzz-artifacts"
    cp "$scratch"/crash-* "$scratch"/leak-* "$scratch"/timeout-* "$build/fuzz-artifacts/" 2>/dev/null || true
    echo "fuzz: $name FAILED (artifacts in $build/fuzz-artifacts)"
    exit 1
  }
  grep -E '^stat::number_of_executed_units' "$scratch/$name.log" | sed "s/^/fuzz: $name /"
done
[ "$found" -gt 0 ] || { echo "fuzz: no fuzz targets in $build/bin"; exit 1; }
echo "fuzz: $found targets passed"
