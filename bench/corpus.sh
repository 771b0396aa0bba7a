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

# Ten more manuals of other kinds, for the blind question sets of bench/qa/unseen-*.jsonl: a 1,158-page
# reference (Octave), shell references, a FAQ, a guide, tutorials, LaTeX package documentation.
fetch() {  # fetch PACKAGE PATH-IN-PACKAGE NAME-IN-CORPUS
  [ -f "$out/$3" ] && return
  (cd "$work" && { ls "$1"_*.deb >/dev/null 2>&1 || apt-get download "$1" >/dev/null 2>&1 || { apt-get update -qq && apt-get download "$1"; }; })
  rm -rf "$work/x" && dpkg -x "$work"/"$1"_*.deb "$work/x"
  case "$2" in
    *.gz) gunzip -c "$work/x/$2" > "$out/$3" ;;
    *) cp "$work/x/$2" "$out/$3" ;;
  esac
}
fetch octave-doc usr/share/doc/octave/octave.pdf octave.pdf
fetch debian-faq usr/share/doc/debian/FAQ/debian-faq.en.pdf.gz debian-faq.en.pdf
fetch bash-doc usr/share/doc/bash/bashref.pdf bashref.pdf
fetch zsh-doc usr/share/doc/zsh-common/zsh.pdf zsh.pdf
fetch debian-reference-en usr/share/debian-reference/debian-reference.en.pdf debian-reference.en.pdf
fetch lilypond-doc-pdf usr/share/doc/lilypond/html/Documentation/learning.pdf lilypond-learning.pdf
fetch maxima-doc usr/share/doc/maxima-doc/maximabook-19-Sept-2004.pdf.gz maximabook.pdf
fetch texlive-latex-base-doc usr/share/doc/texlive-doc/latex/base/usrguide.pdf latex-usrguide.pdf
fetch texlive-latex-base-doc usr/share/doc/texlive-doc/latex/base/clsguide.pdf latex-clsguide.pdf
fetch texlive-latex-base-doc usr/share/doc/texlive-doc/latex/hyperref/hyperref-doc.pdf hyperref-doc.pdf
ls -la "$out"
