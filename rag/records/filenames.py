"""The names documents are shown and stored under: the user's own, made safe, and never two alike."""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from rag.database.tables import Document

# Controls (C0 and C1, NEL among them), line and paragraph separators, and what file systems refuse.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029/\\:*?\"<>|]+")
# Bidirectional controls reorder what is shown: "invoice\u202efdp.exe" displays as "invoiceexe.pdf".
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def display_name(name: str) -> str:
    """The user's file name, safe to show and store: no directories, no control characters."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", _BIDI.sub("", name)).strip(" ._")
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = f"{stem[:190]}{dot}{ext}" if dot and len(ext) <= 8 else name[:200]
    return name or "document.pdf"


def unique_name(session: Session, name: str, doc_id: str, workspace_id: str) -> str:
    """`name`, or "name (2).pdf" when another document of the workspace is already called so: two files that
    look the same in the library, in "Search in" and in the source chips cannot be told apart."""
    taken = set(
        session.scalars(
            select(Document.filename).where(
                Document.workspace_id == workspace_id,
                Document.doc_id != doc_id,
                Document.status.in_(("queued", "indexing", "indexed", "trashed")),
            )
        )
    )
    stem, dot, ext = name.rpartition(".") if "." in name else (name, "", "")
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{stem} ({n}){dot}{ext}", n + 1
    return candidate


def remove_stored(uploads_dir: Path, doc_id: str) -> None:
    """The stored file of a content, whatever its kind ("<hash>.pdf", ".docx" ...), and a half-written one."""
    for path in uploads_dir.glob(f"{doc_id}.*"):
        path.unlink(missing_ok=True)


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)
