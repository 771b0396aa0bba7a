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


# A two-column paper (two_column_paper): a survey of where farmland birds nest. Each column's lines read on into
# each other and not into the other column's ("1 Introduction the first to abandon their nests when the hedges"),
# so only a reading that takes the columns one after the other makes sense of them.
PAPER_TITLE = "Where farmland birds nest: hedgerows and woodland edges"
PAPER_AUTHORS = "Anna Marsh and Tom Reed, Department of Ecology, Fenland University"
PAPER_ABSTRACT = [
    "Abstract. We searched the hedgerows and woodland edges of six farms in one lowland parish for",
    "the nests of small birds over one breeding season, and followed each nest until it fledged or",
    "failed. Most species nested in both habitats, but in very different numbers, and nests close to",
    "farm tracks failed more often in both. We give the counts by species and habitat in Table 1.",
]
# A sentence of page 1 that runs from the foot of the left column to the head of the right one.
PAPER_ACROSS = (
    "In our survey the birds that nested closest to the farm tracks were, as we show below, the first to abandon "
    "their nests when the hedges were cut before the young had fledged."
)
PAPER_COLUMNS = [
    (
        [
            "1 Introduction",
            "Hedgerows are the main nesting habitat left to",
            "many birds of lowland farmland. Since 1970 the",
            "length of hedge in England has fallen by almost",
            "half, and the hedges that remain are often cut",
            "every year, short and square, in late summer.",
            "Small woods on the same farms offer cover of a",
            "different kind: taller, older and less disturbed,",
            "but with more predators along their edges.",
            "We asked which of the two habitats the common",
            "species of the parish chose for their nests, and",
            "whether the choice paid off in fledged young.",
            "Earlier surveys counted singing males, which",
            "says where a bird holds territory but not where",
            "it nests. In our survey the birds that nested",
            "closest to the farm tracks were, as we show below,",
        ],
        [
            "the first to abandon their nests when the hedges",
            "were cut before the young had fledged.",
            "2 Methods",
            "We searched 42 hedges and 9 woodland edges on",
            "six farms between April and July of 2023, once",
            "a week, walking each side of a hedge slowly and",
            "looking into it at a height of up to two metres.",
            "Every nest was marked with a numbered tag on a",
            "branch a metre away, never on the nest itself,",
            "and visited every four days until it fledged or",
            "failed. A nest fledged when at least one chick",
            "left it; it failed when it was found empty or",
            "torn before the chicks could fly. We recorded",
            "the species, the height of the nest, the plant",
            "it was built in and the distance to the nearest",
            "track, field gate or woodland ride.",
        ],
    ),
    (
        [
            "3 Results",
            "We found 64 nests of four species (Table 1).",
            "Blackbirds nested mostly in the woods, under a",
            "closed canopy, while the only species to prefer",
            "the open hedges of the arable fields was the",
            "yellowhammer, which builds low down, often in",
            "the grass at the foot of the hedge. The song",
            "thrush was the scarcest of the four, and nested",
            "earlier in the spring than the others did, often",
            "before the hawthorn had come into leaf.",
        ],
        [
            "Nests close to a track failed more often than",
            "nests farther from one, in hedges and woods",
            "alike: of the nests within ten metres of a track",
            "fewer than half fledged any young, against two",
            "in three of the others. Most of the failures",
            "near tracks came in the week after a hedge was",
            "cut, when the nest was left in plain view.",
            "4 Discussion",
            "Woods and hedges are not interchangeable for the",
            "birds of this parish. A farm that keeps its small",
            "woods but grubs out its hedges keeps most of its",
            "blackbirds and chaffinches and loses most of its",
            "yellowhammers; one that does the opposite loses",
            "the others. Cutting hedges in winter rather than",
            "late summer would spare the nests of every one.",
        ],
    ),
]
# Table 1, at the head of page 2's left column: a header row, then a row a species.
PAPER_CAPTION = "Table 1: Nests found by species and habitat."
PAPER_TABLE = [
    ["Species", "Woodland", "Farmland", "Total"],
    ["Blackbird", "14", "9", "23"],
    ["Chaffinch", "11", "6", "17"],
    ["Song thrush", "7", "3", "10"],
    ["Yellowhammer", "2", "12", "14"],
]


def two_column_paper() -> bytes:
    """A two-page paper on US Letter, set as a journal sets it: title, authors and abstract across the page, then
    two columns of 9-point Helvetica, ragged right, headings in bold; on page 2 Table 1 (8.5 point, each cell set
    on its own) at the head of the left column under its caption. Every line and cell is placed where it stands
    (Td for lines, Tm for cells), and the content stream goes row by row across both columns, as some producers
    write it: the file's own order reads across the gutter, and only reading by position puts the columns right."""
    left, right, leading = 54.0, 318.0, 11.5
    # (y, x, font, size, text) of each line or cell; y from the page's foot, as PDF has it.
    first = [(736.0, 140.0, "F2", 14.0, PAPER_TITLE), (716.0, 160.0, "F1", 9.0, PAPER_AUTHORS)]
    first += [(690.0 - 11 * n, left, "F1", 9.0, line) for n, line in enumerate(PAPER_ABSTRACT)]
    second = [(740.0, left, "F1", 9.0, PAPER_CAPTION)]
    second += [
        (726.0 - 12 * n, x, "F1", 8.5, cell)
        for n, row in enumerate(PAPER_TABLE)
        for x, cell in zip((left, left + 80, left + 140, left + 200), row, strict=True)
    ]
    pages = [first, second]
    # Page 1's columns start under the abstract; page 2's left one under the table, its right one at the top.
    for page, (left_lines, right_lines), (left_top, right_top) in zip(
        pages, PAPER_COLUMNS, [(616.0, 616.0), (656.0, 740.0)], strict=True
    ):
        for x, y, lines in ((left, left_top, left_lines), (right, right_top, right_lines)):
            for n, line in enumerate(lines):
                heading = line[0].isdigit() and len(line.split()) == 2
                page.append((y - leading * n, x, "F2" if heading else "F1", 9.0, line))

    objects: list[bytes] = [b"", b""]  # 1: catalog, 2: page tree, filled in below
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")  # 3
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold >>")  # 4
    kids = []
    for page in pages:
        ops = []
        # Top to bottom, and left to right along a row: across the gutter.
        for y, x, font, size, text in sorted(page, key=lambda item: (-item[0], item[1])):
            place = f"1 0 0 1 {x:g} {y:g} Tm" if size == 8.5 else f"{x:g} {y:g} Td"
            ops.append(f"BT /{font} {size:g} Tf {place} ({_escape(text)}) Tj ET")
        stream = "\n".join(ops).encode("latin-1")
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents %d 0 R >>" % (len(objects))
        )
        kids.append(len(objects))
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    return serialise(objects)
