"""The practical ceiling: a bare FastAPI endpoint that answers a constant, served like the rest."""

from __future__ import annotations

import sys

import uvicorn
from fastapi import FastAPI, Request

app = FastAPI()
ANSWER = {"outputs": [{"name": "label", "shape": [1], "datatype": "BYTES", "data": ["Hardware"]}]}


@app.post("/{path:path}")
async def constant(request: Request, path: str) -> dict:
    await request.body()
    return ANSWER


@app.get("/{path:path}")
async def health(path: str) -> dict:
    return {"ready": True}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
