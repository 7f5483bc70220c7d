"""Request parsing, validation and response building shared by both predictors.

The contract (predictors/README.md): input `text` BYTES [N]; outputs `label` BYTES [N],
`confidence` FP32 [N], `probabilities` FP32 [N, C], `familiarity` FP32 [N]
(contract.familiarity), and from the SVM `keywords` BYTES [N] (each a JSON list of the terms
that decided the answer); response parameters name the classes, model and registry version.
v1 `{"instances": [...]}` gets the same content as `{"predictions": [...]}`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
from kserve.errors import InvalidInput
from kserve.protocol.infer_type import InferOutput, InferRequest, InferResponse

INPUT = "text"


@dataclass(frozen=True)
class Limits:
    max_request_texts: int
    max_text_chars: int


def _decode(item: object, index: int) -> str:
    if isinstance(item, bytes | bytearray | np.bytes_):
        try:
            return bytes(item).decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput(f"text[{index}] is not valid UTF-8") from None
    if isinstance(item, str):
        return item
    raise InvalidInput(f"text[{index}] must be a string, got {type(item).__name__}")


def validate_texts(items: list, limits: Limits) -> list[str]:
    if not items:
        raise InvalidInput("no texts: send at least one ticket text")
    if len(items) > limits.max_request_texts:
        raise InvalidInput(
            f"{len(items)} texts in one request; the limit is {limits.max_request_texts}"
        )
    texts = [_decode(item, i) for i, item in enumerate(items)]
    for i, text in enumerate(texts):
        if not text.strip():
            raise InvalidInput(f"text[{i}] is empty or whitespace")
        if len(text) > limits.max_text_chars:
            raise InvalidInput(
                f"text[{i}] has {len(text)} characters; the limit is {limits.max_text_chars}"
            )
    return texts


def texts_from_v2(request: InferRequest, limits: Limits) -> list[str]:
    names = [i.name for i in request.inputs]
    tensor = request.get_input_by_name(INPUT)
    if tensor is None:
        raise InvalidInput(f"missing input {INPUT!r} (got {names or 'no inputs'})")
    if tensor.datatype != "BYTES":
        raise InvalidInput(f"input {INPUT!r} must be BYTES, got {tensor.datatype}")
    shape = list(tensor.shape)
    if len(shape) == 2 and shape[1] == 1:
        shape = shape[:1]
    if len(shape) != 1:
        raise InvalidInput(f"input {INPUT!r} must have shape [N], got {list(tensor.shape)}")
    data = tensor.data
    items = data.reshape(-1).tolist() if isinstance(data, np.ndarray) else list(data or [])
    if len(items) != shape[0]:
        raise InvalidInput(f"input {INPUT!r} has shape {shape} but {len(items)} elements")
    return validate_texts(items, limits)


def texts_from_v1(payload: object, limits: Limits) -> list[str]:
    if not isinstance(payload, dict) or "instances" not in payload:
        raise InvalidInput('expected {"instances": ["ticket text", ...]}')
    instances = payload["instances"]
    if not isinstance(instances, list):
        raise InvalidInput('"instances" must be a list')
    items = [i.get(INPUT) if isinstance(i, dict) else i for i in instances]
    return validate_texts(items, limits)


@dataclass(frozen=True)
class Prediction:
    labels: list[str]
    confidence: np.ndarray
    probabilities: np.ndarray
    familiarity: np.ndarray
    keywords: list[list[str]] | None = None


def to_prediction(
    probabilities: np.ndarray,
    classes: list[str],
    familiarity: np.ndarray,
    keywords: list[list[str]] | None = None,
) -> Prediction:
    best = probabilities.argmax(axis=1)
    return Prediction(
        [classes[i] for i in best],
        probabilities[np.arange(len(best)), best].astype(np.float32),
        probabilities.astype(np.float32),
        np.asarray(familiarity, dtype=np.float32),
        keywords,
    )


def v2_response(
    request: InferRequest, prediction: Prediction, model: str, version: str | None, classes: list
) -> InferResponse:
    n, c = prediction.probabilities.shape
    outputs = [
        InferOutput("label", [n], "BYTES", prediction.labels),
        InferOutput("confidence", [n], "FP32", prediction.confidence.tolist()),
        InferOutput("probabilities", [n, c], "FP32", prediction.probabilities.ravel().tolist()),
        InferOutput("familiarity", [n], "FP32", prediction.familiarity.tolist()),
    ]
    if prediction.keywords is not None:
        encoded = [json.dumps(k, ensure_ascii=False) for k in prediction.keywords]
        outputs.append(InferOutput("keywords", [n], "BYTES", encoded))
    return InferResponse(
        response_id=request.id or "",
        model_name=model,
        model_version=version,
        infer_outputs=outputs,
        parameters={"classes": ",".join(classes), "model": model, "version": version or ""},
    )


def v1_response(prediction: Prediction, model: str, version: str | None, classes: list) -> dict:
    return {
        "predictions": [
            {
                "label": label,
                "confidence": float(conf),
                "probabilities": probs.tolist(),
                "familiarity": float(familiar),
                **({"keywords": keywords} if keywords is not None else {}),
            }
            for label, conf, probs, familiar, keywords in zip(
                prediction.labels,
                prediction.confidence,
                prediction.probabilities,
                prediction.familiarity,
                prediction.keywords or [None] * len(prediction.labels),
                strict=True,
            )
        ],
        "classes": classes,
        "model": model,
        "version": version,
    }


def metadata_types(n_classes: int) -> tuple[list[dict], list[dict]]:
    """What GET /v2/models/NAME reports; -1 is a variable batch dimension."""
    inputs = [{"name": INPUT, "datatype": "BYTES", "shape": [-1]}]
    outputs = [
        {"name": "label", "datatype": "BYTES", "shape": [-1]},
        {"name": "confidence", "datatype": "FP32", "shape": [-1]},
        {"name": "probabilities", "datatype": "FP32", "shape": [-1, n_classes]},
        {"name": "familiarity", "datatype": "FP32", "shape": [-1]},
    ]
    return inputs, outputs
