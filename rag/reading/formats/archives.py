"""An Office or OpenDocument file is a ZIP archive: its entries are counted and their unpacked sizes added up from
the archive's directory before a byte is inflated, so a "ZIP bomb" (a few kilobytes that unpack to gigabytes) is
refused with its reason instead of filling the reader's memory. The reader's child process has a memory limit too
(rag/reading/reader.py guarded): this check names the cause, the limit stops what it misses (a directory that lies
about the sizes stops at the limit, as a damaged file)."""

from __future__ import annotations

import io
import struct
import zipfile

from rag.errors import PdfError

# Word, PowerPoint and Excel files hold a few dozen entries; a deck of 200 slides with their pictures about 1,000.
MAX_ENTRIES = 5_000
# What an archive may unpack to in all. The largest real file among the python-docx, python-pptx, openpyxl and
# odfpy test files and Debian's templates unpacks to 14 MB; a workbook of 200,000 filled rows to about 100 MB.
MAX_UNPACKED = 300 * 1_048_576
# How many times its packed size one entry may unpack to. XML packs 5-20 times; a bomb packs a million times.
MAX_RATIO = 200
# The pictures in a deck or a document are not read, but a hostile one is not kept either: a picture's size is in
# the first bytes of its file, and a real slide's photo is under 50 megapixels (a 100-megapixel picture is 400 MB
# once drawn).
MAX_PICTURE_PIXELS = 50_000_000
_WHY = "; DocChat does not read it, to protect the server."
BOMB = "This file unpacks to far more than any real document ({what})" + _WHY
ENCRYPTED_ENTRY = "Part of this file is encrypted; remove the password, save it and upload it again."
DAMAGED = "The file is damaged or truncated (a broken ZIP archive) and cannot be read."
HUGE_PICTURE = "This file holds a picture of {mp:,} megapixels, far over what a real document holds (50)" + _WHY


def checked(data: bytes) -> zipfile.ZipFile:
    """The archive, opened, once its directory shows nothing a real document would not hold."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, NotImplementedError, EOFError):
        raise PdfError(DAMAGED) from None
    if len(entries) > MAX_ENTRIES:
        raise PdfError(BOMB.format(what=f"over {MAX_ENTRIES:,} parts"))
    total = 0
    for entry in entries:
        if entry.flag_bits & 0x1:
            raise PdfError(ENCRYPTED_ENTRY)
        total += entry.file_size
        if entry.file_size > 1_048_576 and entry.file_size > MAX_RATIO * max(entry.compress_size, 1):
            raise PdfError(BOMB.format(what=f"a part packed {entry.file_size // max(entry.compress_size, 1):,} times"))
    if total > MAX_UNPACKED:
        raise PdfError(BOMB.format(what=f"{total / 1_048_576:,.0f} MB unpacked"))
    for entry in entries:
        if entry.filename.lower().startswith(("word/media/", "ppt/media/", "xl/media/", "pictures/")):
            pixels = picture_pixels(archive, entry)
            if pixels > MAX_PICTURE_PIXELS:
                raise PdfError(HUGE_PICTURE.format(mp=pixels // 1_000_000))
    return archive


def picture_pixels(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> int:
    """Width times height, read from a PNG's or a JPEG's header (the first 64 KiB at most); 0 when not told."""
    try:
        with archive.open(entry) as stream:
            head = stream.read(65_536)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
        return 0
    if head.startswith(b"\x89PNG\r\n\x1a\n") and len(head) >= 24:
        width, height = struct.unpack(">II", head[16:24])
        return width * height
    if head.startswith(b"\xff\xd8"):
        return _jpeg_pixels(head)
    return 0


def _jpeg_pixels(head: bytes) -> int:
    at = 2
    while at + 9 < len(head):
        if head[at] != 0xFF:
            return 0
        marker = head[at + 1]
        length = struct.unpack(">H", head[at + 2 : at + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            height, width = struct.unpack(">HH", head[at + 5 : at + 9])
            return width * height
        at += 2 + length
    return 0


def read_entry(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        return archive.read(name)
    except KeyError:
        raise PdfError(DAMAGED) from None
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
        raise PdfError(DAMAGED) from None
