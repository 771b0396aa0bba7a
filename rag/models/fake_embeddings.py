"""A fake embedding model for the fast tests and the benchmarks (EMBEDDINGS_PROVIDER=fake): a hashed bag of words.

Texts that share words (their plurals and other forms too, and through character 3-grams, parts of words) come
out close; texts that share none come out near orthogonal. It knows nothing of meaning: a paraphrase in other
words is as far as an unrelated sentence, so tests of retrieval or quote quality need the real model (the slow
tier).

Instant and the same on every machine: each feature is hashed with blake2b (Python's hash() is salted per
process) to an integer weight, and the only float operations are one correctly rounded square root and
divisions, so no CPU's vector units or number formats can change a vector.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from hashlib import blake2b

from langchain_core.embeddings import Embeddings

FAKE_MODEL_NAME = "docchat-fake:hashed-words-v1"
# MiniLM's: a store built with either has the same shape, yet the name keeps the two from being mixed.
FAKE_DIMENSION = 384
# A word weighs as much as three 3-grams: sharing a word counts more than sharing a part of one.
WORD_WEIGHT = 3
_WORD = re.compile(r"[a-z0-9_]+")
_ENDINGS = (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""))
# Words that every passage has: counted, they would make any two English texts look alike.
_STOP_WORDS = frozenset(
    "a an and are as at be been but by can do does for from has have how i if in into is it its of on or so"
    " than that the their them then there these they this to was we were what when where which who why will"
    " with you your".split()
)


@lru_cache(maxsize=1 << 16)
def _slot(feature: str) -> tuple[int, int]:
    """The dimension a feature adds to and its sign (+1 or -1), so that collisions cancel out on average."""
    h = int.from_bytes(blake2b(feature.encode(), digest_size=8).digest(), "big")
    return h % FAKE_DIMENSION, 1 if (h >> 32) & 1 else -1


def _stem(word: str) -> str:
    """The word without an English ending, crudely ("owls", "budgeted", "hunting"): forms of a word are one word."""
    for ending, replacement in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3 and not word.endswith("ss"):
            return word[: -len(ending)] + replacement
    return word


def _features(text: str) -> list[tuple[str, int]]:
    words = _WORD.findall(text.lower())
    kept = [w for w in words if w not in _STOP_WORDS] or words
    features: list[tuple[str, int]] = []
    for word in kept:
        features.append(("w:" + _stem(word), WORD_WEIGHT))
        padded = f"#{word}#"
        features.extend(("g:" + padded[i : i + 3], 1) for i in range(len(padded) - 2))
    # A text without a single word still gets a unit vector, the same one for all such texts.
    return features or [("empty", 1)]


def embed(text: str) -> list[float]:
    counts = [0] * FAKE_DIMENSION
    for feature, weight in _features(text):
        slot, sign = _slot(feature)
        counts[slot] += sign * weight
    # Integers up to here; the squares sum exactly, and sqrt and division are correctly rounded everywhere.
    norm = math.sqrt(sum(c * c for c in counts))
    if norm == 0:  # every feature cancelled out: rare, but a zero vector has no direction to compare
        counts[_slot("empty")[0]] = 1
        norm = 1.0
    return [c / norm for c in counts]


class HashedWordEmbeddings(Embeddings):
    """Unit vectors of hashed words and 3-grams: dot product is cosine, as with the normalised MiniLM."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [embed(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return embed(text)
