"""The floor for any FastAPI agent: forward the ticket to the SVM predictor over v2, return its
label, and do nothing else (no PII scrubbing, routing, metrics or logs).

    python -m bench.proxy PORT SVM_URL

Served like the agent (uvicorn with uvloop and httptools, aiohttp client), so the agent's
overhead minus this one is what its own work costs.
"""

from __future__ import annotations

import json
import sys
from contextlib import asynccontextmanager

import aiohttp
import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel

INFER = "/v2/models/callcenter-svm/infer"
session: dict[str, aiohttp.ClientSession] = {}


@asynccontextmanager
async def lifespan(app: FastAPI):
    session["http"] = aiohttp.ClientSession()
    yield
    await session["http"].close()


app = FastAPI(lifespan=lifespan)


class TicketIn(BaseModel):
    text: str
    language: str | None = None


@app.post("/v1/classify")
async def classify(ticket: TicketIn) -> dict:
    tensor = {"name": "text", "shape": [1], "datatype": "BYTES", "data": [ticket.text]}
    async with session["http"].post(
        app.state.svm_url + INFER,
        data=json.dumps({"inputs": [tensor]}),
        headers={"Content-Type": "application/json"},
    ) as response:
        answer = json.loads(await response.read())
    return {"category": answer["outputs"][0]["data"][0]}


@app.get("/healthz")
async def healthz() -> dict:
    return {"status": "ok"}


if __name__ == "__main__":
    app.state.svm_url = sys.argv[2].rstrip("/")
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        log_level="warning",
        access_log=False,
        loop="uvloop",
        http="httptools",
    )
