"""The agent's own v2 endpoint against a real, independent Open Inference Protocol client.

`tritonclient[http]` (NVIDIA's client, the most used one) calls an in-process agent served by
uvicorn on a loopback port, in its default binary-tensor mode and in JSON mode. The classifier is a
fake (no predictors, PII or language models): what is under test is the protocol, not the routing.
`agent.v2`'s parsing is also tested directly, one 400 reason at a time.
"""

from __future__ import annotations

import json
import struct
import threading
from collections.abc import Iterator

import httpx
import numpy as np
import pytest
import tritonclient.http as triton
import uvicorn
from tritonclient.utils import InferenceServerException, serialize_byte_tensor

from agent import v2
from agent.app import AGENT_MODEL, build_app
from agent.settings import AgentSettings
from devtools.harness import free_port, wait_http
from tests.agent.fakes import FakeClassifier, FakePredictor, fake_result

KEY = "k-test"


def auth() -> dict[str, str]:
    """A fresh dict each call: `tritonclient.infer` adds its binary-extension header to the dict
    it is given, which would leak a stale Inference-Header-Content-Length into later calls."""
    return {"Authorization": f"Bearer {KEY}"}


TEXTS = ["printer jammed again", "imprimante bloquée, aidez-moi", "لا أستطيع تسجيل الدخول"]


class Agent:
    def __init__(self) -> None:
        self.classifier = FakeClassifier()
        self.predictors = [FakePredictor("svm", True), FakePredictor("transformer", False)]
        settings = AgentSettings(api_keys=[KEY], max_batch_size=4, max_text_chars=50)
        app = build_app(settings, classifier=self.classifier, predictor_clients=self.predictors)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        wait_http(self.url + "/v2/health/live", timeout=30)

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(scope="module")
def agent() -> Iterator[Agent]:
    server = Agent()
    yield server
    server.close()


@pytest.fixture
def client(agent) -> Iterator[triton.InferenceServerClient]:
    c = triton.InferenceServerClient(f"127.0.0.1:{agent.port}")
    yield c
    c.close()


def text_input(texts: list[str], binary: bool) -> triton.InferInput:
    tensor = triton.InferInput("text", [len(texts)], "BYTES")
    tensor.set_data_from_numpy(np.array(texts, dtype=object), binary_data=binary)
    return tensor


def as_texts(array: np.ndarray) -> list[str]:
    return [x.decode() if isinstance(x, bytes) else x for x in array.tolist()]


# --- tritonclient, a real independent client ------------------------------------------------


@pytest.mark.parametrize("binary", [True, False], ids=["binary", "json"])
def test_tritonclient_infer(agent, client, binary):
    before = len(agent.classifier.seen)
    result = client.infer(
        AGENT_MODEL, [text_input(TEXTS, binary)], request_id="req-1", headers=auth()
    )
    # The texts arrive intact, UTF-8 included, in order.
    assert [t.text for t in agent.classifier.seen[before]] == TEXTS
    assert as_texts(result.as_numpy("label")) == ["Hardware", "Hardware", "Access"]
    assert result.as_numpy("confidence").tolist() == [0.875, 0.875, 0.5]
    assert result.as_numpy("familiarity").tolist() == [0.75, -1.0, -1.0]
    assert as_texts(result.as_numpy("band")) == ["auto", "auto", "review"]
    response = result.get_response()
    assert response["id"] == "req-1" and response["model_name"] == AGENT_MODEL


@pytest.mark.parametrize("binary_output", [True, False])
def test_tritonclient_requested_outputs(client, binary_output):
    outputs = [triton.InferRequestedOutput("confidence", binary_data=binary_output)]
    result = client.infer(
        AGENT_MODEL, [text_input(TEXTS[:1], True)], outputs=outputs, headers=auth()
    )
    assert result.as_numpy("confidence").dtype == np.float32
    assert result.as_numpy("confidence").tolist() == [0.875]
    assert result.as_numpy("label") is None
    assert [o["name"] for o in result.get_response()["outputs"]] == ["confidence"]


