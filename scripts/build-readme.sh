#!/usr/bin/env bash
# Assembles README.md from the per-area sections in docs/readme/ (in file-name order).
set -euo pipefail
cd "$(dirname "$0")/.."
{
  first=1
  for f in docs/readme/*.md; do
    ((first)) || printf '\n'
    first=0
    cat "$f"
  done
} > README.md
echo "README.md: $(wc -l < README.md) lines from $(ls docs/readme/*.md | wc -l) sections" >&2
