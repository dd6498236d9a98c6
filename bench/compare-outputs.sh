#!/usr/bin/env bash
# Compares what two builds write for the same captures, byte for byte: the check every speed change passes.
#
# Per capture and build, in a fresh directory holding the shipped settings, rules and lists: `--batch -r FILE
# --eve eve.json` (alert lines on stdout, alerts.json, alerts.log, eve.json less its stats records, which carry
# wall-clock uptime, and the SQLite history's rows less the wall-clock stored_at and file_mtime columns and the
# random run id, sorted: the history writes in batches on a wall-clock timer, so which of two alerts gets the
# lower row number can differ between two runs of one build on a long capture), then `--batch --dump-packets -r FILE`. Prints `same NAME` or `DIFF NAME: outputs` per capture.
#
#   bench/compare-outputs.sh ROOT_A ROOT_B [CAPTURE...]    ROOT: a built checkout (scripts/setup.sh or npm run build)
#   MAIN=dist/src/main.js ...   tsc's output instead of the bundle bin/netguard runs (default dist/bundle/main.js)
#   CPU=1 ...                   the CPU the runs are pinned to (default 1)
#   KEEP=1 ...                  keep the outputs (the temporary directory is printed)
# With no CAPTURE, every .pcap and .pcapng under $CORPUS (default: shared/corpus beside the checkout).
# Several may run at once: each has its own temporary directory. Needs python3 (its sqlite3 module).
set -u
A=$(readlink -f "$1"); B=$(readlink -f "$2"); shift 2
MAIN=${MAIN:-dist/bundle/main.js}
CORPUS=${CORPUS:-$(readlink -f "$(dirname "$0")/../../shared/corpus")}
files=()
if [ $# -eq 0 ]; then
  while IFS= read -r f; do files+=("$f"); done < <(find "$CORPUS" -type f \( -name '*.pcap' -o -name '*.pcapng' \) | sort)
else
  for f in "$@"; do files+=("$(readlink -f "$f")"); done
fi
[ ${#files[@]} -gt 0 ] || { echo "compare-outputs.sh: no captures (CORPUS=$CORPUS)" >&2; exit 2; }
T=$(mktemp -d /tmp/compare-outputs-XXXXXX)
if [ -n "${KEEP:-}" ]; then echo "outputs in $T"; else trap 'rm -rf "$T"' EXIT; fi
fail=0; nsame=0
for f in "${files[@]}"; do
  for r in A B; do
    root=${!r}; d=$T/$r; rm -rf "$d"; mkdir -p "$d"
    cp "$root"/{settings.yaml,rules.yaml,blacklist.txt,whitelist.txt} "$d"/
    (cd "$d" && taskset -c "${CPU:-1}" node "$root/$MAIN" --batch -r "$f" --eve eve.json > out.jsonl 2> err.txt; echo "exit $?" >> err.txt)
    (cd "$d" && taskset -c "${CPU:-1}" node "$root/$MAIN" --batch --dump-packets -r "$f" -l dump > dump.jsonl 2> /dev/null)
    [ -f "$d/eve.json" ] && grep -v '"event_type":"stats"' "$d/eve.json" > "$d/eve.nostats"
    if [ -f "$d/netguard.db" ]; then python3 - "$d/netguard.db" > "$d/db.txt" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
for t in [r[0] for r in c.execute("select name from sqlite_master where type='table' order by name")]:
    cols = [r[1] for r in c.execute(f"pragma table_info({t})") if r[1] not in ("stored_at", "file_mtime", "run", "seq")]
    for row in sorted(repr(r) for r in c.execute(f"select {','.join(cols)} from {t}")):
        print(t, row)
PY
    fi
  done
  bad=""
  for o in out.jsonl alerts.json alerts.log eve.nostats dump.jsonl db.txt; do
    if [ -e "$T/A/$o" ] || [ -e "$T/B/$o" ]; then cmp -s "$T/A/$o" "$T/B/$o" || bad="$bad $o"; fi
  done
  grep -q "^exit 0" "$T/A/err.txt" || bad="$bad exit-status"
  if [ -n "$bad" ]; then echo "DIFF $f:$bad"; fail=1; else echo "same $(basename "$f") ($(wc -l < "$T/A/out.jsonl") alert lines, $(wc -l < "$T/A/dump.jsonl") dump lines)"; nsame=$((nsame + 1)); fi
done
echo "$nsame of ${#files[@]} same"
exit $fail
