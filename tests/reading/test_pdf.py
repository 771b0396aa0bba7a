import pytest

from rag.reading.pdf import PdfError, read_pdf
from tests.pdfs import blank_pdf, encrypt, join_pdfs, make_pdf, serialise, slides_pdf, with_outline
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


def test_each_page_knows_whether_it_lies_landscape_as_a_viewer_shows_it():
    upright, deck = make_pdf([["a page of a manual"]]), slides_pdf([["Results", "It works"]])
    turned = make_pdf([["a page turned to lie wide"]], rotate=90)
    wide_turned = make_pdf([["a wide page turned upright"]], size=(842, 595), rotate=270)
    pages = read_pdf(join_pdfs(upright, deck, turned, wide_turned), MB)
    assert [p.landscape for p in pages] == [False, True, True, False]
    assert "It works" in pages[1].text


@pytest.mark.parametrize("box", [b"[0 0 (wide) 5]", b"/Nonsense", b"[0 0 800]"])
def test_a_page_box_that_cannot_be_read_leaves_the_page_upright_and_read(box):
    pdf = serialise(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox %s /Rotate 45 /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>" % box,
            b"<< /Length 49 >>\nstream\nBT /F1 12 Tf 10 10 Td (Some words on it here.) Tj ET\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
    )
    [page] = read_pdf(pdf, MB)
    assert not page.landscape and "Some words on it here." in page.text
