#!/bin/sh
# bench/run.sh - runs every bench/bench_*.sh in turn (make bench). Each prints its own table;
# results worth keeping go into bench/RESULTS.md with the machine and the command.
set -e
cd "$(dirname "$0")/.."
for b in bench/bench_*.sh; do
    [ -f "$b" ] || continue
    echo "== $b"
    sh "$b"
done
