"""What a file is, told from its content and never from its name alone: a PDF, an Office or OpenDocument file, a
picture, or text (a web page, Markdown, CSV, an e-mail, plain text); and every refusal a user can get for a file
that is none of these. The name only chooses among kinds the content allows: a ".docx" that holds text is read as
text, an ".html" that holds bytes is refused."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Literal

from rag.errors import PdfError

Kind = Literal["pdf", "image", "docx", "pptx", "xlsx", "odt", "odp", "ods", "html", "markdown", "csv", "email", "text"]
# The suffix a stored file of each kind takes (a picture is stored as the PDF it is turned into).
SUFFIX: dict[str, str] = {
    "pdf": ".pdf",
    "image": ".pdf",
    "docx": ".docx",
    "pptx": ".pptx",
    "xlsx": ".xlsx",
    "odt": ".odt",
    "odp": ".odp",
    "ods": ".ods",
    "html": ".html",
    "markdown": ".md",
    "csv": ".csv",
    "email": ".eml",
    "text": ".txt",
}
KIND_OF_SUFFIX = {suffix: kind for kind, suffix in SUFFIX.items() if kind != "image"}
# What the upload widgets and folder ingestion accept, by name; the content still decides.
ACCEPTED = (
    ".pdf", ".docx", ".pptx", ".xlsx", ".odt", ".odp", ".ods", ".html", ".htm", ".md", ".markdown", ".txt", ".csv",
    ".eml", ".png", ".jpg", ".jpeg", ".tif", ".tiff",
)  # fmt: skip
WHAT_WE_READ = (
    "DocChat reads PDF, Word (.docx, .odt), PowerPoint (.pptx, .odp), Excel (.xlsx, .ods, .csv), web pages, "
    "Markdown, text, e-mail (.eml) and pictures (.png, .jpg, .tiff)"
)
NOT_A_DOCUMENT = (
    "This file is not one DocChat can read (its content is {what}, whatever its name says). " + WHAT_WE_READ + "."
)
OLD_OFFICE = (
    "This is an older Office file (.doc, .xls or .ppt), which DocChat does not read: open it and save it as "
    ".docx, .xlsx or .pptx (or as PDF), then upload that."
)
LOCKED_OFFICE = "The file is password-protected; open it, remove the password, save it and upload it again."
EMPTY = "The file is empty (0 bytes)."
TOO_BIG = "The file is {mb:.1f} MB, over the {limit} MB limit."

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the Compound File format of old Office files, and of encrypted new ones
_IMAGES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")
_OOXML = {"word/document.xml": "docx", "ppt/presentation.xml": "pptx", "xl/workbook.xml": "xlsx"}
_ODF = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.presentation": "odp",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
}
# An e-mail starts with header fields; these are the ones every real message has one of near its top.
_MAIL_HEADER = re.compile(
    rb"^(?:From|To|Subject|Date|Received|Return-Path|Message-ID|MIME-Version|Delivered-To):", re.I | re.M
)
_HTML = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S)
_TAGS = re.compile(rb"<(?:p|div|h[1-6]|table|ul|title|br|span|a)\b", re.I)
# Text has few control characters; a binary file (an image, an executable) many, within its first block.
_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
SNIFF_BYTES = 8192


def check_size(data: bytes, max_bytes: int) -> None:
    if not data:
        raise PdfError(EMPTY)
    if len(data) > max_bytes:
        raise PdfError(TOO_BIG.format(mb=len(data) / 1_048_576, limit=max_bytes // 1_048_576))


NOT_PDF = "This is not a PDF file (its content is not PDF, whatever its name says)."
NOT_CLAIMED = "This is not {claimed} file (its content is {what}, whatever its name says)."
# A name that says a binary format promises it: a ".docx" holding text is a mistake to tell the user of, not text
# to index (a file renamed by hand, a download that saved an error page).
_OFFICE = {"docx", "pptx", "xlsx", "odt", "odp", "ods"}
_CLAIMS = {
    **dict.fromkeys((".docx", ".pptx", ".xlsx", ".odt", ".odp", ".ods"), ("an Office", _OFFICE)),
    **dict.fromkeys((".png", ".jpg", ".jpeg", ".tif", ".tiff"), ("a picture", {"image"})),
}
_WHAT = {"pdf": "a PDF", "image": "a picture", "html": "a web page", "email": "an e-mail", "csv": "text",
         "markdown": "text", "text": "text"}  # fmt: skip


def identify(data: bytes, filename: str = "") -> Kind:
    """The kind of the file, from its content; PdfError with the reason when DocChat does not read it."""
    name = filename.lower()
    # The PDF spec allows junk before the header, and real files have some; 1 KiB is what readers accept.
    if b"%PDF-" in data[:1024]:
        kind: Kind = "pdf"
    elif name.endswith(".pdf"):
        raise PdfError(NOT_PDF)
    else:
        kind = _content_kind(data, name)
    claimed = next((claim for suffix, claim in _CLAIMS.items() if name.endswith(suffix)), None)
    if claimed and kind not in claimed[1]:
        raise PdfError(NOT_CLAIMED.format(claimed=claimed[0], what=_WHAT.get(kind, "another kind of document")))
    return kind


def _content_kind(data: bytes, name: str) -> Kind:
    head = data[:SNIFF_BYTES]
    if head.startswith(_IMAGES):
        return "image"
    if head.startswith(_ZIP):
        return _archive_kind(data)
    if head.startswith(_OLE):
        # An Office file saved with a password is an encrypted package inside this older container.
        if "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data:
            raise PdfError(LOCKED_OFFICE)
        raise PdfError(OLD_OFFICE)
    if _CONTROL.search(head.lstrip(b"\xef\xbb\xbf")) and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise PdfError(NOT_A_DOCUMENT.format(what="binary data"))
    return _text_kind(head, name)


def _archive_kind(data: bytes) -> Kind:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            for part, kind in _OOXML.items():
                if part in names:
                    return kind  # type: ignore[return-value]
            if "mimetype" in names:
                info = archive.getinfo("mimetype")
                if info.file_size < 200:
                    mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
                    if mimetype in _ODF:
                        return _ODF[mimetype]  # type: ignore[return-value]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, NotImplementedError, EOFError):
        raise PdfError("The file is damaged or truncated (a broken ZIP archive) and cannot be read.") from None
    raise PdfError(NOT_A_DOCUMENT.format(what="a ZIP archive"))


def _text_kind(head: bytes, name: str) -> Kind:
    if name.endswith((".csv", ".tsv")):
        return "csv"
    if name.endswith((".md", ".markdown")):
        return "markdown"
    if _HTML.match(head.lstrip(b"\xef\xbb\xbf")) or (name.endswith((".html", ".htm")) and _TAGS.search(head)):
        return "html"
    if name.endswith(".eml") or _looks_like_mail(head):
        return "email"
    return "text"


def _looks_like_mail(head: bytes) -> bool:
    """Several header fields in its first lines, before any blank line."""
    top = head.split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    return len(_MAIL_HEADER.findall(top)) >= 3
