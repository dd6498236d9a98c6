#!/usr/bin/env bash
# Counts the instructions of one whole `netguard --batch -r FILE` process (start-up and exit included) under
# valgrind's cachegrind, with V8's predictable GC schedule, as bench/instructions.sh does for the bench's child.
#
# Why: what users run is the whole process; the difference of two captures (say the first 2,000 packets of a mix
# and the mix) gives the per-packet share without start-up, and one capture alone what start-up costs.
#
#   bench/process-instructions.sh ROOT CAPTURE [MAIN]    MAIN: dist/bundle/main.js (default, what bin/netguard runs)
#                                                        or dist/src/main.js (tsc's output)
#   STORM=1 bench/process-instructions.sh ROOT CAPTURE   the storm bench's pipeline child instead (bench/storm.ts)
set -euo pipefail
root=$(readlink -f "$1"); capture=$(readlink -f "$2"); main=${3:-dist/bundle/main.js}
command -v valgrind > /dev/null || { echo "process-instructions.sh: valgrind is not installed" >&2; exit 2; }
work=$(mktemp -d /tmp/netguard-process-XXXX)
trap 'rm -rf "$work"' EXIT
cp "$root"/{settings.yaml,rules.yaml,blacklist.txt,whitelist.txt} "$work"/
if [ "${STORM:-}" = 1 ]; then args=("$root/dist/bench/storm.js" --storm-child pipeline "$capture"); else args=("$root/$main" --batch -r "$capture"); fi
(cd "$work" && valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file="$work/cg.out" \
  node --single-threaded --predictable-gc-schedule "${args[@]}" > out 2> err) || { cat "$work/err" >&2; exit 1; }
cg_annotate --threshold=0 "$work/cg.out" 2> /dev/null | awk -v c="$(basename "$capture")" '/PROGRAM TOTALS/ { gsub(/,/, "", $1); printf "%s: %.3f G instructions\n", c, $1 / 1e9 }'
