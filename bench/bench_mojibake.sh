#!/bin/sh
# bench/bench_mojibake.sh - the whole repair stage on mojibake-heavy text (issue 3: >= 20 MB/s).
cd "$(dirname "$0")/.." && exec python3 bench/bench_mojibake.py --textfix build/textfix
