#!/usr/bin/env python3
"""test_peer_ftfy.py - the repair stage against ftfy's public test cases.

The cases live beside the clone, in ../shared/peer-tests/ftfy (ftfy's Apache-2.0 files with
their attribution and runner; they are not copied into this repository). Each case's text goes
through `textfix --only repair`, and the output must equal ftfy's `fix_encoding` result (the
runner's `--target fixed-encoding`).

Required: every case ftfy itself passes (expect=pass), and every "leave-alone" case (text
that looks like mojibake but is not) must come back unchanged. The cases ftfy lists as its own
known failures are run and shown but do not count as failures here.

The last line printed is "peer-ftfy: N passed, N failed". Without ../shared it prints
"peer-ftfy: 0 passed, 0 failed" and exits 0, so a clone on its own still passes.
Environment: TEXTFIX (the CLI; default build/textfix).
"""
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PEER = os.path.join(os.path.dirname(ROOT), "shared", "peer-tests", "ftfy")


def main():
    runner = os.path.join(PEER, "run_cases.py")
    if not os.path.isfile(runner):
        print("peer suite not found at %s; skipped" % PEER)
        print("peer-ftfy: 0 passed, 0 failed")
        return 0
    textfix = os.environ.get("TEXTFIX") or os.path.join(ROOT, "build", "textfix")
    with tempfile.TemporaryDirectory() as tmp:
        res_path = os.path.join(tmp, "results.json")
        proc = subprocess.run([sys.executable, runner, "--target", "fixed-encoding", "--json",
                               res_path, "--", textfix, "--only", "repair"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if not os.path.exists(res_path):
            sys.stdout.write(proc.stdout.decode("utf-8", "replace")[-2000:])
            print("peer-ftfy: 0 passed, 1 failed")
            return 1
        with open(res_path, encoding="utf-8") as f:
            results = json.load(f)
    passed = sum(1 for r in results if r["ok"])
    required = [r for r in results if r["expect"] == "pass" or r["kind"] == "leave-alone"]
    failed = [r for r in required if not r["ok"]]
    known = [r for r in results if r not in required and not r["ok"]]
    for r in failed:
        print("FAIL [%s #%d] %s" % (r["file"], r["index"], r["label"]))
        print("    original: %r" % r["original"])
        print("    expected: %r" % r["expected"])
        print("    got:      %r" % r.get("got"))
    leave = [r for r in results if r["kind"] == "leave-alone"]
    print("%d of %d cases match ftfy's fix_encoding (ftfy itself: 151); leave-alone %d/%d; "
          "%d of ftfy's own known failures not repaired (not counted)"
          % (passed, len(results), sum(r["ok"] for r in leave), len(leave), len(known)))
    print("peer-ftfy: %d passed, %d failed" % (passed, len(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
