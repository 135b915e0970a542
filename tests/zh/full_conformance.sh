#!/bin/sh
# tests/zh/full_conformance.sh [BUILD_DIR] - the long Chinese conversion conformance run
# (make zh-conformance): every configuration over the whole of Debian's manpages-zh (zh_CN and
# zh_TW) and fortunes-zh, about 14 MB of real text each, against Debian's opencc CLI, plus
# OpenCC's test cases. Takes a minute or two; `make test` runs a ~1 MB sample of the same.
set -e
cd "$(dirname "$0")/../.."
B=${1:-build}
export TEXTFIX="${TEXTFIX:-$(pwd)/$B/textfix}"
exec python3 tests/py/test_zh_conformance.py --full
