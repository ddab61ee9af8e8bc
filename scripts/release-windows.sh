#!/usr/bin/env bash
# Builds the Windows release of turtle: one zip per architecture (amd64,
# arm64), each with turtle.exe (no cgo; Npcap's wpcap.dll is loaded when a
# capture starts), the README and the turtle format's description. The
# zips go to dist/ (ignored by git: built binaries are never committed).
#
#     scripts/release-windows.sh            # dist/turtle-VERSION-windows-amd64.zip, ...-arm64.zip
#     scripts/release-windows.sh v1.2.0     # the version in the names
#
# Needs Go and zip (Debian: apt install zip).
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
mkdir -p dist
for arch in amd64 arm64; do
  name=turtle-$version-windows-$arch
  tmp=$(mktemp -d)
  mkdir "$tmp/$name"
  CGO_ENABLED=0 GOOS=windows GOARCH=$arch go build -trimpath -ldflags "-s -w" -o "$tmp/$name/turtle.exe" ./cmd/turtle
  cp README.md "$tmp/$name/README.md"
  cp docs/turtle-format.md "$tmp/$name/turtle-format.md"
  rm -f "dist/$name.zip"
  (cd "$tmp" && zip -qr -X "$OLDPWD/dist/$name.zip" "$name")
  rm -rf "$tmp"
  echo "dist/$name.zip"
done
