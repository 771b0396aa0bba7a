"""Checks each sentence of an answer against the passages it cites, and marks the ones nothing supports.

A sentence counts as supported when most of its content words occur in the sources, or when its
embedding is close to a sentence window of a source. Both are needed: the lexical test catches
close paraphrases with exact names and numbers, the embedding test catches paraphrases in other words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from langchain_core.embeddings import Embeddings

from rag.schemas import SentenceCheck
from rag.text import answer_sentences, content_words, flat

# Chosen on the even lines of bench/qa/grounding.jsonl, reported on the odd ones (bench/grounding.py).
MIN_OVERLAP = 0.6
MIN_SIMILARITY = 0.7
# Sentences with fewer content words than this ("Sure!", "See page 4.") say nothing to check.
MIN_WORDS = 3
WINDOW_SENTENCES = 2

_CITATION = re.compile(r"\[\s*(?:p\.?|page)\s*[\d,\s–-]+\]", re.I)
_NUMBER = re.compile(r"\b\d+(?:\.\d+)?\b")


def split_sentences(text: str) -> list[str]:
    """The answer's sentences, each exactly as written, so marks can be placed back into the text."""
    return answer_sentences(text)


def source_windows(texts: Sequence[str]) -> list[str]:
    windows = []
    for text in texts:
        sentences = split_sentences(flat(text)) or [text]
        for i in range(len(sentences)):
            windows.append(" ".join(sentences[i : i + WINDOW_SENTENCES]))
    return windows


# A token of a question that names something: a version or number, an identifier, an acronym, a camel-cased or
# capitalised word, or a file extension. Lower-case words are left out: users paraphrase those freely.
_TOKEN = re.compile(r"\.?[A-Za-z0-9][\w.]*[\w]|\.?[A-Za-z0-9]")
_INNER_PUNCTUATION = re.compile(r"(?<=[a-z0-9])[._-](?=[a-z0-9])")
_SENTENCE_START = re.compile(r"(?:^|[.?!:]\s+)[\"'(]*$")


def named_terms(question: str) -> list[str]:
    """The names in a question: "Vulkan", "MSVC", "TikZ", "4.19.0", "ASN1_MAX_NAME_SIZE", "pptx"."""
    terms = []
    for match in _TOKEN.finditer(question):
        token = re.sub(r"['’]s$", "", match.group().rstrip("."))
        word = token.lstrip(".")
        if len(word) < 2:
            continue
        capitalised = word[0].isupper() and word[1:].islower()
        at_sentence_start = bool(_SENTENCE_START.search(question[: match.start()]))
        if (
            token.startswith(".")  # a file extension
            or any(c.isdigit() for c in word)
            or "_" in word
            or any(c.isupper() for c in word[1:])  # MSVC, TikZ, iPad, macOS
            or (capitalised and not at_sentence_start)
        ):
            terms.append(word)
    return list(dict.fromkeys(terms))


def mentions(text: str, term: str) -> bool:
    """Whether `text` names `term`, as a word prefix, which forgives plurals and suffixes (PDFs, Makefiles)
    but no other name. Case and inner punctuation are ignored: "X.509" is "X509", "pdf" is "PDF"."""
    text = text.lower()
    for term_form, text_form in ((term.lower(), text), (_joined(term.lower()), _joined(text))):
        stem = term_form.removesuffix("s") if len(term_form) > 3 else term_form
        if re.search(r"(?<![a-z0-9])" + re.escape(stem), text_form):
            return True
    return False


def _joined(text: str) -> str:
    return _INNER_PUNCTUATION.sub("", text)


def unmatched_terms(question: str, sources: Sequence[str]) -> list[str]:
    """The names a question asks about that none of the sources mention. An answer from these sources cannot
    be about them: "Does it support Vulkan?" over passages that never say Vulkan is not in the documents."""
    text = " ".join(sources)
    return [term for term in named_terms(question) if not mentions(text, term)]


def check_sentences(answer: str, sources: Sequence[str], embeddings: Embeddings) -> list[SentenceCheck]:
    sentences = split_sentences(answer)
    if not sentences:
        return []
    source_text = " ".join(sources)
    source_words = content_words(source_text)
    source_numbers = set(_NUMBER.findall(source_text))
    claims = [_CITATION.sub("", s) for s in sentences]
    judged = [i for i, claim in enumerate(claims) if len(content_words(claim)) >= MIN_WORDS]

    similarity = np.zeros(len(sentences))
    windows = source_windows(sources)
    if judged and windows:
        vectors = np.asarray(embeddings.embed_documents([claims[i] for i in judged] + windows))
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-12
        claim_vectors, window_vectors = vectors[: len(judged)], vectors[len(judged) :]
        similarity[judged] = (claim_vectors @ window_vectors.T).max(axis=1)

    checks = []
    for i, (sentence, claim) in enumerate(zip(sentences, claims, strict=True)):
        words = content_words(claim)
        if i not in judged:
            checks.append(SentenceCheck(sentence, None, 0.0, 0.0))
            continue
        overlap = len(words & source_words) / len(words)
        # A number the sources never state is the commonest invented detail; no similarity excuses it.
        invented_number = any(n not in source_numbers for n in _NUMBER.findall(claim))
        supported = not invented_number and bool(overlap >= MIN_OVERLAP or similarity[i] >= MIN_SIMILARITY)
        checks.append(SentenceCheck(sentence, supported, round(overlap, 3), round(float(similarity[i]), 3)))
    return checks


def unsupported_share(checks: Sequence[SentenceCheck]) -> float:
    judged = [c for c in checks if c.supported is not None]
    return sum(1 for c in judged if not c.supported) / len(judged) if judged else 0.0


def verdict(checks: Sequence[SentenceCheck]) -> str | None:
    """ "supported", "partly" or "unsupported" for the answer as a whole; None when nothing could be judged."""
    judged = [c.supported for c in checks if c.supported is not None]
    if not judged:
        return None
    if all(judged):
        return "supported"
    return "partly" if any(judged) else "unsupported"
