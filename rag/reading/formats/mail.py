"""An e-mail (.eml, with the standard library's email package): the message, its sender, recipients, date and
subject first, then its text (the plain part, or the HTML part read as text), cited as "the message"; each text
attachment is a part of its own, cited by its name. Other attachments are named, never opened."""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage

from rag.errors import PdfError
from rag.reading.formats.units import Unit, clean, runs
from rag.reading.formats.web import read_html

NOTHING = "The e-mail holds no text to search."
# Attachments read as text: what a person attaches as notes. A Word file inside a mail is not followed.
_TEXT_TYPES = frozenset({"text/plain", "text/markdown", "text/csv", "text/html"})
MAX_PARTS = 50


def read_email(data: bytes) -> tuple[list[Unit], str | None]:
    try:
        message = email.message_from_bytes(data, policy=policy.default)
    except (ValueError, TypeError, LookupError, IndexError) as exc:
        raise PdfError("The e-mail is damaged and cannot be read.") from exc
    if not isinstance(message, EmailMessage):
        raise PdfError("The e-mail is damaged and cannot be read.")
    subject = clean(str(message.get("Subject") or ""))
    parts = _cut(_message_text(message), "the message", (subject,) if subject else ())
    others = []
    for count, part in enumerate(_attachments(message)):
        if count >= MAX_PARTS:
            break
        name = clean(part.get_filename() or "") or f"attachment {count + 1}"
        kind = part.get_content_type()
        forwarded = part.get_payload()[0] if kind == "message/rfc822" and part.is_multipart() else None
        if isinstance(forwarded, EmailMessage):
            # A message forwarded as an attachment: its own sender, date, subject and text, a part of its own.
            forwarded_subject = clean(str(forwarded.get("Subject") or "")) or name
            place = f"forwarded message “{forwarded_subject}”"
            parts += _cut(_message_text(forwarded), place, (forwarded_subject,))
            continue
        if kind in _TEXT_TYPES:
            text = _part_text(part)
            if text.strip():
                parts += _cut(text, f"attachment “{name}”", (name,))
                continue
        others.append(f"{name} ({kind})")
    if others:
        parts[0] = Unit(parts[0].text + "\nAttachments not read: " + ", ".join(others), "part", "the message",
                        parts[0].starts)  # fmt: skip
    if not any(page.text.strip() for page in parts):
        raise PdfError(NOTHING)
    return parts, subject or None


def _cut(text: str, place: str, starts: tuple[str, ...]) -> list[Unit]:
    """A part as units of at most UNIT_CHARS, as a Word file's long section is cut: one passage a unit is read for
    an answer, so a long message as one unit offered one of its passages (a newsletter of 50,000 characters, one
    of 60). No message of the formats set is that long: its dev figures did not move (bench/formats.py)."""
    return [
        Unit("\n".join(lines), "part", place + (" (continued)" if n else ""), starts if not n else ())
        for n, (_, lines) in enumerate(runs(text.splitlines()))
    ] or [Unit("", "part", place, starts)]


def _message_text(message: EmailMessage) -> str:
    """Who sent it to whom, when, about what, then its text."""
    head = [f"{name}: {clean(str(message[name]))}" for name in ("From", "To", "Cc", "Date", "Subject") if message[name]]
    return "\n".join([*head, "", _body_text(message)]).strip()


def _attachments(message: EmailMessage) -> list[EmailMessage]:
    try:
        return list(message.iter_attachments())
    except (KeyError, ValueError, TypeError, LookupError, AttributeError):
        return []


def _body_text(message: EmailMessage) -> str:
    try:
        part = message.get_body(preferencelist=("plain", "html"))
    except (KeyError, ValueError, TypeError, LookupError, AttributeError):
        part = None
    return _part_text(part) if part is not None else ""


def _part_text(part: EmailMessage) -> str:
    try:
        content = part.get_content()
    except (KeyError, ValueError, TypeError, LookupError, AttributeError, UnicodeError, AssertionError):
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if isinstance(content, bytes):
        content = content.decode("utf-8", "replace")
    if not isinstance(content, str):
        return ""
    if part.get_content_type() == "text/html":
        try:
            parts, _ = read_html(content.encode("utf-8"))
        except PdfError:
            return ""
        return "\n".join(unit.text for unit in parts)
    return "\n".join(line.rstrip() for line in content.splitlines()).strip()
