"""What the agent's API accepts and answers, as pydantic models.

They are the OpenAPI document that `/docs`, clients and the fuzz tests read, so every status a
route can answer is declared with its body: a caller (or schemathesis) can hold the agent to it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_TOP_K = 50


class TicketIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(description="The ticket as written: email body, chat or call transcript.")
    channel: Literal["email", "chat", "phone"] | None = None
    language: str | None = Field(None, pattern=r"^[a-z]{2}$", description="ISO 639-1 hint")
    top_k: int | None = Field(
        None, ge=1, le=MAX_TOP_K, description="categories listed in `top_k` (default 3)"
    )
    force_model: Literal["svm", "transformer"] | None = Field(
        None, description="answer with this model, skipping routing"
    )

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text is empty or whitespace")
        return value


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tickets: list[TicketIn] = Field(min_length=1)


class CategoryOut(BaseModel):
    category: str
    probability: float


class ReasonOut(BaseModel):
    code: str = Field(description="contract.routing reason code, e.g. `language`, `low_confidence`")
    detail: str


class RouteOut(BaseModel):
    decision: Literal["svm", "transformer", "escalated", "forced"]
    reasons: list[ReasonOut]
    rationale: str = Field(description="the reasons in one line a support agent can read")
    language: str | None
    length: int
    complexity: float
    svm_confidence: float | None
    svm_category: str | None
    fallback: bool = Field(description="the chosen model was unavailable; the other one answered")


class EntityOut(BaseModel):
    type: str = Field(description="the placeholder's entity type, e.g. EMAIL, PERSON")
    start: int = Field(description="offset into the text as sent")
    end: int


class PiiOut(BaseModel):
    redacted_text: str = Field(description="what the models saw: personal data replaced")
    entities: list[EntityOut]


class ClassifyOut(BaseModel):
    request_id: str
    category: str
    confidence: float
    model: str
    model_version: str
    band: Literal["auto", "review"] = Field(
        description="`auto`: route it; `review`: a person looks first (see route.reasons)"
    )
    familiarity: float | None = Field(
        description="how much the ticket looks like the answering model's training data"
    )
    top_k: list[CategoryOut]
    keywords: list[str] = Field(description="SVM answers: the terms that decided the category")
    route: RouteOut
    pii: PiiOut
    latency_ms: float


class BatchOut(BaseModel):
    results: list[ClassifyOut]


class FeedbackOut(BaseModel):
    category: str
    verdict: Literal["confirmed", "corrected"]
    note: str | None


class StoredOut(BaseModel):
    request_id: str
    created_at: str
    model: str
    model_version: str
    category: str
    confidence: float
    band: Literal["auto", "review"]
    reason: str
    language: str | None
    redacted_text: str
    categories: list[str]
    feedback: FeedbackOut | None = None


class QueueOut(BaseModel):
    items: list[StoredOut]
    queue_length: int = Field(description="answers in the `review` band nobody has looked at")


class TrafficMixOut(BaseModel):
    active: bool = Field(description="whether answers are moved onto this mix now")
    min_reviews: int = Field(description="reviewed review-band answers needed before it is used")
    reviewed: int = Field(description="review-band answers with a person's category")
    auto: int = Field(description="auto-band answers counted by their category")
    mix: dict[str, float] = Field(
        description="estimated share of each category in the stored traffic, before the "
        "smoothing towards each version's training prior"
    )


class PurgeOut(BaseModel):
    deleted: int
    retention_days: float


class ErrorOut(BaseModel):
    detail: str = Field(description="why the request was refused")


class FieldErrorOut(BaseModel):
    field: str = Field(description="where in the request, e.g. `body.text`")
    reason: str


class ValidationErrorOut(BaseModel):
    """422 bodies carry reasons only: pydantic's `input` would echo the ticket back."""

    detail: list[FieldErrorOut]


class V2ErrorOut(BaseModel):
    error: str


_ERRORS: dict[int, tuple[type[BaseModel], str]] = {
    400: (ErrorOut, "malformed request: a body that is not UTF-8 JSON, an unsafe X-Request-ID"),
    401: (ErrorOut, "missing or invalid bearer token (when API keys are set)"),
    404: (ErrorOut, "no such stored answer"),
    409: (ErrorOut, "this answer has feedback already"),
    413: (ErrorOut, "body, batch or ticket larger than the limits"),
    422: (ValidationErrorOut, "the request does not match the schema"),
    429: (ErrorOut, "rate limit reached; retry after `Retry-After` seconds"),
    503: (ErrorOut, "no model (or no review store) can answer now; retry after `Retry-After`"),
}


def errors(*codes: int, v2: bool = False) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route that can answer these statuses besides 200."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        model, description = _ERRORS[code]
        out[code] = {"model": V2ErrorOut if v2 else model, "description": description}
        if code == 413:
            # Starlette's body limit answers in plain text when Content-Length is over it.
            out[code]["content"] = {"text/plain": {"schema": {"type": "string"}}}
    return out


# Documents the v2 body in OpenAPI; the route reads the raw body itself (see agent/v2.py).
V2_REQUEST_SCHEMA = {
    "type": "object",
    "required": ["inputs"],
    "properties": {
        "id": {"type": "string"},
        "inputs": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "shape", "datatype"],
                "properties": {
                    "name": {"type": "string"},
                    "shape": {"type": "array", "items": {"type": "integer"}},
                    "datatype": {"type": "string"},
                    "parameters": {"type": "object"},
                    "data": {"type": "array"},
                },
            },
        },
        "outputs": {"type": "array", "items": {"type": "object"}},
        "parameters": {"type": "object"},
    },
}
V2_RESPONSE_SCHEMA = {
    "type": "object",
    "required": ["model_name", "outputs"],
    "properties": {
        "model_name": {"type": "string"},
        "model_version": {"type": "string"},
        "id": {"type": ["string", "null"]},
        "parameters": {"type": "object"},
        "outputs": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "shape", "datatype", "data"],
                "properties": {
                    "name": {"type": "string"},
                    "shape": {"type": "array", "items": {"type": "integer"}},
                    "datatype": {"type": "string"},
                    "data": {"type": "array"},
                },
            },
        },
    },
}
