"""Export formats for a case: each format is one module here that registers itself.

A format is a function `(CaseDetail, options) -> Export`; `export_case`
checks access (supervisor / `export`), builds the case view, renders and
audit-logs the export. Add a format by adding a module with `@register`.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tutela.access import Forbidden, Principal
from tutela.cases import audit, authz
from tutela.cases.views import case_detail
from tutela.config import Settings
from tutela.domain.cases import CaseDetail
from tutela.storage.db import Database


@dataclass(frozen=True)
class Export:
    content: bytes
    media_type: str
    filename: str


Renderer = Callable[[CaseDetail, dict[str, Any]], Export]
FORMATS: dict[str, Renderer] = {}


def register(name: str) -> Callable[[Renderer], Renderer]:
    def _wrap(fn: Renderer) -> Renderer:
        FORMATS[name] = fn
        return fn

    return _wrap


def load_formats() -> None:
    for mod in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{mod.name}")


def export_case(
    db: Database, settings: Settings, principal: Principal, case_id: int, fmt: str, **options: Any
) -> Export:
    load_formats()
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; valid: {', '.join(sorted(FORMATS))}")
    with audit.writing(db) as conn:
        access = authz.case_access(conn, principal, case_id, "export")
        if access.relation != "owner":
            raise Forbidden(f"case {case_id} belongs to another organisation")
        detail = case_detail(conn, settings, principal, access)
        out = FORMATS[fmt](detail, options)
        audit.append(
            conn,
            actor=principal.actor,
            org_id=principal.org_id,
            action="case.export",
            object_type="case",
            object_id=case_id,
            details={"format": fmt},
        )
    return out
