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


class Constant(kserve.Model):
    def __init__(self) -> None:
        super().__init__("constant")
        self.ready = True

    async def predict(self, payload: InferRequest, headers: dict | None = None) -> InferResponse:
        return InferResponse(
            response_id=payload.id or "",
            model_name=self.name,
            infer_outputs=[InferOutput("label", [1], "BYTES", ["Hardware"])],
        )


if __name__ == "__main__":
    server = kserve.ModelServer(
        http_port=int(sys.argv[1]), enable_grpc=False, enable_latency_logging=False
    )
    quiet_requests()
    server.start([Constant()])
