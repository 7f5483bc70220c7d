"""`/v1/classify` and `/v1/classify/batch`, and `answer`, which the v2 route shares.

Limits are checked before any model is asked; a model that cannot answer becomes a 503 with
Retry-After, a model that refuses a ticket a 422. Answers are stored after they are built:
storage never fails classification. Logs carry the redacted text and the route only.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, HTTPException, Query, Request, Response

from agent.client import PredictorRefused
from agent.deps import REQUEST_ID_HEADER, RuntimeDep, request_id
from agent.runtime import Runtime
from agent.schemas import MAX_TOP_K, BatchIn, BatchOut, ClassifyOut, TicketIn, errors
from agent.service import TOP_K, BothUnavailable, Result, Ticket

log = logging.getLogger("agent")
router = APIRouter()
TopK = Query(None, ge=1, le=MAX_TOP_K, description="categories listed in `top_k` (default 3)")


def to_ticket(t: TicketIn, rid: str, top_k: int | None) -> Ticket:
    """Body fields win over the query string."""
    k = t.top_k or top_k or TOP_K
    return Ticket(t.text, t.channel, t.language, rid, k, t.force_model)


def check_limits(rt: Runtime, texts: list[str]) -> None:
    limits = rt.settings
    if len(texts) > limits.max_batch_size:
        raise HTTPException(413, f"{len(texts)} tickets; the limit is {limits.max_batch_size}")
    for i, text in enumerate(texts):
        if len(text) > limits.max_text_chars:
            raise HTTPException(
                413, f"ticket {i} has {len(text)} characters; limit {limits.max_text_chars}"
            )


async def answer(rt: Runtime, tickets: list[Ticket]) -> list[Result]:
    check_limits(rt, [t.text for t in tickets])
    try:
        results = await rt.classifier.classify(tickets)
    except BothUnavailable as exc:
        log.warning("both predictors unavailable: %s", exc)
        raise HTTPException(
            503,
            "no model can answer right now; retry later",
            {"Retry-After": str(rt.settings.retry_after_s)},
        ) from None
    except PredictorRefused as exc:
        raise HTTPException(
            422, [{"field": "body.text", "reason": f"a model refused the ticket: {exc}"}]
        ) from None
    if rt.recorder is not None:
        rt.recorder.submit(results)
    for r in results:
        log.info(
            "classified",
            extra={
                "request_id": r.request_id,
                "category": r.category,
                "model": r.model,
                "decision": r.route["decision"],
                "band": r.band,
                "fallback": r.route["fallback"],
                "redacted_text": r.pii["redacted_text"][:500],
            },
        )
    return results


@router.post(
    "/v1/classify",
    response_model=ClassifyOut,
    responses=errors(400, 401, 413, 422, 429, 503),
)
async def classify(
    ticket: TicketIn,
    request: Request,
    response: Response,
    rt: RuntimeDep,
    top_k: int | None = TopK,
) -> dict:
    """Classify one ticket; the answer explains which model answered and why.

    `request_id` is the caller's `X-Request-ID` when given (also sent back in that header).
    """
    rid = request_id(request, rt.classifier)
    response.headers[REQUEST_ID_HEADER] = rid
    result = (await answer(rt, [to_ticket(ticket, rid, top_k)]))[0]
    return result.public()


@router.post(
    "/v1/classify/batch",
    response_model=BatchOut,
    responses=errors(400, 401, 413, 422, 429, 503),
)
async def classify_batch(
    batch: BatchIn,
    request: Request,
    response: Response,
    rt: RuntimeDep,
    top_k: int | None = TopK,
) -> dict:
    """Classify up to `CCAI_AGENT_MAX_BATCH_SIZE` tickets in one call.

    Each ticket's `request_id` is the request's id (`X-Request-ID`) and its index: `ID-0`...
    """
    rid = request_id(request, rt.classifier)
    response.headers[REQUEST_ID_HEADER] = rid
    tickets = [to_ticket(t, f"{rid}-{i}", top_k) for i, t in enumerate(batch.tickets)]
    return {"results": [r.public() for r in await answer(rt, tickets)]}
