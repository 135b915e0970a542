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
measure() { # measure CMD OUT: "wall-seconds peak-RSS-KB cpu-seconds" of the best of 3 runs
    cmd=$1 out=$2 b=""
    for i in 1 2 3; do
        /usr/bin/time -f "%e %M %U %S" -o $D/time.tmp sh -c "exec $cmd" <$F >"$out"
        set -- $(cat $D/time.tmp)
        cur="$1 $2 $(echo "$3 + $4" | bc -l)"
        if [ -z "$b" ] || [ "$(echo "$1 < $(echo $b | cut -d' ' -f1)" | bc -l)" = 1 ]; then
            b=$cur
        fi
    done
    echo "$b"
}
mb=$(echo "$(stat -c %s $F) / 1000000" | bc -l)
printf 'input: %s, %.1f MB; %s CPUs, %s\n' $F "$mb" "$(nproc)" \
    "$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)"
printf '%-6s %-22s %-22s %-22s %8s %8s %6s %s\n' config "opencc -i: s/KB/cpu" \
    "opencc <in: s/KB/cpu" "textfix: s/KB/cpu" "speedup" "cpu-x" "MB/s" output
for c in s2t t2s s2twp; do
    set -- $(measure "opencc -c $c.json -i $F -o $D/ref-i.tmp" /dev/null)
    oi_t=$1 oi_m=$2 oi_c=$3
    set -- $(measure "opencc -c $c.json" $D/ref.tmp)
    os_t=$1 os_m=$2 os_c=$3
    set -- $(measure "$(ours $c)" $D/ours.tmp)
    t=$1 m=$2 cpu=$3
    if cmp -s $D/ref.tmp $D/ours.tmp; then same=identical; else same=DIFFERENT; fi
    best=$oi_t best_c=$oi_c
    [ "$(echo "$os_t < $oi_t" | bc -l)" = 1 ] && best=$os_t
    [ "$(echo "$os_c < $oi_c" | bc -l)" = 1 ] && best_c=$os_c
    printf '%-6s %-22s %-22s %-22s %7.1fx %7.1fx %6.0f %s\n' $c "$oi_t/$oi_m/$oi_c" \
        "$os_t/$os_m/$os_c" "$t/$m/$cpu" "$(echo "$best / $t" | bc -l)" \
        "$(echo "$best_c / $cpu" | bc -l)" "$(echo "$mb / $t" | bc -l)" "$same"
done
rm -f $D/ref-i.tmp $D/ref.tmp $D/ours.tmp $D/time.tmp
echo "(speedup = opencc's faster mode wall time / ours, best of 3; cpu-x the same for user+sys"
echo " CPU time, which other load on the machine disturbs less; KB = peak RSS; output compares"
echo " ours with opencc reading standard input, byte for byte)"