def test_tritonclient_errors_carry_the_reason(client):
    with pytest.raises(InferenceServerException) as unknown:
        client.infer(
            AGENT_MODEL,
            [text_input(TEXTS[:1], True)],
            outputs=[triton.InferRequestedOutput("nope")],
            headers=auth(),
        )
    assert unknown.value.status() == "400" and "unknown output" in unknown.value.message()
    with pytest.raises(InferenceServerException) as blank:
        client.infer(AGENT_MODEL, [text_input(["  "], True)], headers=auth())
    assert blank.value.status() == "400" and "non-empty" in blank.value.message()
    with pytest.raises(InferenceServerException) as too_many:
        client.infer(AGENT_MODEL, [text_input(["a"] * 5, True)], headers=auth())
    assert too_many.value.status() == "413" and "limit is 4" in too_many.value.message()


def test_tritonclient_health_and_metadata(agent, client):
    assert client.is_server_live()
    assert client.is_server_ready()
    metadata = client.get_server_metadata()
    assert metadata["name"] == "callcenterai-agent"
    assert metadata["version"] and "binary_tensor_data" in metadata["extensions"]
    assert client.is_model_ready(AGENT_MODEL)
    assert client.get_model_metadata(AGENT_MODEL)["inputs"][0]["name"] == "text"
    agent.predictors[0].ok = False
    try:
        assert not client.is_server_ready()
        assert client.is_server_live()
        assert httpx.get(agent.url + "/v2/health/ready").status_code == 503
    finally:
        agent.predictors[0].ok = True


# --- the raw HTTP contract ------------------------------------------------------------------


def infer_url(agent: Agent) -> str:
    return f"{agent.url}/v2/models/{AGENT_MODEL}/infer"


