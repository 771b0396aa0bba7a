"""PP-OCR's models with their exporter's element-wise chains folded into the convolutions (rag/reading/ocr_graphs.py):
fewer steps, the same outputs. Both models run in float32 on the same machine, so they agree to rounding."""

from __future__ import annotations

from collections import Counter

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import helper, numpy_helper

from rag.reading.ocr_graphs import DET_MODEL, REC_MODEL, fold, models_dir


def _session(model: onnx.ModelProto) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def _copy(model: onnx.ModelProto) -> onnx.ModelProto:
    twin = onnx.ModelProto()
    twin.CopyFrom(model)
    return twin


def _ops(model: onnx.ModelProto) -> Counter:
    return Counter(node.op_type for node in model.graph.node if node.op_type != "Constant")


def _block() -> onnx.ModelProto:
    """Two blocks as Paddle exports PPLCNetV3's: a convolution, its scale and shift, a hard-swish in four steps,
    another scale and shift; the first block's last shift feeds a 1x1 convolution (foldable), the second's a padded
    3x3 one (not)."""
    rng = np.random.default_rng(7)
    consts = {
        "w1": rng.normal(size=(8, 3, 3, 3)),
        "b1": rng.normal(size=8),
        "w2": rng.normal(size=(8, 8, 1, 1)),
        "w3": rng.normal(size=(8, 1, 3, 3)),
        "b3": rng.normal(size=8),
        "a": [0.7],
        "b": [-0.2],
        "three": [3.0],
        "six": [6.0],
        "zero": 0.0,
        "c": [0.4],
        "d": [0.3],
        "c2": [1.5],
        "d2": [-0.25],
    }
    step = [
        ("Conv", ["x", "w1", "b1"], "t1", {"pads": [1, 1, 1, 1]}),
        ("Mul", ["a", "t1"], "t2", {}),
        ("Add", ["t2", "b"], "t3", {}),
        ("Add", ["t3", "three"], "t4", {}),
        ("Clip", ["t4", "zero", "six"], "t5", {}),
        ("Mul", ["t3", "t5"], "t6", {}),
        ("Div", ["t6", "six"], "t7", {}),
        ("Mul", ["c", "t7"], "t8", {}),
        ("Add", ["t8", "d"], "t9", {}),
        ("Conv", ["t9", "w2"], "t10", {}),
        ("Add", ["t10", "three"], "u1", {}),
        ("Clip", ["u1", "zero", "six"], "u2", {}),
        ("Mul", ["u2", "t10"], "u3", {}),
        ("Div", ["u3", "six"], "u4", {}),
        ("Mul", ["c2", "u4"], "t11", {}),
        ("Add", ["t11", "d2"], "t12", {}),
        ("Conv", ["t12", "w3", "b3"], "y", {"pads": [1, 1, 1, 1], "group": 8}),
    ]
    nodes = [helper.make_node(op, inputs, [out], **attrs) for op, inputs, out, attrs in step]
    graph = helper.make_graph(
        nodes,
        "block",
        [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 3, None, None])],
        [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, None)],
        [numpy_helper.from_array(np.asarray(v, np.float32), k) for k, v in consts.items()],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 12)])


def test_a_blocks_chains_are_folded_and_it_computes_the_same():
    model = _block()
    folded = fold(_copy(model))
    x = np.random.default_rng(1).normal(size=(1, 3, 12, 20)).astype(np.float32) * 4  # across the hard-swish's bends
    expected = _session(model).run(None, {"x": x})[0]
    # The scale and shift after the first convolution, and the ones before the 1x1 convolution, are gone; the
    # hard-swish is two steps; the shift before the padded convolution stays, since padding would see it.
    assert _ops(folded) == Counter({"Conv": 3, "HardSigmoid": 2, "Mul": 3, "Add": 1})
    np.testing.assert_allclose(_session(folded).run(None, {"x": x})[0], expected, rtol=1e-4, atol=1e-4)


def test_a_chain_read_by_two_steps_is_left_alone():
    """A convolution's output that something else reads too cannot take the scale and shift into its weights."""
    model = _block()
    model.graph.output.append(helper.make_tensor_value_info("t1", onnx.TensorProto.FLOAT, None))
    folded = fold(_copy(model))
    x = np.random.default_rng(2).normal(size=(1, 3, 9, 9)).astype(np.float32)
    names = [node.output[0] for node in folded.graph.node]
    assert "t1" in names and "t2" in names  # the first convolution and its scale are still there
    for got, expected in zip(_session(folded).run(None, {"x": x}), _session(model).run(None, {"x": x}), strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.slow  # RapidOCR's own models, each run as shipped and folded
@pytest.mark.parametrize(("name", "shape"), [(DET_MODEL, (1, 3, 320, 256)), (REC_MODEL, (1, 3, 48, 480))])
def test_rapidocrs_own_models_give_the_same_outputs_folded(name, shape):
    model = onnx.load(str(models_dir() / name))
    before = _ops(model)
    folded = fold(_copy(model))
    after = _ops(folded)
    assert after["Div"] + after["Clip"] < (before["Div"] + before["Clip"]) / 4  # the hard-swishes are folded
    assert after["Mul"] + after["Add"] < (before["Mul"] + before["Add"]) * 3 / 4
    x = np.random.default_rng(3).uniform(-1, 1, size=shape).astype(np.float32)  # the models' input range
    name_in = model.graph.input[0].name
    expected = _session(model).run(None, {name_in: x})[0]
    np.testing.assert_allclose(_session(folded).run(None, {name_in: x})[0], expected, rtol=1e-3, atol=1e-4)
