"""Which language a text is written in: a document's, at ingestion, and a question's, when it is asked.

py3langid ships its model (a naive Bayes over byte n-grams) inside the package, so it answers offline, in
about a millisecond for a question. Languages are ISO 639-1 codes ("en", "de", "fr").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

# The languages a library is told apart in, with the names people read in the notes that name one ("this
# document is in German"). Restricted, because on a short question the model's full 142 languages guess wrong
# more often (an English question with two program names came out Latin, Luxembourgish or Malay), and a library's
# languages are, in practice, among these: the EU's and the most spoken others that the multilingual embedder reads
# (multilingual-e5-small: about a hundred).
NAMES = {
    "en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian", "pt": "Portuguese",
    "nl": "Dutch", "sv": "Swedish", "da": "Danish", "no": "Norwegian", "fi": "Finnish", "is": "Icelandic",
    "pl": "Polish", "cs": "Czech", "sk": "Slovak", "sl": "Slovenian", "hr": "Croatian", "hu": "Hungarian",
    "ro": "Romanian", "bg": "Bulgarian", "el": "Greek", "ru": "Russian", "uk": "Ukrainian", "tr": "Turkish",
    "lt": "Lithuanian", "lv": "Latvian", "et": "Estonian", "ca": "Catalan", "eu": "Basque", "gl": "Galician",
    "ar": "Arabic", "he": "Hebrew", "fa": "Persian", "hi": "Hindi", "bn": "Bengali", "ur": "Urdu",
    "id": "Indonesian", "ms": "Malay", "vi": "Vietnamese", "th": "Thai", "zh": "Chinese", "ja": "Japanese",
    "ko": "Korean",
}  # fmt: skip
LANGUAGES = tuple(NAMES)
# Below this many letters there is too little to tell: "kernel?" is no language.
MIN_LETTERS = 12
# How much of a document is read to tell its language: pages spread over all of it, so that an English
# licence or a title page does not decide for a German manual.
SAMPLE_PAGES = 24
SAMPLE_CHARS_PER_PAGE = 1500
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)


@cache
def _identifier() -> LanguageIdentifier:
    # Loaded once per process (0.2 s); the identifier only reads its model afterwards.
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(LANGUAGES)
    return identifier


def detect(text: str) -> str | None:
    """The language of `text`, or None where there are too few letters to tell."""
    if len(_LETTERS.findall(text)) < MIN_LETTERS:
        return None
    language, _probability = _identifier().classify(text)
    return str(language)


def detect_document(pages: Sequence[str]) -> str | None:
    """The language of a document from its pages' text: a sample spread over all of it."""
    filled = [text for text in pages if text.strip()]
    if not filled:
        return None
    step = max(1, len(filled) // SAMPLE_PAGES)
    sample = "\n".join(text[:SAMPLE_CHARS_PER_PAGE] for text in filled[::step][:SAMPLE_PAGES])
    return detect(sample)


def name(language: str | None) -> str:
    return NAMES.get(language or "", language or "an unknown language")
