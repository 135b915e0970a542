#!/usr/bin/env python3
"""repair_eval.py - runs `textfix --only repair` over a repair suite (JSON list of
{label, original, fixed, pair, kind}, as written by make_repair_suite.py or as in
../shared/peer-tests/ftfy/*.json) and prints per-pair exact-repair rates and the
clean-unchanged rate.

Every case is one input file; all of them go through ONE batch call
`textfix --only repair --from utf-8 -q -j N -r IN -o OUT` (the output of a batch run is the
same as one `textfix` call per file, whatever -j is). A case is exact when the output,
NFC-normalized, equals "fixed" NFC-normalized. No separator is ever added to the text, so
nothing can interfere between cases. A case with no output file (the CLI refused it, e.g. as
binary) counts as wrong and is counted in the "no output" column.

Kinds (see make_repair_suite.py): reversible and mixed must be repaired exactly; clean must
come back unchanged; lossy cannot be repaired exactly (bytes were lost): its rows say how
often the output is exact and how often the output got closer to the original (fewer
characters differ, by difflib) than the damage was.

Usage: tests/eval/repair_eval.py [SUITE.json ...] [--textfix build/textfix] [--jobs N]
                                 [--show K] [--args "--only repair --from utf-8"]
                                 [--min-exact PCT] [--min-clean PCT]
Default suite: build/eval/repair-suite.json (run make_repair_suite.py first).
Exit status 1 when --min-exact (reversible + mixed) or --min-clean is given and missed.
"""
import argparse
import difflib
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def nfc(s):
    return unicodedata.normalize("NFC", s)


def run_batch(textfix, extra, texts, jobs):
    tmp = tempfile.mkdtemp(prefix="repair_eval.")
    try:
        src = os.path.join(tmp, "in")
        os.makedirs(src)
        for i, t in enumerate(texts):
            with open(os.path.join(src, "%06d.txt" % i), "wb") as f:
                f.write(t.encode("utf-8", "surrogatepass"))
        out = os.path.join(tmp, "out")
        subprocess.run([textfix] + extra + ["-q", "-j", str(jobs), "-r", src, "-o", out],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        res = []
        for i in range(len(texts)):
            p = os.path.join(out, "%06d.txt" % i)
            res.append(open(p, "rb").read().decode("utf-8", "replace")
                       if os.path.exists(p) else None)
        return res
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def distance(a, b):
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return max(len(a), len(b)) - sum(m.size for m in sm.get_matching_blocks())


def pct(k, n):
    return "n/a" if n == 0 else "%.1f%%" % (100.0 * k / n)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("suites", nargs="*",
                    default=[os.path.join(ROOT, "build", "eval", "repair-suite.json")])
    ap.add_argument("--textfix", default=os.path.join(ROOT, "build", "textfix"))
    ap.add_argument("--args", default="--only repair --from utf-8",
                    help="textfix options (default: %(default)s)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 4)
    ap.add_argument("--show", type=int, default=0, metavar="K",
                    help="print K failures per pair")
    ap.add_argument("--min-exact", type=float)
    ap.add_argument("--min-clean", type=float)
    args = ap.parse_args()
    cases = []
    for path in args.suites:
        with open(path, encoding="utf-8") as f:
            for c in json.load(f):
                c.setdefault("pair", os.path.basename(path))
                c.setdefault("kind", "clean" if c["original"] == c["fixed"] else "reversible")
                cases.append(c)
    t0 = time.time()
    outs = run_batch(args.textfix, shlex.split(args.args), [c["original"] for c in cases],
                     args.jobs)
    elapsed = time.time() - t0

    rows = {}   # (kind, pair) -> [n, exact, no output, closer]
    shown = {}
    for c, out in zip(cases, outs):
        r = rows.setdefault((c["kind"], c["pair"]), [0, 0, 0, 0])
        r[0] += 1
        if out is None:
            r[2] += 1
            continue
        ok = nfc(out) == nfc(c["fixed"])
        r[1] += ok
        if c["kind"] == "lossy" and not ok:
            r[3] += distance(nfc(out), c["fixed"]) < distance(nfc(c["original"]), c["fixed"])
        elif ok and c["kind"] == "lossy":
            r[3] += 1
        if not ok and shown.get(c["pair"], 0) < args.show:
            shown[c["pair"]] = shown.get(c["pair"], 0) + 1
            print("FAIL %s\n  damaged  %r\n  output   %r\n  expected %r" % (
                c["label"], c["original"][:100], out[:100], c["fixed"][:100]), file=sys.stderr)

    def table(kind, title, extra=False):
        sel = sorted((p, r) for (k, p), r in rows.items() if k == kind)
        if not sel:
            return [], 0, 0
        head = "| %s | n | %s | no output |%s" % (
            title, "unchanged" if kind == "clean" else "exact", " closer |" if extra else "")
        lines = [head, "|---|---:|---:|---:|" + ("---:|" if extra else "")]
        tn = tk = 0
        for p, (n, k, miss, closer) in sel:
            lines.append("| %s | %d | %s | %d |%s" % (
                p, n, pct(k, n), miss, " %s |" % pct(closer, n) if extra else ""))
            tn += n
            tk += k
        lines.append("| **all** | %d | **%s** | |%s" % (tn, pct(tk, tn), " |" if extra else ""))
        return lines, tk, tn

    out = ["# textfix %s over %s" % (args.args, ", ".join(os.path.relpath(s) for s in args.suites)),
           "", "%d cases in %.1f s (one batch call, -j %d)" % (len(cases), elapsed, args.jobs), ""]
    ex_k = ex_n = cl_k = cl_n = 0
    for kind, title, extra in (("reversible", "pair (reversible)", False),
                               ("mixed", "mixed documents", False),
                               ("clean", "clean set", False),
                               ("lossy", "pair (lossy: bytes lost)", True)):
        lines, k, n = table(kind, title, extra)
        if lines:
            out += lines + [""]
        if kind in ("reversible", "mixed"):
            ex_k, ex_n = ex_k + k, ex_n + n
        if kind == "clean":
            cl_k, cl_n = k, n
    out.append("repair exact (reversible + mixed): %s (%d/%d); clean unchanged: %s (%d/%d)" % (
        pct(ex_k, ex_n), ex_k, ex_n, pct(cl_k, cl_n), cl_k, cl_n))
    print("\n".join(out))
    fail = (args.min_exact is not None and ex_n and 100.0 * ex_k / ex_n < args.min_exact) or (
        args.min_clean is not None and cl_n and 100.0 * cl_k / cl_n < args.min_clean)
    return 1 if fail else 0


if __name__ == "__main__":
    sys.exit(main())
