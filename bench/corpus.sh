#!/usr/bin/env bash
# Fetches the benchmark corpus into bench/corpus/ (git-ignored): real manuals from Debian's
# documentation packages, plus the small PDFs in ../shared/corpus/. Nothing binary is committed.
# (The R manuals and the gnuplot manual are held out for an independent evaluation: never add them.)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/corpus"
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cp "$here"/../../shared/corpus/*.pdf "$out"/ 2>/dev/null || echo "note: ../shared/corpus not found; only Debian PDFs"

if [ ! -f "$out/asymptote.pdf" ]; then
  (cd "$work" && apt-get download asymptote-doc >/dev/null 2>&1 || { apt-get update -qq && apt-get download asymptote-doc; })
  dpkg -x "$work"/asymptote-doc_*.deb "$work/x"
  for f in asymptote.pdf CAD.pdf asy-latex.pdf; do
    cp "$work/x/usr/share/doc/asymptote/$f" "$out/$f"
  done
fi
ls -la "$out"
