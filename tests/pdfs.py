"""Builds small PDFs for tests, in code, so no binary test data is committed."""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(pages: list[list[str]], size: tuple[float, float] = (612, 842), rotate: int = 0) -> bytes:
    """A valid PDF with one page per item; each page holds its lines of text (Helvetica), from its top left. `size`
    is every page's width and height in points, `rotate` its /Rotate (how a viewer turns it)."""
    objects: list[bytes] = [b"", b""]  # 1: catalog, 2: page tree, filled in below
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")  # 3
    kids = []
    width, height = size
    for lines in pages:
        ops = ["BT", "/F1 11 Tf", "14 TL", f"50 {height - 62:g} Td"]
        for line in lines:
            ops += [f"({_escape(line)}) Tj", "T*"]
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        content_id = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %g %g] %s"
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>"
            % (width, height, b"/Rotate %d " % rotate if rotate else b"", content_id)
        )
        kids.append(len(objects))
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    return serialise(objects)


def slides_pdf(slides: list[list[str]]) -> bytes:
    """A slide deck: 4:3 landscape pages (720 x 540 points, PowerPoint's), each holding its lines."""
    return make_pdf(slides, size=(720, 540))


def serialise(objects: list[bytes], trailer: bytes = b"") -> bytes:
    """A PDF file of these objects, numbered from 1 (the first is the catalog), with its cross-reference table;
    `trailer` adds entries to the trailer (an /Encrypt, say)."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, trailer + b" " if trailer else b"", xref)
    )
    return out.getvalue()


def page_of_size(width: float, height: float) -> bytes:
    """One page of this size in points, with a line of text."""
    return serialise(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %g %g] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>" % (width, height),
            b"<< /Length 44 >>\nstream\nBT /F1 2 Tf 0 10 Td (A very tall page.) Tj ET\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
    )


def encrypt(pdf: bytes, password: str = "secret") -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def blank_pdf() -> bytes:
    """Pages with nothing on them: no text and no image."""
    return make_pdf([[], []])


def with_outline(pdf: bytes, entries: list[tuple[str, int, str | None]]) -> bytes:
    """The PDF with bookmarks: (title, 0-based page, parent title or None), parents listed first."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    items = {}
    for title, page, parent in entries:
        items[title] = writer.add_outline_item(title=title, page_number=page, parent=items[parent] if parent else None)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def scanned_pdf(pages: list[list[str]], dpi: int = 150, angle: float = 0) -> bytes:
    """An image-only PDF, as a scanner without OCR makes it: each page an A6 picture of its lines in 10-point
    text, drawn in code (no text layer; A6 keeps OCR in the tests a quarter of an A4 page's time). `angle` turns
    the picture, as a photo taken askew."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=round(10 * dpi / 72))
    pictures = []
    for lines in pages:
        picture = Image.new("L", (round(4.13 * dpi), round(5.83 * dpi)), 255)
        draw = ImageDraw.Draw(picture)
        for row, line in enumerate(lines):
            draw.text((dpi // 3, dpi // 2 + row * round(16 * dpi / 72)), line, fill=0, font=font)
        if angle:
            picture = picture.rotate(angle, fillcolor=255, expand=False)
        pictures.append(picture)
    out = io.BytesIO()
    pictures[0].save(out, "PDF", resolution=float(dpi), save_all=True, append_images=pictures[1:])
    return out.getvalue()


def join_pdfs(*parts: bytes) -> bytes:
    """The pages of several PDFs, in order, as one PDF."""
    writer = PdfWriter()
    for part in parts:
        for page in PdfReader(io.BytesIO(part)).pages:
            writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# A page for each of twenty animals, with its own food: questions asked at once ("What does the kiwi eat?") each
# find their own page, and the fake model's answers ("Kiwi care.") tell which question each answers.
ANIMALS = [
    ("penguin", "herring"),
    ("giraffe", "acacia leaves"),
    ("kiwi", "earthworms"),
    ("koala", "eucalyptus"),
    ("panda", "bamboo"),
    ("otter", "clams"),
    ("beaver", "willow bark"),
    ("hedgehog", "beetles"),
    ("flamingo", "shrimp"),
    ("pelican", "mackerel"),
    ("anteater", "termites"),
    ("squirrel", "acorns"),
    ("rabbit", "clover"),
    ("walrus", "mussels"),
    ("camel", "thorny shrubs"),
    ("hummingbird", "nectar"),
    ("woodpecker", "larvae"),
    ("armadillo", "ants"),
    ("manatee", "seagrass"),
    ("tortoise", "dandelions"),
]
FARM = make_pdf([[f"{animal.title()} care.", f"The {animal} eats {food} every day."] for animal, food in ANIMALS])
