#!/usr/bin/env bash
# Fetches the benchmark corpus into bench/corpus/ (git-ignored): real manuals from Debian's
# documentation packages, plus the small PDFs in ../shared/corpus/. Nothing binary is committed.
# (The R manuals and the gnuplot manual are held out for an independent evaluation: never add them.)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/corpus"
mkdir -p "$out"
# shellcheck source=bench/debian-fetch.sh
. "$here/debian-fetch.sh"

cp -u "$here"/../../shared/corpus/*.pdf "$out"/ 2>/dev/null || echo "note: ../shared/corpus not found; only Debian PDFs"

if [ ! -f "$out/asymptote.pdf" ]; then
  (cd "$work" && apt-get download asymptote-doc >/dev/null 2>&1 || { apt-get update -qq && apt-get download asymptote-doc; })
  dpkg -x "$work"/asymptote-doc_*.deb "$work/x"
  for f in asymptote.pdf CAD.pdf asy-latex.pdf; do
    cp "$work/x/usr/share/doc/asymptote/$f" "$out/$f"
  done
fi

# Ten more manuals of other kinds, for the blind question sets of bench/qa/unseen-*.jsonl: a 1,158-page
# reference (Octave), shell references, a FAQ, a guide, tutorials, LaTeX package documentation.
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

# Distractors for the scale check (bench/eval.py --whole-corpus): no questions are written on these.
# Tool manuals, programming-language and library references, specifications, a standards document, tutorials.
fetch autoconf-doc usr/share/doc/autoconf/autoconf.pdf.gz autoconf.pdf
fetch cvs usr/share/doc/cvs/cvs.pdf cvs.pdf
fetch debian-policy usr/share/doc/debian-policy/policy.pdf.gz debian-policy.pdf
fetch debian-policy usr/share/doc/debian-policy/fhs/fhs-3.0.pdf.gz fhs-3.0.pdf
fetch doxygen-doc usr/share/doc/doxygen/doxygen_manual.pdf doxygen_manual.pdf
fetch flex-doc usr/share/doc/flex-doc/flex.pdf.gz flex.pdf
fetch gnu-standards usr/share/doc/gnu-standards/standards.pdf.gz gnu-coding-standards.pdf
fetch gnutls-doc usr/share/doc/gnutls-doc/gnutls.pdf gnutls.pdf
fetch libmpfr-doc usr/share/doc/libmpfr-doc/mpfr.pdf.gz mpfr.pdf
fetch maint-guide usr/share/doc/maint-guide/maint-guide.en.pdf maint-guide.en.pdf
fetch sbcl-doc usr/share/doc/sbcl/sbcl.pdf.gz sbcl.pdf
fetch scheme48-doc usr/share/doc/scheme48/manual.pdf.gz scheme48-manual.pdf
fetch glpk-doc usr/share/doc/glpk-doc/gmpl.pdf glpk-gmpl.pdf
fetch pari-doc usr/share/pari/doc/tutorial.pdf pari-tutorial.pdf
ls -la "$out"
