"""Open Inference Protocol (v2) request parsing and response building for the agent's own model.

Pure functions, no HTTP framework: `app.py` hands over the raw body and headers and gets texts
back, or a `V2Error` whose reason becomes `400 {"error": reason}`, the v2 convention that clients
such as `tritonclient` read.

Why parse by hand instead of a pydantic body: standard clients do not send what FastAPI expects.
`tritonclient[http]` posts JSON without a JSON Content-Type, and by default uses the binary tensor
extension (a JSON header of `Inference-Header-Content-Length` bytes followed by raw tensor bytes),
which no JSON body model can read. This module implements just what the agent's model needs (one
BYTES input `text`) and deliberately does not import `kserve`: the agent image does not ship it.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

HEADER_LENGTH = "inference-header-content-length"
INPUT = "text"
# Name -> datatype, in the order the response lists them (the same as the model metadata).
OUTPUTS: dict[str, str] = {
    "label": "BYTES",
    "confidence": "FP32",
    "model": "BYTES",
    "band": "BYTES",
    "familiarity": "FP32",
}
EXTENSIONS = ["binary_tensor_data"]


class V2Error(ValueError):
    """A request the agent cannot read: the caller's fault, always HTTP 400 with `reason`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class InferRequest:
    texts: list[str]
    request_id: str
    outputs: list[str] | None  # None: the caller did not choose, return every output


