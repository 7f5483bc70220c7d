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

from bench.predictors import v2_body


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.http = aiohttp.ClientSession()
    yield
    await app.state.http.close()


app = FastAPI(lifespan=lifespan)


class TicketIn(BaseModel):
    text: str
    language: str | None = None


@app.post("/v1/classify")
async def classify(ticket: TicketIn) -> dict:
    async with app.state.http.post(
        app.state.infer_url,
        data=json.dumps(v2_body([ticket.text])),
        headers={"Content-Type": "application/json"},
    ) as response:
        answer = json.loads(await response.read())
    return {"category": answer["outputs"][0]["data"][0]}


@app.get("/healthz")
async def healthz() -> dict:
    return {"status": "ok"}


if __name__ == "__main__":
    app.state.infer_url = sys.argv[2].rstrip("/") + "/v2/models/callcenter-svm/infer"
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        log_level="warning",
        access_log=False,
        loop="uvloop",
        http="httptools",
    )
