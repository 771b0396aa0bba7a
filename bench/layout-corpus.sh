#!/usr/bin/env bash
# Fetches the layout corpus into bench/corpus-layout/ (git-ignored): real PDFs that are NOT software
# manuals, taken from Debian packages: statistics papers with tables of numbers (JSS-style R vignettes),
# two-column journal and TUGboat articles, slide decks, licences, standards, a policy and reports.
# The questions about them are in bench/qa/layout-{dev,heldout}.jsonl. Nothing binary is committed.
# (r-cran-coin, r-cran-pscl, texlive-publishers-doc, texlive-latex-base-doc and
# texlive-latex-recommended-doc are kept for an independent check: never take PDFs from them here.)
# About 55 MB of .deb files are downloaded (texlive-metapost-doc, 36 MB, is most of it).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/corpus-layout"
mkdir -p "$out"

# shellcheck source=bench/debian-fetch.sh
. "$here/debian-fetch.sh"

R=usr/lib/R/site-library
# Statistics papers and vignettes with real tables of numbers.
fetch r-cran-quantreg $R/quantreg/doc/crq.pdf quantreg-censored-quantile-regression.pdf
fetch r-cran-rgenoud $R/rgenoud/doc/rgenoud.pdf rgenoud-genetic-optimization-jss.pdf
fetch r-cran-e1071 $R/e1071/doc/svmdoc.pdf e1071-support-vector-machines.pdf
fetch r-cran-multcomp $R/multcomp/doc/chfls1.pdf multcomp-model-selection-reevaluation.pdf
fetch r-cran-gstat $R/gstat/doc/spatio-temporal-kriging.pdf gstat-spatio-temporal-kriging.pdf
fetch r-cran-seriation $R/seriation/doc/seriation.pdf seriation-getting-things-in-order.pdf
fetch r-cran-fitdistrplus $R/fitdistrplus/doc/paper2JSS.pdf fitdistrplus-fitting-distributions-jss.pdf
fetch r-cran-rcpp $R/Rcpp/doc/Rcpp-jss-2011.pdf rcpp-seamless-integration-jss.pdf
# Reports.
fetch r-cran-survival usr/lib/R/library/survival/doc/adjcurve.pdf survival-adjusted-curves-report.pdf
fetch xorg-docs usr/share/doc/xorg-docs/Xserver/analysis.pdf.gz x11-protocol-security-analysis.pdf
# Two-column articles (a journal article, two TUGboat articles, a two-column vignette).
M=usr/share/doc/texlive-doc/metapost
fetch texlive-metapost-doc $M/featpost/doc/otherinfo/BezierApprox.pdf pattern-recognition-bezier-approximation.pdf
fetch texlive-metapost-doc $M/featpost/doc/otherinfo/tb88henderson.pdf tugboat-metapost-beginners-guide.pdf
fetch texlive-metapost-doc $M/mp3d/tb57roeg.pdf tugboat-3d-animations-metapost.pdf
fetch r-cran-rcpp $R/Rcpp/doc/Rcpp-introduction.pdf rcpp-brief-introduction-two-column.pdf
# Slide decks.
fetch impressive usr/share/doc/impressive/demo.pdf impressive-demo-slides.pdf
fetch texlive-metapost-doc $M/featpost/doc/metapostpropaganda.pdf metapost-tutorial-slides.pdf
fetch texlive-metapost-doc $M/slideshow/sshowintro.pdf slideshow-macros-intro-slides.pdf
fetch texlive-metapost-doc $M/slideshow/sshowex2.pdf slideshow-walk-in-the-park-slides.pdf
# Licences, standards, a policy.
fetch xorg-docs usr/share/doc/xorg-docs/License.pdf.gz xorg-licenses.pdf
fetch xorg-docs usr/share/doc/xorg-docs/Versions.pdf.gz xorg-version-numbering-policy.pdf
fetch xorg-docs usr/share/doc/xorg-docs/ctext/ctext.pdf.gz x11-compound-text-encoding-standard.pdf
fetch xorg-docs usr/share/doc/xorg-docs/xlfd/xlfd.pdf.gz x11-logical-font-description-standard.pdf
fetch libtheora-doc usr/share/doc/libtheora-dev/Theora.pdf.gz theora-specification.pdf
ls -la "$out"
