#!/usr/bin/env bash
# Fetches the languages corpus into bench/corpus-languages/ (git-ignored): Debian's own translated
# manuals as PDFs, two documents for each of French, Spanish and Italian (the Debian Reference and the
# Debian New Maintainers' Guide), plus the English Debian Reference for the cross-language questions.
# The questions about them are in bench/qa/languages-{dev,heldout}.jsonl. Nothing binary is committed.
# (debian-reference-de and every German Debian Reference file are kept for an independent check:
# never take PDFs from them here.)
# About 10 MB of .deb files are downloaded.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/corpus-languages"
mkdir -p "$out"

# shellcheck source=bench/debian-fetch.sh
. "$here/debian-fetch.sh"

R=usr/share/debian-reference
# The Debian Reference (system administration guide), translated, and the English original.
fetch debian-reference-fr $R/debian-reference.fr.pdf debian-reference-fr.pdf
fetch debian-reference-es $R/debian-reference.es.pdf debian-reference-es.pdf
fetch debian-reference-it $R/debian-reference.it.pdf debian-reference-it.pdf
fetch debian-reference-en $R/debian-reference.en.pdf debian-reference-en.pdf
# The Debian New Maintainers' Guide (packaging), translated.
fetch maint-guide-fr usr/share/doc/maint-guide-fr/maint-guide.fr.pdf maint-guide-fr.pdf
fetch maint-guide-es usr/share/doc/maint-guide-es/maint-guide.es.pdf maint-guide-es.pdf
fetch maint-guide-it usr/share/doc/maint-guide-it/maint-guide.it.pdf maint-guide-it.pdf
ls -la "$out"

# Held out 2 (bench/qa/languages-heldout2.jsonl), a library of its own in which no document has a translation:
# a cross-language question can only be right on the one edition there is. German, French and Spanish
# documents, and one English one for questions in other languages.
out2="$out/heldout2"
mkdir -p "$out2"
out_main="$out"
out="$out2"
fetch debian-edu-doc-de usr/share/doc/debian-edu-doc-de/debian-edu-bookworm-manual.pdf debian-edu-bookworm-manual.de.pdf
fetch debian-faq-fr usr/share/doc/debian/FAQ/debian-faq.fr.pdf.gz debian-faq.fr.pdf
fetch eyes17-manuals-es usr/share/doc/eyes17/es/eyes17.pdf.gz eyes17.es.pdf
fetch debian-policy usr/share/doc/debian-policy/fhs/fhs-3.0.pdf.gz fhs-3.0.en.pdf
out="$out_main"
ls -la "$out2"

# Cross dev (bench/qa/languages-crossdev.jsonl), a library of its own for tuning what a question in one language
# finds in a document in another: one chapter range of each Reference translation (no page has its translation
# there), and the English Bash manual, whose shell chapters meet the French tutorial's. Dev material only: the
# References' chapters 1-6 and a manual no held-out set asks about.
out3="$out/crossdev"
mkdir -p "$out3"
py="${PYTHON:-$here/../.venv/bin/python}"
cut() { [ -f "$out3/$4" ] || "$py" "$here/cut_pages.py" "$out/$1" "$2" "$3" "$out3/$4"; }
cut debian-reference-fr.pdf 29 65 reference-tutoriels.fr.pdf       # 1 Didacticiels GNU/Linux
cut debian-reference-es.pdf 67 107 reference-paquetes.es.pdf       # 2 Gestión de paquetes Debian
cut debian-reference-it.pdf 108 151 reference-sistema-rete.it.pdf  # 3-6 Inizializzazione ... Applicazioni per la rete
[ -f "$out3/bashref.en.pdf" ] || cp "$here/corpus/bashref.pdf" "$out3/bashref.en.pdf" 2>/dev/null \
  || { echo "run bash bench/corpus.sh first (bashref.pdf)" >&2; exit 1; }
ls -la "$out3"
