"""The words drawn in a chart, taken out of the prose onto one line named as the figure's."""

from __future__ import annotations

from rag.answering.sentences import passage_sentences
from rag.reading.figures import labelled

PAGE = (
    "R> cdfcomp(list(fendo.ln, fendo.ll), xlogscale = TRUE)\n"
    "1e-01 1e+01 1e+03\n"
    "0.005 0.020 0.100 0.500\n"
    "Empirical and theoretical CDFs\n"
    "CDF\n"
    "lognormal\n"
    "Burr\n"
    "Figure 4: CDF plot to compare the fit of four distributions to acute toxicity values of various organisms.\n"
    "None of the fitted distributions describes the right tail observed in the data set."
)


def test_a_charts_words_above_its_caption_become_one_line_named_as_the_figures():
    lines = labelled(PAGE).splitlines()
    assert lines[0].startswith("R> cdfcomp")
    assert lines[1] == (
        "[Figure 4 labels] 1e-01 1e+01 1e+03 0.005 0.020 0.100 0.500 Empirical and theoretical CDFs CDF lognormal Burr"
    )
    assert lines[2].startswith("Figure 4: CDF plot")


def test_they_are_never_quoted_and_the_caption_is_quoted_on_its_own():
    sentences = passage_sentences(labelled(PAGE))
    assert not any("lognormal" in s for s in sentences)
    assert any(s.startswith("Figure 4: CDF plot") for s in sentences)


def test_prose_above_a_caption_stays_prose():
    text = (
        "The curves of the three groups part after two years, and the\n"
        "high group falls fastest of all.\n"
        "Figure 2: Survival by group.\n"
    )
    assert labelled(text) == text
