"""HTTP: analyse text (`analyze` scope).

    POST /v1/analyze/text   {"text": "..."} | {"texts": ["...", ...]} | {"items": [{"id": ..., "text": ...}]}

Thin: validates the body, calls `tutela.detect.analyze_texts` in a worker
thread, and returns the same record the CLI writes (`id`, `lang`, `scores`,
`flags`, `stages`, plus `explanations`, `signals`, `truncated` and `error`). Bad items in a batch
(empty text) come back with `error` set, in place; they never fail the batch.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field, model_validator
from starlette.concurrency import run_in_threadpool

from tutela.access import Principal
from tutela.api.deps import get_db, get_settings, require
from tutela.api.errors import documented
from tutela.api.limits import MAX_TEXT_CHARS_PER_REQUEST, MAX_TEXTS_PER_REQUEST, text_over_limit, too_large
from tutela.config import Settings
from tutela.domain.analysis import TextAnalysis
from tutela.storage.db import Database

router = APIRouter(prefix="/v1/analyze", tags=["text"])

MAX_BATCH = MAX_TEXTS_PER_REQUEST


class TextItem(BaseModel):
    id: str | int | None = Field(default=None, description="your identifier, echoed back")
    text: str


class AnalyzeTextRequest(BaseModel):
    """Exactly one of `text`, `texts` or `items`; at most 1,000 texts and 1,000,000 characters in all (413)."""

    text: str | None = Field(default=None, description="one text")
    texts: list[str] | None = Field(default=None, description=f"a batch of texts (at most {MAX_BATCH})")
    items: list[TextItem] | None = Field(default=None, description=f"a batch with ids (at most {MAX_BATCH})")
    lang: str | None = Field(default=None, description="skip language detection and use this ISO 639-1 code")
    explain: bool = Field(default=True, description="include the spans and patterns behind each flag")
    stages: Literal["auto", "fast", "deep"] = Field(
        default="auto",
        description="'auto': the cascade decides (the semantic stage runs for adults writing to minors, "
        "unknown ages and texts the fast stage is unsure of); 'fast': fast stage only; 'deep': both stages",
    )
    sender_minor: bool | None = Field(default=None, description="the sender is a minor, if the platform knows")
    recipient_minor: bool | None = Field(default=None, description="the recipient is a minor, if known")

    @model_validator(mode="after")
    def _one_form(self) -> AnalyzeTextRequest:
        given = [name for name in ("text", "texts", "items") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of 'text', 'texts' or 'items'")
        return self

    model_config = {
        "json_schema_extra": {
            "examples": [
                {"text": "send me a pic, dont tell your mom"},
                {"items": [{"id": "m1", "text": "hello"}, {"id": "m2", "text": "ты тупой"}]},
            ]
        }
    }


class TextResult(BaseModel):
    id: str | int | None = None
    lang: str
    scores: dict[str, float]
    flags: list[str]
    explanations: list[dict[str, Any]] | None = None
    truncated: bool | None = None
    error: str | None = None
    stages: list[str]
    signals: dict[str, float] | None = None


class AnalyzeTextResponse(BaseModel):
    results: list[TextResult]


def _record(a: TextAnalysis, rid: str | int | None, explain: bool) -> TextResult:
    return TextResult(
        id=rid,
        lang=a.lang,
        scores={c.value: v for c, v in a.scores.items()},
        flags=[c.value for c in a.flags],
        explanations=[e.record() for e in a.explanations] if explain else None,
        truncated=True if a.truncated else None,
        error=a.error,
        stages=a.stages,
        signals=a.signals or None,
    )


@router.post(
    "/text",
    response_model=AnalyzeTextResponse,
    response_model_exclude_none=True,
    responses=documented(413, f"more than {MAX_BATCH} texts, or more than {MAX_TEXT_CHARS_PER_REQUEST} "
                              "characters of text in all, in one request; `details.limit` says which"),
    summary="Analyse one text or a batch: language, a score per harm category, flags and explanations",
)
async def analyze_text_route(
    body: AnalyzeTextRequest,
    principal: Principal = Depends(require("analyze")),
    settings: Settings = Depends(get_settings),
    db: Database = Depends(get_db),
) -> Any:
    from tutela.detect import analyze_texts
    from tutela.detect.semantic.cascade import Audience
    from tutela.detect.semantic.orgbank import org_bank

    if body.text is not None:
        ids: list[str | int | None] = [None]
        texts = [body.text]
    elif body.texts is not None:
        ids, texts = [None] * len(body.texts), list(body.texts)
    else:
        ids = [it.id for it in body.items or []]
        texts = [it.text for it in body.items or []]
    if len(texts) > MAX_BATCH:
        return too_large(f"too many texts: {len(texts)} in one request, the limit is {MAX_BATCH}; split the batch",
                         MAX_BATCH)
    over = text_over_limit(texts)
    if over is not None:
        return over
    langs = [body.lang] * len(texts) if body.lang else None
    audience = None
    if body.sender_minor is not None or body.recipient_minor is not None:
        audience = [Audience(body.sender_minor, body.recipient_minor)] * len(texts)
    org = await run_in_threadpool(org_bank, db, principal.org_id)  # the caller's own examples, if any
    analyses = await run_in_threadpool(
        analyze_texts, texts, settings=settings, langs=langs, explain=body.explain,
        stages=body.stages, audiences=audience, org=org,
    )
    return AnalyzeTextResponse(results=[_record(a, rid, body.explain) for a, rid in zip(analyses, ids, strict=True)])
