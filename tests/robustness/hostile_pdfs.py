"""Builds hostile and degenerate PDFs in code, small on disk however large they inflate.

A deflate stream of N identical blocks is made by compressing the block once and repeating its bytes: a
full flush ends each copy on a byte boundary with no reference to earlier data, so the copies concatenate
into one valid stream. A 1 GiB bomb then takes 0.3 s to build instead of 6.5 s through compressobj, and
never holds more than one block in memory.

Each bomb is page 2, after an ordinary page, so a refusal must name the right page.
"""

from __future__ import annotations

import io
import struct
import zlib

from tests.pdfs import serialise

MIB = 1 << 20
FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
FONT_RESOURCES = b"<< /Font << /F1 3 0 R >> >>"
TEXT_HEAD = b"BT /F1 9 Tf 10 TL 40 800 Td\n(This page looks like any other.) Tj T*\n"


def deflate_parts(parts: list[tuple[bytes, int]]) -> bytes:
    """A zlib stream that inflates to each (block, times) in turn, built without inflating anything."""
    out = [b"\x78\xda"]
    checksum = 1
    for block, times in parts:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        out.append((compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)) * times)
        for _ in range(times):
            checksum = zlib.adler32(block, checksum)
    out.append(zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH))
    out.append(struct.pack(">I", checksum))
    return b"".join(out)


def stream(data: bytes, extra: bytes = b"", flate: bool = True) -> bytes:
    head = b"/Filter /FlateDecode " if flate else b""
    return b"<< %s%s/Length %d >>\nstream\n%s\nendstream" % (head, extra, len(data), data)


def assemble(pages: list[tuple[bytes, bytes]], extra: list[bytes] = ()) -> bytes:
    """A PDF from (content stream object, resources) per page. Objects 1-3 are the catalog, the page tree
    and Helvetica; `extra` objects are numbered from 4, before the pages'."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"", FONT, *extra]
    kids = []
    for content, resources in pages:
        objects.append(content)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 842] /Resources %s /Contents %d 0 R >>"
            % (resources, len(objects))
        )
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    return serialise(objects)


def _escape(text: str) -> bytes:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("latin-1")


def text_page(lines: list[str], head: bytes = TEXT_HEAD) -> tuple[bytes, bytes]:
    ops = head + b"".join(b"(%s) Tj T*\n" % _escape(line) for line in lines) + b"ET"
    return stream(zlib.compress(ops)), FONT_RESOURCES


COVER = text_page(["An ordinary first page: the frobnicator manual starts here."])


def _after_cover(data: bytes, resources: bytes = FONT_RESOURCES, extra: list[bytes] = ()) -> bytes:
    return assemble([COVER, (stream(data), resources)], extra)


def flate_bomb(mib: int = 1024, fill: bytes = b"\0") -> bytes:
    """Page 2's content stream inflates to `mib` MiB of `fill` (NUL and space are PDF whitespace)."""
    return _after_cover(deflate_parts([(TEXT_HEAD + b"ET\n", 1), (fill * MIB, mib)]))


