"""422 bodies for requests that fail validation: the field and the reason, never the input.

pydantic's own error carries `input`, which would echo the ticket (and its personal data) back,
and an unexpected key is the caller's text too (an IBAN, say), so its name is not repeated.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


def field_path(loc: tuple, kind: str) -> str:
    parts = [str(p) for p in loc]
    if kind == "extra_forbidden" and parts:
        parts[-1] = "<unexpected field>"
    return ".".join(parts)


async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    reasons = [{"field": field_path(e["loc"], e["type"]), "reason": e["msg"]} for e in exc.errors()]
    return JSONResponse(status_code=422, content={"detail": reasons})
