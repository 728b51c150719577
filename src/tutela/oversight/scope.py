"""Whose figures a caller may see: the one place oversight decides it.

| caller                                   | measures                          | register |
|------------------------------------------|-----------------------------------|----------|
| regulator (role, or an `oversight` key of an organisation of kind regulator) | every organisation, limited to the regulator's country when it has one | every notice and order (same country rule) |
| a platform's organisation                | the cases and decisions about it  | notices and orders sent to it |
| anyone else with `stats` (supervisors, admins, `cases`/`oversight` keys) | their own organisation's work | what they sent |

Nobody gets case-level data from oversight: the figures are sums over rollups and the register
holds no case content. Seeing any of it needs the `oversight` scope or the `stats` permission.
"""

from __future__ import annotations

from dataclasses import dataclass

from tutela.access import Forbidden, Principal, get_org
from tutela.cases.authz import permissions
from tutela.storage.db import Database


@dataclass(frozen=True)
class Scope:
    """What a caller's figures are limited to; None means no limit on that dimension."""

    kind: str  # regulator | platform | organisation
    org_id: int
    org_ids: frozenset[int] | None = None  # whose work (case owner, notice issuer)
    platform_id: int | None = None
    country: str | None = None

    @property
    def is_regulator(self) -> bool:
        return self.kind == "regulator"


def scope_for(db: Database, principal: Principal) -> Scope:
    """The caller's scope; AccessError (403) for a caller that may not see oversight at all."""
    if not (principal.has("oversight") or "stats" in permissions(principal)):
        raise Forbidden("oversight needs the 'oversight' scope or a supervisor's role")
    org = get_org(db, principal.org_id)
    if org is None:
        raise Forbidden("unknown organisation")
    if principal.role == "regulator" or (principal.role is None and org["kind"] == "regulator"):
        return Scope("regulator", org["id"], country=org.get("country"))
    if org["kind"] == "platform":
        return Scope("platform", org["id"], platform_id=org["id"])
    return Scope("organisation", org["id"], org_ids=frozenset({org["id"]}))


def refuse_case_data(principal: Principal) -> None:
    """Raise for a regulator asking for anything case-level (used by doors that could leak it)."""
    if principal.role == "regulator":
        raise Forbidden("regulators see aggregates and the register only, never a case")


__all__ = ["Scope", "refuse_case_data", "scope_for"]
