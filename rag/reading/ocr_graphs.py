"""RapidOCR's PP-OCRv4 models with the element-wise chains that Paddle's ONNX exporter leaves between layers
folded into the convolutions, so that onnxruntime runs a convolution and its activation as one step.

Each block of PP-OCRv4's PPLCNetV3 backbone was exported as Conv, Mul(a), Add(b), a hard-swish spelt out in four
steps (Add 3, Clip 0-6, Mul, Div 6), then Mul(c), Add(d): eight passes over the picture's feature maps after
each convolution, plus two layout changes around them. They took 41% of the recogniser's time and the layout
changes 9% (onnxruntime's profile of a line 1,600 px long, one core). Folded, the same arithmetic in a different
order, the outputs agree to 1e-5 (tests/reading/test_ocr_models.py)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np

DET_MODEL = "ch_PP-OCRv4_det_infer.onnx"
REC_MODEL = "ch_PP-OCRv4_rec_infer.onnx"


def models_dir() -> Path:
    import rapidocr_onnxruntime

    return Path(rapidocr_onnxruntime.__file__).parent / "models"


class _Graph:
    """The model's nodes as a plain list (protobuf's repeated fields hand out new wrappers on each access, so
    they cannot be told apart by identity), its constants as arrays, and who reads each value."""

    def __init__(self, model) -> None:
        from onnx import NodeProto, numpy_helper

        self.model, self.graph = model, model.graph
        self.nodes = []
        for node in self.graph.node:
            copy = NodeProto()
            copy.CopyFrom(node)
            self.nodes.append(copy)
        self.values = {i.name: numpy_helper.to_array(i) for i in self.graph.initializer}
        for node in self.nodes:
            if node.op_type == "Constant" and node.attribute and node.attribute[0].name == "value":
                self.values[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
        self.outputs = {o.name for o in self.graph.output}
        self.added: list = []
        self.gone: set[int] = set()

    def readers(self) -> dict[str, list]:
        found = defaultdict(list)
        for node in self.nodes:
            if id(node) not in self.gone:
                for name in node.input:
                    found[name].append(node)
        return found

    def maker(self) -> dict:
        return {out: node for node in self.nodes if id(node) not in self.gone for out in node.output}

    def scalar(self, node) -> tuple[float, str] | None:
        """A binary node's constant scalar operand, and its other operand."""
        if len(node.input) != 2:
            return None
        for const, other in (node.input, node.input[::-1]):
            if const in self.values and self.values[const].size == 1 and other not in self.values:
                return float(self.values[const].reshape(())), other
        return None

    def only_reader(self, readers: dict, name: str, op: str):
        found = readers.get(name, [])
        if len(found) == 1 and found[0].op_type == op and name not in self.outputs:
            return found[0]
        return None

    def constant(self, array: np.ndarray) -> str:
        from onnx import numpy_helper

        name = f"folded.{len(self.added)}"
        self.added.append(numpy_helper.from_array(np.asarray(array, np.float32), name))
        self.values[name] = array
        return name

    def weights(self, conv) -> tuple[np.ndarray, np.ndarray]:
        weight = self.values[conv.input[1]]
        bias = self.values[conv.input[2]] if len(conv.input) > 2 else np.zeros(weight.shape[0], np.float32)
        return weight, bias

    def set_conv(self, conv, data: str, weight: np.ndarray, bias: np.ndarray) -> None:
        del conv.input[:]
        conv.input.extend([data, self.constant(weight), self.constant(bias)])

    def done(self):
        del self.graph.node[:]
        self.graph.node.extend(node for node in self.nodes if id(node) not in self.gone)
        self.graph.initializer.extend(self.added)
        return self.model


