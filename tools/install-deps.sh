#!/bin/sh
# tools/install-deps.sh - installs the Debian packages libtextfix needs to build, test and
# benchmark, without prompts, and only those that are missing (make deps).
#   build:      gcc make pkg-config libuchardet-dev libutf8proc-dev
#   tests:      python3 clang (fuzzing) valgrind opencc (conversion oracle) uchardet
#   table data: python3-jieba unicode-data opencc libopencc-data vim-runtime, word lists and
#               hunspell dictionaries for the letter statistics (make tables, make check-tables)
#   eval/bench: manpages-zh manpages-ja fortunes-zh vim-runtime enca python3-chardet parallel time
set -e
PKGS="gcc make pkg-config libuchardet-dev libutf8proc-dev python3 clang valgrind opencc \
uchardet python3-jieba unicode-data libopencc-data manpages-zh manpages-ja fortunes-zh \
vim-runtime enca python3-chardet parallel time bzip2 bc \
wamerican wngerman wfrench wspanish witalian wportuguese wpolish wukrainian wbulgarian wdanish \
wnorwegian wswedish wdutch wcatalan hunspell-ru hunspell-cs hunspell-el hunspell-tr hunspell-hu \
hunspell-ro hunspell-sk hunspell-hr hunspell-ko"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null
