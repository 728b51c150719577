"""HTTP: an organisation's own semantic examples (`examples` scope).

    POST   /v1/examples        {"category", "label": "harm"|"benign", "text", "lang"?, "sub"?}
    GET    /v1/examples[?category=]
    DELETE /v1/examples/{id}

Thin: validation and storage live in `tutela.detect.semantic.orgbank`. An added example takes effect
on the organisation's next analysis; other organisations never see it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from tutela.access import Principal
from tutela.api.deps import get_db, require
from tutela.api.errors import error_response
from tutela.domain.inputs import DbId, Line, Text
from tutela.storage.db import Database

router = APIRouter(prefix="/v1/examples", tags=["examples"])


class ExampleIn(BaseModel):
    category: Line = Field(max_length=60, description="a taxonomy id, or 'ordinary' for everyday text")
    label: Literal["harm", "benign"]
    text: Text = Field(min_length=1, max_length=2000)
    lang: Line | None = Field(default=None, max_length=16, description="en, tr, az, fa or ru, if known")
    sub: Line | None = Field(default=None, max_length=60, description="e.g. sextortion, scam_warning, disclosure")


class ExampleOut(BaseModel):
    id: int
    org_id: int
    category: str
    label: str
    text: str
    lang: str | None
    sub: str | None
    source: str = Field(description="where it was added from, e.g. api")
    created_by: str
    created_at: str = Field(description="ISO 8601")


class ExampleList(BaseModel):
    examples: list[ExampleOut]


class ExampleRemoved(BaseModel):
    removed: int


@router.post("", response_model=ExampleOut, status_code=201,
             summary="Add an example to the organisation's own semantic bank")
async def add(
    body: ExampleIn, principal: Principal = Depends(require("examples")), db: Database = Depends(get_db)
) -> ExampleOut | JSONResponse:
    from tutela.detect.semantic.orgbank import ExampleError, add_example

    try:
        ex = await run_in_threadpool(
            add_example, db, principal.org_id, category=body.category, label=body.label, text=body.text,
            lang=body.lang, sub=body.sub, actor=principal.actor, source="api",
        )
    except ExampleError as exc:
        return error_response(422, str(exc))
    return ExampleOut(**ex.as_dict())


@router.get("", response_model=ExampleList, summary="The organisation's own examples")
async def list_(
    category: Annotated[Line | None, Query(max_length=60)] = None,
    principal: Principal = Depends(require("examples")),
    db: Database = Depends(get_db),
) -> ExampleList:
    from tutela.detect.semantic.orgbank import list_examples

    rows = await run_in_threadpool(list_examples, db, principal.org_id, category=category)
    return ExampleList(examples=[ExampleOut(**e.as_dict()) for e in rows])


@router.delete("/{example_id}", response_model=ExampleRemoved, summary="Remove one of the organisation's examples")
async def remove(
    example_id: DbId, principal: Principal = Depends(require("examples")), db: Database = Depends(get_db)
) -> ExampleRemoved | JSONResponse:
    from tutela.detect.semantic.orgbank import remove_example

    if not await run_in_threadpool(remove_example, db, principal.org_id, example_id, actor=principal.actor):
        return error_response(404, f"no example {example_id} in this organisation")
    return ExampleRemoved(removed=example_id)