def text_operator_bomb(mib: int = 40) -> bytes:
    """Page 2 holds `mib` MiB of text-showing operators: every byte of them becomes a glyph PDFium keeps."""
    line = b"(" + b"A" * 58 + b") Tj\n"  # 64 bytes, so a block is exactly 1 MiB
    return _after_cover(deflate_parts([(TEXT_HEAD, 1), (line * (MIB // len(line)), mib), (b"ET\n", 1)]))


def path_operator_bomb(mib: int = 64) -> bytes:
    """Page 2 holds `mib` MiB of tiny path operators: every 16 bytes become a path object."""
    line = b"1 1 m 2 2 l S\n  "
    return _after_cover(deflate_parts([(TEXT_HEAD + b"ET\n", 1), (line * (MIB // len(line)), mib)]))


def busy_page_pdf(mib: int = 128) -> bytes:
    """Page 2 holds `mib` MiB of save/restore pairs: seconds of parsing in little memory (128 MiB: 10 s and
    0.3 GB, measured)."""
    return _after_cover(deflate_parts([(TEXT_HEAD + b"ET\n", 1), (b"q Q\n" * (MIB // 4), mib)]))


def form_xobject_bomb(mib: int = 1024, draws: int = 1) -> bytes:
    """Page 2 draws a Form XObject `draws` times; the form's content inflates to `mib` MiB. PDFium parses
    a form's content once per draw."""
    body = deflate_parts([(b"\0" * MIB, mib)]) if mib else zlib.compress(b"0 0 m 1 1 l S\n")
    form = stream(body, b"/Type /XObject /Subtype /Form /BBox [0 0 612 842] /Resources << >> ")
    content = zlib.compress(TEXT_HEAD + b"ET\n" + b"/Fx Do\n" * draws)
    return _after_cover(content, b"<< /Font << /F1 3 0 R >> /XObject << /Fx 4 0 R >> >>", [form])


def nested_form_bomb(depth: int = 6, fanout: int = 8, leaf_kib: int = 1) -> bytes:
    """Forms that each draw the next one `fanout` times: a 2 KB file, fanout**depth parses of the leaf."""
    leaf = zlib.compress(b"0 0 m 1 1 l S\n" * (leaf_kib * 1024 // 14))
    forms = [stream(leaf, b"/Subtype /Form /BBox [0 0 1 1] ")]
    for level in range(1, depth):
        inner = b"/Subtype /Form /BBox [0 0 1 1] /Resources << /XObject << /X %d 0 R >> >> " % (3 + level)
        forms.append(stream(zlib.compress(b"/X Do\n" * fanout), inner))
    resources = b"<< /Font << /F1 3 0 R >> /XObject << /X %d 0 R >> >>" % (3 + len(forms))
    return _after_cover(zlib.compress(TEXT_HEAD + b"ET\n" + b"/X Do\n" * fanout), resources, forms)


def font_stream_bomb(key: bytes = b"/ToUnicode", mib: int = 1024) -> bytes:
    """Page 2's text uses a font whose `key` stream (/ToUnicode, or a font file: /FontFile2) inflates to
    `mib` MiB; PDFium loads it whole to read the text."""
    bomb = stream(deflate_parts([(b"\0" * MIB, mib)]))
    if key == b"/ToUnicode":
        extra = [bomb, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 4 0 R >>"]
    else:
        extra = [
            bomb,
            b"<< /Type /Font /Subtype /TrueType /BaseFont /Bomb /FirstChar 32 /LastChar 126 /FontDescriptor 6 0 R >>",
            b"<< /Type /FontDescriptor /FontName /Bomb /Flags 32 /FontBBox [0 0 1000 1000] /ItalicAngle 0 "
            b"/Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 %s 4 0 R >>" % key,
        ]
    return _after_cover(zlib.compress(TEXT_HEAD + b"ET\n"), b"<< /Font << /F1 5 0 R >> >>", extra)


def type3_glyph_bomb(mib: int = 1024) -> bytes:
    """Page 2's text uses a Type3 font whose glyph procedure inflates to `mib` MiB."""
    proc = stream(deflate_parts([(b"0 0 0 0 0 0 d1\n", 1), (b"\0" * MIB, mib)]))
    font = (
        b"<< /Type /Font /Subtype /Type3 /FontBBox [0 0 1 1] /FontMatrix [0.001 0 0 0.001 0 0] "
        b"/CharProcs << /A 4 0 R >> /Encoding << /Type /Encoding /Differences [65 /A] >> "
        b"/FirstChar 65 /LastChar 65 /Widths [1000] >>"
    )
    content = zlib.compress(TEXT_HEAD + b"ET BT /F2 12 Tf 50 50 Td (AAAA) Tj ET\n")
    return _after_cover(content, b"<< /Font << /F1 3 0 R /F2 5 0 R >> >>", [proc, font])


def inline_image_bomb(mib: int = 1024) -> bytes:
    """Page 2's content (not compressed itself) holds an inline image whose data inflates to `mib` MiB."""
    data = deflate_parts([(b"\0" * MIB, mib)])
    image = b"q 100 0 0 100 0 0 cm BI /W 16384 /H %d /BPC 8 /CS /G /F /Fl ID " % (mib * 64) + data + b"\nEI Q\n"
    return assemble([COVER, (stream(TEXT_HEAD + b"ET\n" + image, flate=False), FONT_RESOURCES)])


def many_chars_pdf(chars: int) -> bytes:
    """Page 2 is an ordinary page whose text layer holds `chars` characters and more (tiny type)."""
    line = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor " * 2)[:100]
    head = b"BT /F1 1 Tf 1.1 TL 10 830 Td\n"
    return assemble([COVER, text_page([line] * (chars // 100 + 1), head)])


def text_pdf(pages: int, lines: int = 1) -> bytes:
    """`pages` pages of distinct prose, `lines` lines of ~80 characters each."""
    return assemble(
        [
            text_page(
                [f"Page {p}, line {i}: the frobnicator manual explains setup step {p * 100 + i}." for i in range(lines)]
            )
            for p in range(1, pages + 1)
        ]
    )


def blank_pdf(pages: int = 2) -> bytes:
    return assemble([(stream(b"", flate=False), b"<< >>")] * pages)


def image_only_pdf(text: str = "Scanned invoice 42: total due 1,234.56 EUR") -> bytes:
    """A page that is only a picture of text, as a scanner without OCR makes it."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (850, 1100), 255)
    draw = ImageDraw.Draw(image)
    for row in range(20):
        draw.text((60, 60 + row * 48), text, fill=0)
    out = io.BytesIO()
    image.save(out, "PDF", resolution=100.0)
    return out.getvalue()


# What opening a file (pypdf, rag/reading/reader.py open_isolated) meets before any page is read.


def deep_page_tree_pdf(depth: int = 3000) -> bytes:
    """One page under `depth` nested page-tree nodes: pypdf gives up past 100, a recursive walk would overflow."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for level in range(depth):  # nodes 2 .. depth + 1, each the only kid of the one before
        parent = b"/Parent %d 0 R " % (level + 1) if level else b""
        objects.append(b"<< /Type /Pages %s/Kids [%d 0 R] /Count 1 >>" % (parent, level + 3))
    page = len(objects) + 1
    objects.append(
        b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 842] /Resources << /Font << /F1 %d 0 R >> >> "
        b"/Contents %d 0 R >>" % (page - 1, page + 2, page + 1)
    )
    objects += [COVER[0], FONT]
    return serialise(objects)


def certificate_encrypted_pdf() -> bytes:
    """Encrypted for its recipients' certificates (/Adobe.PubSec): a security handler pypdf does not have."""
    handler = b"<< /Filter /Adobe.PubSec /SubFilter /adbe.pkcs7.s5 /V 4 /Length 128 /Recipients [<3082>] >>"
    return serialise([*_one_page_objects(), handler], trailer=b"/Encrypt 6 0 R /ID [<01> <01>]")


def _one_page_objects() -> list[bytes]:
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 842] /Resources << /Font << /F1 5 0 R >> >> "
        b"/Contents 4 0 R >>",
        COVER[0],
        FONT,
    ]


def object_stream_bomb(mib: int = 80, pages: int = 1) -> bytes:
    """`pages` pages, each kept in an object stream of its own that inflates to `mib` MiB: opening the file
    (counting its pages) inflates them all. At 80 MiB one is past pypdf's 75 MB cap; twenty of 70 MiB are each
    under it, and 1.4 GB together."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets: dict[int, int] = {}

    def write(number: int, body: bytes) -> None:
        offsets[number] = out.tell()
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))

    # 1 catalog, 2 page tree, 3 font, 4 content; pages are 5 .. 4 + pages, each in object stream 4 + pages + n.
    first_page, first_stream = 5, 5 + pages
    kids = b" ".join(b"%d 0 R" % (first_page + n) for n in range(pages))
    write(1, b"<< /Type /Catalog /Pages 2 0 R >>")
    write(2, b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages))
    write(3, FONT)
    write(4, COVER[0])
    for n in range(pages):
        page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 842] /Resources %s /Contents 4 0 R >>" % FONT_RESOURCES
        header = b"%d 0 " % (first_page + n)
        body = deflate_parts([(header + page + b"\n", 1), (b" " * MIB, mib)])
        write(first_stream + n, stream(body, b"/Type /ObjStm /N 1 /First %d " % len(header)))
    size = first_stream + pages + 1
    rows = [b"\x00" + (0).to_bytes(4, "big") + b"\xff\xff"]
    for number in range(1, size - 1):
        if first_page <= number < first_stream:
            rows.append(b"\x02" + (first_stream + number - first_page).to_bytes(4, "big") + b"\x00\x00")
        else:
            rows.append(b"\x01" + offsets[number].to_bytes(4, "big") + b"\x00\x00")
    xref = out.tell()
    rows.append(b"\x01" + xref.to_bytes(4, "big") + b"\x00\x00")
    table = b"".join(rows)
    out.write(
        b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n%s\nendstream\nendobj\n"
        % (size - 1, size, len(table), table)
    )
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def object_stream_of_another_type() -> bytes:
    """The page tree in an object stream that does not say it is one: pypdf asserts, and its AssertionError once
    escaped. bench/fuzz_intake.py found it (crash-72446077…, 263 KB), rebuilt here small."""
    return object_stream_bomb(1, pages=1).replace(b"/Type /ObjStm", b"/Type /XObjct")
