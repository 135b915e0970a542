#!/usr/bin/env python3
"""gen_tables.py - regenerate (--write) or verify (--check) every committed generated table.

Each tools/tablegen_*.py script owns some files under lib/tables/. It must accept --out DIR
and write its files there. This driver runs each into a scratch directory and either copies
the results into lib/tables/ (--write) or compares them byte for byte (--check), so CI can
tell that the committed tables are current with the Debian-packaged sources.
"""
import argparse
import filecmp
import glob
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser()
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--write", action="store_true")
    g.add_argument("--check", action="store_true")
    ap.add_argument("only", nargs="*", help="tablegen script names to run (default: all)")
    args = ap.parse_args()
    scripts = sorted(glob.glob(os.path.join(ROOT, "tools", "tablegen_*.py")))
    if args.only:
        scripts = [s for s in scripts if any(o in os.path.basename(s) for o in args.only)]
    bad = 0
    for script in scripts:
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([sys.executable, script, "--out", tmp], check=True)
            for name in sorted(os.listdir(tmp)):
                dst = os.path.join(ROOT, "lib", "tables", name)
                src = os.path.join(tmp, name)
                if args.write:
                    shutil.copyfile(src, dst)
                    print("wrote", os.path.relpath(dst, ROOT))
                elif not os.path.exists(dst) or not filecmp.cmp(src, dst, shallow=False):
                    print("STALE", os.path.relpath(dst, ROOT), "(run: make tables)")
                    bad += 1
                else:
                    print("current", os.path.relpath(dst, ROOT))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