def _affine_after_conv(g: _Graph) -> None:
    """Conv, then x * a + b with scalars a and b: the convolution's weights times a, its bias times a plus b."""
    readers = g.readers()
    for conv in [n for n in g.nodes if n.op_type == "Conv" and n.input[1] in g.values]:
        mul = g.only_reader(readers, conv.output[0], "Mul")
        add = mul and g.only_reader(readers, mul.output[0], "Add")
        if not add or not g.scalar(mul) or not g.scalar(add):
            continue
        (a, _), (b, _) = g.scalar(mul), g.scalar(add)
        weight, bias = g.weights(conv)
        g.set_conv(conv, conv.input[0], weight * a, bias * a + b)
        conv.output[0] = add.output[0]
        g.gone.update((id(mul), id(add)))


def _hard_swish(g: _Graph) -> None:
    """x * Clip(x + 3, 0, 6) / 6 is x * HardSigmoid(x), which onnxruntime fuses into the convolution before it."""
    from onnx import helper

    readers, maker = g.readers(), g.maker()
    for index, div in reversed(list(enumerate(g.nodes))):
        if div.op_type != "Div" or g.scalar(div) is None or g.scalar(div)[0] != 6.0 or div.input[1] not in g.values:
            continue
        mul = maker.get(div.input[0])
        if mul is None or mul.op_type != "Mul" or len(readers[mul.output[0]]) != 1:
            continue
        clip = next((maker[i] for i in mul.input if i in maker and maker[i].op_type == "Clip"), None)
        if clip is None or len(readers[clip.output[0]]) != 1 or len(clip.input) != 3:
            continue
        x = mul.input[0] if mul.input[1] == clip.output[0] else mul.input[1]
        add = maker.get(clip.input[0])
        if add is None or add.op_type != "Add" or len(readers[add.output[0]]) != 1 or g.scalar(add) != (3.0, x):
            continue
        if [float(g.values[i].reshape(-1)[0]) if i in g.values else None for i in clip.input[1:]] != [0.0, 6.0]:
            continue
        gate = f"{div.output[0]}.gate"
        g.nodes[index:index] = [
            helper.make_node("HardSigmoid", [x], [gate], alpha=1 / 6, beta=0.5),
            helper.make_node("Mul", [x, gate], [div.output[0]]),
        ]
        g.gone.update((id(div), id(mul), id(clip), id(add)))


def _affine_before_conv(g: _Graph) -> None:
    """x * c + d with scalars c and d read only by unpadded convolutions: their weights times c, their bias plus
    d times the sum of their weights. (A padded convolution pads x * c + d with zeros, not x: left alone.)"""
    readers = g.readers()
    for mul in [n for n in g.nodes if n.op_type == "Mul" and id(n) not in g.gone and g.scalar(n)]:
        add = g.only_reader(readers, mul.output[0], "Add")
        if not add or not g.scalar(add) or add.output[0] in g.outputs:
            continue
        convs = readers.get(add.output[0], [])
        if not convs or not all(_unpadded_conv(g, conv, add.output[0]) for conv in convs):
            continue
        (c, data), (d, _) = g.scalar(mul), g.scalar(add)
        for conv in convs:
            weight, bias = g.weights(conv)
            g.set_conv(conv, data, weight * c, bias + d * weight.sum(axis=(1, 2, 3)))
        g.gone.update((id(mul), id(add)))


def _unpadded_conv(g: _Graph, node, data: str) -> bool:
    from onnx import helper

    if node.op_type != "Conv" or node.input[0] != data or node.input[1] not in g.values:
        return False
    attributes = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    return not any(attributes.get("pads", [])) and attributes.get("auto_pad", b"NOTSET") in (b"NOTSET", b"VALID")


def fold(model):
    """The model (an onnx.ModelProto, changed in place) with its exporter's element-wise chains folded."""
    graph = _Graph(model)
    _affine_after_conv(graph)
    _hard_swish(graph)
    _affine_before_conv(graph)
    return graph.done()


def folded_session(path: Path, like):
    """An onnxruntime session of the folded model at `path`, with the options and providers of `like`."""
    import onnx
    import onnxruntime as ort

    model = fold(onnx.load(str(path)))
    return ort.InferenceSession(model.SerializeToString(), like.get_session_options(), providers=like.get_providers())
