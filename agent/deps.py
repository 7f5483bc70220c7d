"""FastAPI dependencies: the runtime, bearer-token auth, the per-caller rate limit, request ids.

All `async def`: FastAPI runs a plain `def` dependency in its thread pool, a thread hand-off on
every request for checks that take microseconds. Without API keys or a rate limit the app adds
no dependency at all (`guards`), so an open agent solves none per request.
"""

from __future__ import annotations

import hmac
import re
import uuid
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from agent.rate_limit import RateLimit
from agent.runtime import Runtime
from agent.service import Classifier
from agent.settings import AgentSettings

REQUEST_ID_HEADER = "X-Request-ID"
# Safe to echo and log: no spaces, quotes or newlines (log injection), no unbounded length.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")


async def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


class BearerAuth:
    """Keys compared in constant time with every configured key: no timing hint of how much of
    a key matched. Several keys at once let a key rotate without downtime (add the new one, move
    the callers, drop the old)."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = [k.encode() for k in keys]

    async def __call__(self, request: Request) -> None:
        header = request.headers.get("authorization", "")
        token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
        given = token.encode()
        matched = None
        for i, key in enumerate(self.keys):
            if hmac.compare_digest(given, key):
                matched = i
        if matched is None:
            raise HTTPException(
                401, "missing or invalid bearer token", {"WWW-Authenticate": "Bearer"}
            )
        request.state.caller = f"key-{matched}"  # the rate limit's caller: never the key itself


class CallerLimit:
    """429 with Retry-After past the limit, counted per key (after auth) or per address."""

    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit

    async def __call__(self, request: Request) -> None:
        caller = getattr(request.state, "caller", None)
        if caller is None:
            caller = request.client.host if request.client else "unknown"
        wait = self.limit.retry_after(caller)
        if wait is not None:
            raise HTTPException(
                429,
                f"rate limit {self.limit.spec} reached; retry in {wait} s",
                {"Retry-After": str(wait)},
            )


def guards(settings: AgentSettings) -> list:
    """The dependencies of every API route (not probes, metrics or the page); auth first, so a
    caller is limited by its key."""
    out = [Depends(BearerAuth(settings.api_keys))] if settings.api_keys else []
    if settings.rate_limit:
        limit = RateLimit(settings.rate_limit, settings.rate_limit_storage)
        out.append(Depends(CallerLimit(limit)))
    return out


def request_id(request: Request, classifier: Classifier) -> str:
    """The caller's X-Request-ID, kept when it is safe to echo, log and store; a new one when
    there is none. Called by the routes, not a dependency: the v2 route answers its refusal in
    the v2 error shape."""
    given = request.headers.get(REQUEST_ID_HEADER)
    if given is None:
        return uuid.uuid4().hex
    if not _REQUEST_ID.fullmatch(given):
        raise HTTPException(
            400, f"{REQUEST_ID_HEADER} must be 1-128 letters, digits or . _ : - characters"
        )
    if classifier.holds_personal_data(given):
        raise HTTPException(
            400, f"{REQUEST_ID_HEADER} looks like personal data (it is logged): send an opaque id"
        )
    return given
