"""The support page (agent/ui/index.html): classify a ticket, work the review queue."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse

router = APIRouter(include_in_schema=False)
PAGE = (Path(__file__).parent.parent / "ui" / "index.html").read_text(encoding="utf-8")


@router.get("/ui", response_class=HTMLResponse)
async def ui() -> HTMLResponse:
    return HTMLResponse(PAGE)


@router.get("/")
async def root() -> RedirectResponse:
    return RedirectResponse("/ui")
