#!/bin/sh
# bench/bench_zh.sh - Simplified/Traditional conversion speed and peak memory against Debian's
# `opencc` CLI, side by side in one run, on the same ~20 MB of real text (manpages-zh zh_CN and
# zh_TW sources plus fortunes-zh, repeated). Issue 5 asks for >= 10x opencc's throughput for
# s2t, t2s and s2twp with a peak RSS no higher.
#
# opencc is timed both ways it reads input: -i FILE (1 MiB blocks, its fastest) and standard
# input (line by line, flushed per line; the mode our output is byte-identical to). Ratios are
# against the faster of the two. ZH_BENCH_CMD (with {config}) replaces our command if needed.
set -e
cd "$(dirname "$0")/.."
T=build/textfix
D=bench/data
F=$D/zh-20m.txt
mkdir -p $D
command -v opencc >/dev/null || { echo "bench_zh: opencc not installed, skipped"; exit 0; }
if [ ! -s $F ]; then
    { for l in zh_CN zh_TW; do zcat /usr/share/man/$l/man*/*.gz; done
      cat /usr/share/games/fortunes/chinese /usr/share/games/fortunes/tang300 \
          /usr/share/games/fortunes/song100 2>/dev/null; } >$D/zh-src.tmp
    python3 - $D/zh-src.tmp $F <<'PY'
import sys
src = open(sys.argv[1], "rb").read()
data = (src * (20_000_000 // len(src) + 1))[:20_000_000]
open(sys.argv[2], "wb").write(data[:data.rindex(b"\n") + 1])
PY
    rm -f $D/zh-src.tmp
fi
ours() { # ours CONFIG: the command that converts $F with our engine alone
    if [ -n "$ZH_BENCH_CMD" ]; then echo "$ZH_BENCH_CMD" | sed "s/{config}/$1/g"
    else echo "$T --only zh --zh $1"; fi
}
measure() { # measure CMD OUT: "seconds peak-RSS-KB" of the best of three runs
    b=""
    for i in 1 2 3; do
        /usr/bin/time -f "%e %M" -o $D/time.tmp sh -c "exec $1" <$F >"$2"
        t=$(cut -d' ' -f1 $D/time.tmp)
        if [ -z "$b" ] || [ "$(echo "$t < $(echo $b | cut -d' ' -f1)" | bc -l)" = 1 ]; then
            b=$(cat $D/time.tmp)
        fi
    done
    echo "$b"
}
mb=$(echo "$(stat -c %s $F) / 1000000" | bc -l)
printf 'input: %s, %.1f MB\n' $F "$mb"
printf '%-6s %16s %16s %16s %7s %8s %s\n' config "opencc -i s/KB" "opencc <in s/KB" \
    "textfix s/KB" speedup "MB/s" output
for c in s2t t2s s2twp; do
    set -- $(measure "opencc -c $c.json -i $F -o $D/ref-i.tmp" /dev/null)
    oi_t=$1 oi_m=$2
    set -- $(measure "opencc -c $c.json" $D/ref.tmp)
    os_t=$1 os_m=$2
    set -- $(measure "$(ours $c)" $D/ours.tmp)
    t=$1 m=$2
    if cmp -s $D/ref.tmp $D/ours.tmp; then same=identical; else same=DIFFERENT; fi
    best=$oi_t
    [ "$(echo "$os_t < $oi_t" | bc -l)" = 1 ] && best=$os_t
    printf '%-6s %16s %16s %16s %6.1fx %8.0f %s\n' $c "$oi_t/$oi_m" "$os_t/$os_m" "$t/$m" \
        "$(echo "$best / $t" | bc -l)" "$(echo "$mb / $t" | bc -l)" "$same"
done
rm -f $D/ref-i.tmp $D/ref.tmp $D/ours.tmp $D/time.tmp
echo "(speedup = opencc's faster mode time / ours; RSS is peak resident set in KB; output"
echo " compares ours with opencc reading standard input, byte for byte)"
