"""The local MiniLM at each precision: the cheaper ones must stay close to float32's vectors."""

import numpy as np
import pytest

from rag.config import Settings
from rag.models.embeddings import LOCAL_MODEL_NAME, build_embeddings, local_precision

pytestmark = pytest.mark.slow  # the real MiniLM, loaded at each precision

SENTENCES = [
    "Adult penguins eat two kilograms of herring per day.",
    "The header file of this library is libtasn1.h.",
    "Install the package, then run the configure script.",
]


def _vectors(precision: str) -> np.ndarray:
    model = build_embeddings(Settings(_env_file=None, embeddings_precision=precision))
    return np.array(model.embeddings.embed_documents(SENTENCES))


@pytest.fixture(scope="module")
def float32() -> np.ndarray:
    return _vectors("float32")


@pytest.mark.parametrize(("precision", "closeness"), [("bfloat16", 0.99), ("int8", 0.85)])
def test_cheaper_precisions_stay_close_to_float32(float32, precision, closeness):
    vectors = _vectors(precision)
    assert vectors.shape == float32.shape == (3, 384)
    cosines = (vectors * float32).sum(axis=1)
    assert cosines.min() > closeness, cosines
    # Still the same meaning: each sentence is nearest to its own float32 vector.
    assert ((vectors @ float32.T).argmax(axis=1) == np.arange(3)).all()


def test_a_library_records_the_precision_it_was_built_with():
    names = {p: build_embeddings(Settings(_env_file=None, embeddings_precision=p)).name for p in ("float32", "int8")}
    assert names == {"float32": LOCAL_MODEL_NAME, "int8": f"{LOCAL_MODEL_NAME}+int8"}
    assert local_precision("auto") in {"bfloat16", "int8"}
    assert local_precision("float32") == "float32"