def json_body(texts: list) -> dict:
    return {"inputs": [{"name": "text", "shape": [len(texts)], "datatype": "BYTES", "data": texts}]}


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", None])
def test_json_body_whatever_the_content_type(agent, content_type):
    headers = {**auth(), **({"content-type": content_type} if content_type else {})}
    response = httpx.post(
        infer_url(agent), content=json.dumps(json_body(TEXTS[:2])), headers=headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == ""
    assert [o["name"] for o in body["outputs"]] == list(v2.OUTPUTS)
    assert {o["name"]: o["data"] for o in body["outputs"]}["model"] == [
        "callcenter-svm",
        "callcenter-transformer",
    ]


@pytest.mark.parametrize(
    ("content", "headers", "reason"),
    [
        (b"{not json", {}, "not valid JSON"),
        (b'{"inputs": []}', {}, "missing input 'text'"),
        (b"\xff\xfe", {}, "not valid JSON"),
        (b'{"inputs": []}', {"inference-header-content-length": "99"}, "outside"),
    ],
)
def test_bad_requests_are_400_with_an_error_body(agent, content, headers, reason):
    response = httpx.post(infer_url(agent), content=content, headers={**auth(), **headers})
    assert response.status_code == 400
    assert reason in response.json()["error"]


def test_limits_and_auth_still_apply(agent):
    too_long = httpx.post(infer_url(agent), json=json_body(["x" * 51]), headers=auth())
    assert too_long.status_code == 413 and "limit 50" in too_long.json()["error"]
    assert httpx.post(infer_url(agent), json=json_body(["hello"])).status_code == 401
    down = httpx.post(infer_url(agent), json=json_body(["both down"]), headers=auth())
    assert down.status_code == 503 and down.headers["retry-after"] == "5"
    assert "retry later" in down.json()["error"]


# --- agent.v2, one reason at a time ---------------------------------------------------------


def binary_request(texts: list[str], *, size_delta: int = 0, raw: bytes | None = None, **extra):
    """A binary-extension request built with tritonclient's own serializer, not agent.v2's."""
    data = serialize_byte_tensor(np.array(texts, dtype=object)).item() if raw is None else raw
    tensor = {
        "name": "text",
        "shape": [len(texts)],
        "datatype": "BYTES",
        "parameters": {"binary_data_size": len(data) + size_delta},
        **extra,
    }
    header = json.dumps({"id": "b", "inputs": [tensor]}).encode()
    return header + data, {"Inference-Header-Content-Length": str(len(header))}


def test_parse_binary_and_json():
    body, headers = binary_request(TEXTS)
    parsed = v2.parse_infer_request(body, headers)
    assert parsed == v2.InferRequest(TEXTS, "b", None)
    # Other inputs' binary data is skipped by size, in input order.
    other = {"name": "x", "shape": [2], "datatype": "FP32", "parameters": {"binary_data_size": 8}}
    text = {
        "name": "text",
        "shape": [1],
        "datatype": "BYTES",
        "parameters": {"binary_data_size": 6},
    }
    header = json.dumps({"inputs": [other, text]}).encode()
    body = header + struct.pack("<2f", 1, 2) + struct.pack("<I", 2) + b"ok"
    assert v2.parse_infer_request(
        body, {"inference-header-content-length": str(len(header))}
    ).texts == ["ok"]
    outputs = json.dumps({**json_body(["hi"]), "outputs": [{"name": "band"}, {"name": "label"}]})
    assert v2.parse_infer_request(outputs.encode(), {}).outputs == ["band", "label"]


def tensor_body(**tensor) -> bytes:
    base = {"name": "text", "shape": [1], "datatype": "BYTES", "data": ["hi"]}
    return json.dumps({"inputs": [{**base, **tensor}]}).encode()


INVALID = [
    ("invalid utf-8", *binary_request(["x"], raw=struct.pack("<I", 2) + b"\xc3\x28"), "UTF-8"),
    ("size too small", *binary_request(TEXTS, size_delta=-1), "add up to"),
    ("size too large", *binary_request(TEXTS, size_delta=1), "exceeds"),
    ("element overruns", *binary_request(["x"], raw=struct.pack("<I", 9) + b"abc"), "claims 9"),
    ("truncated length", *binary_request(["x"], raw=b"\x01\x00"), "truncated"),
    (
        "missing text",
        b'{"inputs": [{"name": "txt", "shape": [1], "datatype": "BYTES", "data": ["a"]}]}',
        {},
        "missing input 'text'",
    ),
    ("wrong datatype", tensor_body(datatype="FP32"), {}, "must be BYTES"),
    ("shape mismatch", tensor_body(shape=[2]), {}, "does not match"),
    ("shape 2-d", tensor_body(shape=[1, 1]), {}, "one dimension"),
    ("binary shape mismatch", *binary_request(TEXTS[:2], shape=[3]), "does not match"),
    ("empty text", tensor_body(data=[""]), {}, "non-empty"),
    ("blank binary text", *binary_request([" \n"]), "non-empty"),
    ("empty batch", tensor_body(shape=[0], data=[]), {}, "non-empty"),
    ("non-string text", tensor_body(data=[5]), {}, "non-empty"),
    ("malformed json", b'{"inputs": [', {}, "not valid JSON"),
    ("not an object", b"[1, 2]", {}, "JSON object"),
    ("inputs not a list", b'{"inputs": {}}', {}, "'inputs' must be a list"),
    (
        "unknown output",
        json.dumps({**json_body(["a"]), "outputs": [{"name": "x"}]}).encode(),
        {},
        "unknown output",
    ),
    ("header length not int", b"{}", {"Inference-Header-Content-Length": "ten"}, "not an integer"),
    ("compressed", tensor_body(), {"Content-Encoding": "gzip"}, "Content-Encoding"),
]


@pytest.mark.parametrize(
    ("body", "headers", "reason"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID]
)
def test_parse_rejects(body, headers, reason):
    with pytest.raises(v2.V2Error) as error:
        v2.parse_infer_request(body, headers)
    assert reason in error.value.reason


def test_binary_size_without_header_is_rejected():
    header = json.dumps(
        {
            "inputs": [
                {
                    "name": "text",
                    "shape": [1],
                    "datatype": "BYTES",
                    "parameters": {"binary_data_size": 0},
                }
            ]
        }
    )
    with pytest.raises(v2.V2Error, match="no Inference-Header-Content-Length"):
        v2.parse_infer_request(header.encode(), {})


def test_response_keeps_the_outputs_and_their_order():
    results = [fake_result(TEXTS[0]), fake_result(TEXTS[2])]
    full = v2.infer_response(AGENT_MODEL, "r", results)
    assert full["outputs"] == [
        {"name": "label", "shape": [2], "datatype": "BYTES", "data": ["Hardware", "Access"]},
        {"name": "confidence", "shape": [2], "datatype": "FP32", "data": [0.875, 0.5]},
        {
            "name": "model",
            "shape": [2],
            "datatype": "BYTES",
            "data": ["callcenter-svm", "callcenter-transformer"],
        },
        {"name": "band", "shape": [2], "datatype": "BYTES", "data": ["auto", "review"]},
        {"name": "familiarity", "shape": [2], "datatype": "FP32", "data": [0.75, -1.0]},
    ]
    assert [
        o["name"] for o in v2.infer_response(AGENT_MODEL, "r", results, ["band"])["outputs"]
    ] == ["band"]
    assert v2.decode_bytes_tensor(v2.encode_bytes_tensor(TEXTS)) == TEXTS
