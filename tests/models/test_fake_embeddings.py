"""The fake embedder of the fast tier (EMBEDDINGS_PROVIDER=fake): alike where the words are, the same vectors on every
machine, and a model of its own that a store never mixes with MiniLM."""

from __future__ import annotations

import hashlib
import math
import struct
import subprocess
import sys

import pytest

from rag.config import Settings
from rag.errors import StoreError
from rag.models.embeddings import LOCAL_DIMENSION, LOCAL_MODEL_NAME, build_embeddings
from rag.models.fake_embeddings import FAKE_DIMENSION, FAKE_MODEL_NAME, embed
from rag.store.edge import EdgeStore
from tests.conftest import ROOT

OWLS = "Owls hunt at night and sleep in the day."


def cosine(a: str, b: str) -> float:
    return sum(x * y for x, y in zip(embed(a), embed(b), strict=True))


def test_vectors_are_unit_length_and_minilms_shape():
    assert FAKE_DIMENSION == LOCAL_DIMENSION
    for text in (OWLS, "the of and", "", "!!!"):  # stop words alone, and no word at all, still give a direction
        vector = embed(text)
        assert len(vector) == FAKE_DIMENSION
        assert math.isclose(sum(x * x for x in vector), 1.0, rel_tol=1e-12)


def test_shared_words_and_their_forms_are_close_and_other_words_are_not():
    assert cosine("When do owls hunt?", OWLS) > 0.5
    assert cosine("owl", "owls") > 0.8 and cosine("budget", "budgeted") > 0.8
    assert cosine("When do owls hunt?", "Badgers dig setts under hedgerows.") < 0.1
    # No meaning: a paraphrase in other words is no closer than an unrelated sentence.
    assert cosine("What do nocturnal raptors prey on after dark?", OWLS) < 0.2


def test_the_same_text_gives_the_same_bits_in_any_process():
    """blake2b of each feature, integer sums, one square root: Python's salted hash() would change with the process,
    and a float summed in another order on another CPU could change a last bit."""
    digest = hashlib.sha256(struct.pack("<384d", *embed(OWLS))).hexdigest()
    code = (
        "import hashlib, struct, sys; from rag.models.fake_embeddings import embed;"
        "print(hashlib.sha256(struct.pack('<384d', *embed(sys.argv[1]))).hexdigest())"
    )
    child = subprocess.run(
        [sys.executable, "-c", code, OWLS],
        cwd=ROOT,
        env={"PYTHONHASHSEED": "12345", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == digest == "8cb200487b9b2a77d463599edb71039e36a69b80ddd04f6903bb13d2111029a9"


def test_a_library_built_with_the_fake_is_never_read_with_minilm(tmp_path):
    model = build_embeddings(Settings(_env_file=None, embeddings_provider="fake"))
    assert (model.name, model.dimension) == (FAKE_MODEL_NAME, FAKE_DIMENSION)
    assert model.embeddings.embed_query(OWLS) == embed(OWLS)
    EdgeStore(tmp_path / "q", model.name, model.dimension).close()
    with pytest.raises(StoreError, match="python -m rag reindex"):
        EdgeStore(tmp_path / "q", LOCAL_MODEL_NAME, LOCAL_DIMENSION)
