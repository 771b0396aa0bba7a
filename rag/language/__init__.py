"""Languages: which one a text is written in (detect), and the app's own words in it (words)."""

from rag.language.detect import LANGUAGES, NAMES, detect, detect_document, name
from rag.language.words import translator

__all__ = ["LANGUAGES", "NAMES", "detect", "detect_document", "name", "translator"]
