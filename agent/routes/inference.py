"""The Open Inference Protocol (v2) face of the agent: v2 clients call it like any KServe model.

`router` holds the inference route (behind the API's guards); `public` the metadata and health
routes that v2 clients (`tritonclient`'s `is_server_live()` and friends) read without a key.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from agent import v2
from agent.deps import REQUEST_ID_HEADER, RuntimeDep, request_id
from agent.routes.classify import answer
from agent.routes.health import NOT_READY, alive, readiness
from agent.schemas import V2_REQUEST_SCHEMA, V2_RESPONSE_SCHEMA, errors
from agent.service import Ticket

AGENT_MODEL = "callcenter-agent"
INFER_PATH = f"/v2/models/{AGENT_MODEL}/infer"
router = APIRouter()
public = APIRouter()


def v2_reason(detail: object) -> str:
    """One line for a v2 `{"error": ...}` body from an HTTPException's detail (a 422 lists
    fields)."""
    if isinstance(detail, list):
        return "; ".join(f"{d['field']}: {d['reason']}" for d in detail)
    return str(detail)


@router.post(
    INFER_PATH,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": V2_REQUEST_SCHEMA}},
        }
    },
    responses={
        200: {
            "description": "v2 inference response",
            "content": {"application/json": {"schema": V2_RESPONSE_SCHEMA}},
        },
        **errors(400, 401, 413, 429, 503, v2=True),
    },
)
async def v2_infer(request: Request, rt: RuntimeDep) -> Response:
    """Open Inference Protocol: v2 clients call the agent like any KServe model.

    The raw body is parsed by `agent.v2`, whatever its Content-Type, JSON or with the binary
    tensor extension (`Inference-Header-Content-Length`), as `tritonclient` sends it. Errors
    are `{"error": reason}`, the v2 convention, with the same statuses as /v1.
    """
    try:
        rid = request_id(request, rt.classifier)
        parsed = v2.parse_infer_request(await request.body(), request.headers)
        tickets = [Ticket(t, request_id=f"{rid}-{i}") for i, t in enumerate(parsed.texts)]
        results = await answer(rt, tickets)
    except v2.V2Error as exc:
        return JSONResponse(status_code=400, content=v2.error_body(exc.reason))
    except StarletteHTTPException as exc:  # /v1's statuses, as v2 `{"error": reason}` bodies
        return JSONResponse(
            status_code=exc.status_code,
            content=v2.error_body(v2_reason(exc.detail)),
            headers=exc.headers,
        )
    return JSONResponse(
        v2.infer_response(AGENT_MODEL, parsed.request_id, results, parsed.outputs),
        headers={REQUEST_ID_HEADER: rid},
    )


@public.get(f"/v2/models/{AGENT_MODEL}")
async def v2_metadata() -> dict:
    return {
        "name": AGENT_MODEL,
        "platform": "callcenterai",
        "inputs": [{"name": "text", "datatype": "BYTES", "shape": [-1]}],
        "outputs": [
            {"name": "label", "datatype": "BYTES", "shape": [-1]},
            {"name": "confidence", "datatype": "FP32", "shape": [-1]},
            {"name": "model", "datatype": "BYTES", "shape": [-1]},
            {"name": "band", "datatype": "BYTES", "shape": [-1]},
            {"name": "familiarity", "datatype": "FP32", "shape": [-1]},
        ],
    }


@public.get(f"/v2/models/{AGENT_MODEL}/ready", responses=NOT_READY)
async def v2_ready(rt: RuntimeDep) -> Response:
    return await readiness(rt)


@public.get("/v2")
async def v2_server_metadata(request: Request) -> dict:
    """v2 server metadata: what `tritonclient`'s `get_server_metadata()` reads."""
    return {
        "name": "callcenterai-agent",
        "version": request.app.version,
        "extensions": v2.EXTENSIONS,
    }


@public.get("/v2/health/live")
async def v2_live() -> dict:
    """v2 liveness, the same rule as /healthz: the process answers."""
    return alive()


@public.get("/v2/health/ready", responses=NOT_READY)
async def v2_health_ready(rt: RuntimeDep) -> Response:
    """v2 readiness, the same rule as /readyz: at least one predictor is ready."""
    return await readiness(rt)
