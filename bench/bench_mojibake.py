#!/usr/bin/env python3
"""bench_mojibake.py - throughput of the whole CLI on mojibake-heavy text (issue 3 asks for at
least 20 MB/s). The first 1.5 MB of manpages-zh lines, each non-ASCII line damaged in turn by
one of the chains below, real codecs (a line a chain cannot carry losslessly is damaged by the
next one that can); the script also says how many lines came back exactly.

Usage: bench_mojibake.py [--textfix build/textfix]  (make bench runs it: bench_mojibake.sh)"""
import argparse
import glob
import gzip
import os
import subprocess
import sys
import time

CHAINS = [("utf-8", "gbk"), ("gbk", "cp1252"), ("utf-8", "shift_jis"), ("utf-8", "big5"),
          ("big5", "cp1252"), ("utf-8", "gbk", "gbk"), ("utf-8", "cp1252", "cp1252")]


def damage(line, chain):
    data = line.encode(chain[0])
    for codec in chain[1:]:
        text = data.decode(codec)
        data = text.encode("utf-8")
    return data.decode("utf-8")


def corpus(limit):
    out, size = [], 0
    for path in sorted(glob.glob("/usr/share/man/zh_CN/man*/*.gz")):
        for line in gzip.open(path).read().decode("utf-8", "replace").splitlines():
            out.append(line)
            size += len(line.encode())
            if size >= limit:
                return out
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--textfix", default="build/textfix")
    args = ap.parse_args()
    lines = corpus(1_500_000)
    damaged, k = [], 0
    for line in lines:
        if line.isascii():
            damaged.append(line)
            continue
        for t in range(len(CHAINS)):
            try:
                damaged.append(damage(line, CHAINS[(k + t) % len(CHAINS)]))
                break
            except UnicodeError:
                continue
        else:
            damaged.append(line)
        k += 1
    data = ("\n".join(damaged) + "\n").encode()
    changed = sum(d != w for w, d in zip(lines, damaged))
    for label, extra in (("whole pipeline", []), ("--only repair", ["--only", "repair"])):
        best = None
        for _ in range(3):
            t0 = time.perf_counter()
            out = subprocess.run([args.textfix, "--from", "utf-8"] + extra, input=data,
                                 capture_output=True, check=True).stdout
            t = time.perf_counter() - t0
            best = t if best is None or t < best else best
        got = out.decode().split("\n")
        exact = sum(g == w for g, w, d in zip(got, lines, damaged) if d != w)
        print(f"{label:15} {len(data) / 1e6:.1f} MB: {len(data) / 1e6 / best:5.1f} MB/s (best of 3), "
              f"{exact} of {changed} damaged lines repaired exactly")
    return 0


if __name__ == "__main__":
    sys.exit(main())