def parse_infer_request(body: bytes, headers: Mapping[str, str]) -> InferRequest:
    """Read a v2 infer request, JSON or JSON header + binary tensor data, whatever Content-Type.

    Inputs are checked as strictly as the JSON-only endpoint always did (BYTES, 1-D shape that
    matches the data, non-blank UTF-8 texts), so a binary request cannot slip past a check a JSON
    one would fail.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    encoding = lowered.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise V2Error(f"unsupported Content-Encoding {encoding!r}; send the body uncompressed")
    header_length = _header_length(lowered.get(HEADER_LENGTH), len(body))
    header_bytes = body if header_length is None else body[:header_length]
    binary = b"" if header_length is None else body[header_length:]
    try:
        request = json.loads(header_bytes)
    except (UnicodeDecodeError, ValueError) as exc:
        raise V2Error(f"the request is not valid JSON: {exc}") from None
    if not isinstance(request, dict):
        raise V2Error("the request must be a JSON object")
    request_id = request.get("id", "")
    if not isinstance(request_id, str):
        raise V2Error("'id' must be a string")
    inputs = request.get("inputs")
    if not isinstance(inputs, list) or not all(isinstance(t, dict) for t in inputs):
        raise V2Error("'inputs' must be a list of tensor objects")

    raw = _split_binary(inputs, binary, binary_part=header_length is not None)
    index = next((i for i, t in enumerate(inputs) if t.get("name") == INPUT), None)
    if index is None:
        raise V2Error(f"missing input '{INPUT}'")
    texts = _texts(inputs[index], raw[index])
    return InferRequest(texts, request_id, _requested_outputs(request.get("outputs")))


def infer_response(
    model_name: str, request_id: str, results: Sequence[Any], outputs: list[str] | None = None
) -> dict:
    """The v2 answer for `agent.service.Result`s, as JSON; only `outputs` when the caller chose.

    JSON even when a client asks for binary outputs (`binary_data`, `binary_data_output`): those
    are hints, a JSON tensor is always a valid answer, and `tritonclient` reads it (it only looks
    for binary data when the response has an `Inference-Header-Content-Length` header).
    """
    n = len(results)
    data = {
        "label": [r.category for r in results],
        "confidence": [r.confidence for r in results],
        "model": [r.model for r in results],
        "band": [r.band for r in results],
        # -1: the answering predictor reported none (an older model version).
        "familiarity": [-1.0 if r.familiarity is None else r.familiarity for r in results],
    }
    names = list(OUTPUTS) if outputs is None else outputs
    return {
        "model_name": model_name,
        "id": request_id,
        "outputs": [
            {"name": name, "shape": [n], "datatype": OUTPUTS[name], "data": data[name]}
            for name in names
        ],
    }


def error_body(reason: str) -> dict:
    """v2 errors are `{"error": reason}`: `tritonclient` raises with that reason, not a decode
    error."""
    return {"error": reason}


def decode_bytes_tensor(raw: bytes) -> list[str]:
    """BYTES in binary form: each element is a 4-byte little-endian length, then that many bytes."""
    texts, offset = [], 0
    while offset < len(raw):
        if offset + 4 > len(raw):
            raise V2Error(f"input '{INPUT}': truncated element length at byte {offset}")
        (size,) = struct.unpack_from("<I", raw, offset)
        offset += 4
        if offset + size > len(raw):
            raise V2Error(
                f"input '{INPUT}': element {len(texts)} claims {size} bytes, "
                f"{len(raw) - offset} left"
            )
        try:
            texts.append(raw[offset : offset + size].decode("utf-8"))
        except UnicodeDecodeError:
            raise V2Error(f"input '{INPUT}': element {len(texts)} is not valid UTF-8") from None
        offset += size
    return texts


def encode_bytes_tensor(texts: Sequence[str]) -> bytes:
    """The inverse of `decode_bytes_tensor` (for tests and clients written against this module)."""
    return b"".join(struct.pack("<I", len(b)) + b for b in (t.encode() for t in texts))


def _header_length(value: str | None, body_length: int) -> int | None:
    if value is None:
        return None
    try:
        length = int(value)
    except ValueError:
        raise V2Error(f"Inference-Header-Content-Length {value!r} is not an integer") from None
    if not 0 <= length <= body_length:
        raise V2Error(
            f"Inference-Header-Content-Length {length} is outside the {body_length}-byte body"
        )
    return length


def _split_binary(inputs: list[dict], binary: bytes, binary_part: bool) -> list[bytes | None]:
    """Each input's slice of the binary part, in input order; None for inputs sent as JSON.

    Every byte must belong to an input: a size that does not add up means the client and the
    agent disagree on the layout, and guessing would classify the wrong text.
    """
    slices: list[bytes | None] = []
    offset = 0
    for i, tensor in enumerate(inputs):
        parameters = tensor.get("parameters") or {}
        if not isinstance(parameters, dict):
            raise V2Error(f"input {i}: 'parameters' must be an object")
        size = parameters.get("binary_data_size")
        if size is None:
            slices.append(None)
            continue
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise V2Error(f"input {i}: binary_data_size must be a non-negative integer")
        if not binary_part:
            raise V2Error(
                f"input {i} has binary_data_size but the request has no "
                "Inference-Header-Content-Length header"
            )
        if offset + size > len(binary):
            raise V2Error(
                f"input {i}: binary_data_size {size} exceeds the {len(binary) - offset} "
                "binary bytes left"
            )
        slices.append(binary[offset : offset + size])
        offset += size
    if offset != len(binary):
        raise V2Error(
            f"binary data is {len(binary)} bytes but the inputs' binary_data_size "
            f"add up to {offset}"
        )
    return slices


def _texts(tensor: dict, raw: bytes | None) -> list[str]:
    datatype = tensor.get("datatype")
    if datatype != "BYTES":
        raise V2Error(f"input '{INPUT}' must be BYTES, got {datatype}")
    shape = tensor.get("shape")
    if (
        not isinstance(shape, list)
        or len(shape) != 1
        or isinstance(shape[0], bool)
        or not isinstance(shape[0], int)
    ):
        raise V2Error(f"input '{INPUT}' shape {shape} must be one dimension, [number of texts]")
    if raw is not None:
        data = decode_bytes_tensor(raw)
    else:
        data = tensor.get("data")
        if not isinstance(data, list):
            raise V2Error(f"input '{INPUT}' has neither 'data' nor binary_data_size")
    if shape[0] != len(data):
        raise V2Error(f"input '{INPUT}' shape {shape} does not match its {len(data)} elements")
    if not data or not all(isinstance(t, str) and t.strip() for t in data):
        raise V2Error("every text must be a non-empty string")
    return data


def _requested_outputs(outputs: object) -> list[str] | None:
    if outputs is None:
        return None
    if not isinstance(outputs, list) or not all(
        isinstance(o, dict) and isinstance(o.get("name"), str) for o in outputs
    ):
        raise V2Error("'outputs' must be a list of objects with a 'name'")
    if not outputs:
        return None
    names = list(dict.fromkeys(o["name"] for o in outputs))
    unknown = [n for n in names if n not in OUTPUTS]
    if unknown:
        raise V2Error(f"unknown output(s) {unknown}; this model has {list(OUTPUTS)}")
    return names
