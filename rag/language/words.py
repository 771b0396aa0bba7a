"""The app's own words in the reader's language: what it says when the documents do not answer, the doubt under
weak quotes, the heading over them and the refusal of a question too long. English is the source; the
catalogues are gettext's, one `.po` file a language in rag/language/locale/, read with Babel when first needed (no
compiled `.mo` file to keep in step). A language without a catalogue, or a text without a translation, reads as
English.

Translators: copy a catalogue, translate each msgstr, and keep every {placeholder} as it is.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE = Path(__file__).parent / "locale"
DOMAIN = "docchat"


def catalogued() -> list[str]:
    """The languages with a catalogue, besides English."""
    return sorted(p.parent.parent.name for p in LOCALE.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


@cache
def _translations(language: str) -> gettext.NullTranslations:
    path = LOCALE / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.is_file():
        return gettext.NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def translator(language: str | None) -> Callable[[str], str]:
    """gettext for `language` (an ISO 639-1 code; None or "en": English as written)."""
    if not language or language == "en":
        return str
    return _translations(language).gettext
