#!/usr/bin/env bash
# Counts the instructions of the bench's full-pipeline child (`netguard --batch -r FILE` as bench.ts runs
# it) under valgrind's cachegrind, split into V8's optimizing compiler, the code it runs (JIT code and V8's
# builtins), garbage collection, parsing and the rest. Like the bench's timed rows, it runs runMain from the
# bundle bin/netguard runs (tsc's dist/src when that is newer than the bundle: build both to measure both).
#
# Why: CPU time on a shared VM moves 5-30% between identical runs, while an instruction count moves about
# 0.5% (the "run" share about 0.1%), so two builds can be compared on one run each. It does not see cache
# misses: confirm a kept change with alternated timed runs too. About 5 minutes per 1 M packets.
#
# V8 runs with --predictable-gc-schedule: otherwise its heap controller times the program and the
# garbage collector's count moved by up to 0.15 G (half of it) between runs of one build on a loaded
# host, which hid any change smaller than that; with it, two runs of one build agree to 0.2%.
# NATURAL_GC=1 leaves V8's own schedule (what users run).
#
#   bench/instructions.sh CAPTURE [ROOT]     ROOT: a built checkout (default: this one)
#   NODE_EXTRA="--max-inlined-bytecode-size=230" bench/instructions.sh CAPTURE   extra node flags
set -euo pipefail
capture=$(readlink -f "$1")
root=$(readlink -f "${2:-$(dirname "$0")/..}")
command -v valgrind > /dev/null || { echo "instructions.sh: valgrind is not installed" >&2; exit 2; }
[ -f "$root/dist/bench/bench.js" ] || { echo "instructions.sh: $root/dist/bench/bench.js missing (npm run build)" >&2; exit 2; }
work=$(mktemp -d /tmp/netguard-instructions-XXXX)
trap 'rm -rf "$work"' EXIT
cp "$root"/{settings.yaml,rules.yaml,blacklist.txt,whitelist.txt} "$work"/
# shellcheck disable=SC2086
(cd "$work" && valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file="$work/cg.out" \
  node --single-threaded $([ "${NATURAL_GC:-}" = 1 ] || echo --predictable-gc-schedule) ${NODE_EXTRA:-} "$root/dist/bench/bench.js" --child pipeline "$capture" "$work/result.json" > "$work/log" 2>&1)
cg_annotate --threshold=0 "$work/cg.out" 2> /dev/null | awk -v capture="$(basename "$capture")" '
  match($0, /^ *[0-9,]+ \( *[0-9.]+%\) +/) {
    n = substr($0, 1, RLENGTH); sub(/\(.*/, "", n); gsub(/[ ,]/, "", n); f = substr($0, RLENGTH + 1)
    if (f ~ /PROGRAM TOTALS/) { total = n; next }
    if (f == "???:???") c = "jit"
    else if (f ~ /compiler::|turboshaft|Zone/) c = "compiler"
    else if (f ~ /Builtins_/) c = "builtins"
    else if (f ~ /Scaveng|Mark|Sweep|Heap::|GC|Evacuat|Compact|heap::|Concurrent|Remembered|SlotSet|FreeList|MemoryChunk|PagedSpace|NewSpace/) c = "gc"
    else if (f ~ /Scanner|Parser|Preparse|parsing|AstNode|Bytecode|interpreter::|Scope/) c = "parse"
    else c = "other"
    s[c] += n
  }
  END {
    printf "%s: %.3f G instructions; compiler %.3f, run (JIT code %.3f + builtins %.3f) %.3f, gc %.3f, parse %.3f, other %.3f\n",
      capture, total / 1e9, s["compiler"] / 1e9, s["jit"] / 1e9, s["builtins"] / 1e9, (s["jit"] + s["builtins"]) / 1e9, s["gc"] / 1e9, s["parse"] / 1e9, s["other"] / 1e9
  }'
