import pytest

from rag.reading.pdf import PdfError, read_pdf
from tests.pdfs import blank_pdf, encrypt, make_pdf, with_outline
from tests.robustness.hostile_pdfs import image_only_pdf

MB = 1024 * 1024


def test_reads_text_page_by_page_with_physical_page_numbers():
    pages = read_pdf(make_pdf([["alpha page text"], ["beta page text"], ["gamma page text"]]), MB)
    assert [p.number for p in pages] == [1, 2, 3]
    assert "beta" in pages[1].text and "beta" not in pages[0].text


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"PK\x03\x04 this is a zip file renamed to .pdf" * 10, "not a PDF"),
        (make_pdf([["some text"]])[:60], "damaged or truncated"),
        (b"%PDF-1.7\n" + b"\x00garbage" * 100, "damaged or truncated"),
        (encrypt(make_pdf([["secret text here"]])), "password-protected"),
        (blank_pdf(), "pages are blank"),
        pytest.param(image_only_pdf(""), "OCR found no text", marks=pytest.mark.slow),  # RapidOCR reads the scan
    ],
    ids=["empty", "not-pdf", "truncated", "corrupt", "encrypted", "blank", "blank-scan"],
)
def test_bad_input_is_refused_with_a_reason(data, reason):
    with pytest.raises(PdfError, match=reason):
        read_pdf(data, MB)


def test_over_the_size_cap_is_refused():
    data = make_pdf([["x" * 50]])
    with pytest.raises(PdfError, match="over the 0 MB limit"):
        read_pdf(data, len(data) - 1)


def test_sections_come_from_the_pdf_outline():
    pdf = with_outline(
        make_pdf([["Introduction", "what it is"], ["Installation", "make install", "Windows", "run setup"], ["x y"]]),
        [("1 Introduction", 0, None), ("2 Installation", 1, None), ("Windows", 1, "2 Installation")],
    )
    pages = read_pdf(pdf, MB)
    assert [p.sections for p in pages] == [
        (("1 Introduction",),),
        (("2 Installation",), ("2 Installation", "Windows")),
        (),
    ]
    assert "make install" in pages[1].text


def test_ligatures_and_soft_hyphens_are_read_as_typed_letters():
    from rag.reading.reader import typed

    assert typed("identiﬁcation of the eﬀect, ﬂow and oﬃce; in\u00adline") == (
        "identification of the effect, flow and office; inline"
    )
    assert typed("x² stays x²") == "x² stays x²"
