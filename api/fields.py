"""Constraints shared by the request bodies, written so that the OpenAPI schema says what the routes accept."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

# Some character Python's str.strip() keeps. The use cases strip a title, a name or a question and refuse what is
# left empty, so a body of spaces was valid by the schema (minLength 1) and refused with 422. Spelt out rather
# than \S: Python's \s, JavaScript's (JSON Schema's) and Rust's (pydantic's) disagree on \x1c-\x1f, \x85, \ufeff.
NOT_BLANK = r"[^\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"


class Body(BaseModel):
    """A request body, read as strictly as its schema reads: pydantic's lax mode took "5" for 5, 1 for true and 1.5
    for "1.5", requests the schema calls invalid."""

    model_config = ConfigDict(strict=True)
