#!/usr/bin/env bash
# Makes a Wine prefix in which turtle.exe (and any Go >= 1.24 program)
# starts: Wine 8 (Debian 12's wine64) lacks bcryptprimitives.dll, whose
# ProcessPrng the Go runtime calls first thing, so this builds one that
# forwards it to advapi32.SystemFunction036 (wine/bcryptprimitives.def,
# with mingw-w64's binutils: Debian binutils-mingw-w64-x86-64) and puts it
# in the prefix's system32.
#
#     scripts/wine-prefix.sh /tmp/turtle-wine
#     WINEPREFIX=/tmp/turtle-wine WINEDEBUG=-all /usr/lib/wine/wine64 turtle.exe read testdata/udp-echo.pcap
#
# cmd/turtle's TestWindowsBuildUnderWine runs it; it skips without wine64
# or the binutils.
set -euo pipefail
prefix=${1:?usage: scripts/wine-prefix.sh PREFIX-FOLDER}
here=$(cd "$(dirname "$0")" && pwd)
wine=$(command -v wine64 || echo /usr/lib/wine/wine64)
export WINEPREFIX=$prefix WINEDEBUG=-all
export WINEDLLOVERRIDES="mscoree,mshtml=" # no Mono or Gecko installer at start-up
mkdir -p "$prefix"
"$wine" wineboot -i >/dev/null 2>&1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
x86_64-w64-mingw32-dlltool -d "$here/wine/bcryptprimitives.def" -e "$tmp/exports.o"
x86_64-w64-mingw32-ld -shared -e 0 -o "$prefix/drive_c/windows/system32/bcryptprimitives.dll" "$tmp/exports.o"
