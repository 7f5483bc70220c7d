"""KServe's own ceiling: a ModelServer whose model answers a constant, set up like the predictors.

    python -m bench.kserve_constant PORT

It separates what the KServe SDK's request path costs from what the models cost: the bare FastAPI
endpoint is the ceiling for any Python server, this one the ceiling for any KServe predictor.
"""

from __future__ import annotations

import sys

import kserve
from kserve.protocol.infer_type import InferOutput, InferRequest, InferResponse

from predictors.server import quiet_requests

CLASSES = [f"class{i}" for i in range(8)]


class Constant(kserve.Model):
    """One output, one value: the least any KServe v2 answer can cost."""

    def __init__(self) -> None:
        super().__init__("constant")
        self.ready = True

    async def predict(self, payload: InferRequest, headers: dict | None = None) -> InferResponse:
        return InferResponse(
            response_id=payload.id or "",
            model_name=self.name,
            infer_outputs=[InferOutput("label", [1], "BYTES", ["Hardware"])],
        )


class ConstantContract(Constant):
    """The SVM predictor's whole answer (five outputs and the parameters), all constants: what
    the KServe path costs for a response of that size, with no model and no input parsing."""

    async def predict(self, payload: InferRequest, headers: dict | None = None) -> InferResponse:
        n = 1
        return InferResponse(
            response_id=payload.id or "",
            model_name=self.name,
            model_version="1",
            infer_outputs=[
                InferOutput("label", [n], "BYTES", ["Hardware"]),
                InferOutput("confidence", [n], "FP32", [0.91]),
                InferOutput("probabilities", [n, 8], "FP32", [0.01, 0.01, 0.02, 0.91] + [0.01] * 4),
                InferOutput("familiarity", [n], "FP32", [0.83]),
                InferOutput("keywords", [n], "BYTES", ['["laptop", "screen", "broken"]']),
            ],
            parameters={"classes": ",".join(CLASSES), "model": self.name, "version": "1"},
        )


if __name__ == "__main__":
    server = kserve.ModelServer(
        http_port=int(sys.argv[1]), enable_grpc=False, enable_latency_logging=False
    )
    quiet_requests()
    server.start([ConstantContract() if "--contract" in sys.argv[2:] else Constant()])
