"""Who may see and do what with a case: the one place the rules live.

A case belongs to the organisation that received the report. Another
organisation sees it only when the case was referred to it (a referral with
its `target_org_id`), and then only to read it, add notes, open evidence and
update its own referral. Cases an organisation may not see answer 404, not
403, so that ids reveal nothing about other tenants.

People act through roles; machines act through API key scopes:

| who                      | may |
|--------------------------|-----|
| analyst                  | read, work (take a case, refer, record referral progress, action, close), notes, evidence |
| supervisor, key `cases`  | the above, plus assign others, reopen, bulk, legal hold, appeals, exports, own stats |
| agency_liaison           | cases referred to the organisation: read, notes, evidence, update referral |
| regulator, key `oversight` | aggregates only, never case content |
| admin, key `admin`       | everything in the organisation, and its outcome list for closing cases |
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from tutela.access import AccessError, Forbidden, NotFound, Principal
from tutela.storage.db import Database
from tutela.storage.tables.cases import cases, referrals

ROLES = ("analyst", "supervisor", "agency_liaison", "regulator", "admin")

_ANALYST = frozenset({"read", "work", "note", "evidence", "refer", "referral_update"})
_SUPERVISOR = _ANALYST | {"assign", "reopen", "bulk", "hold", "appeal", "export", "stats"}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "analyst": _ANALYST,
    "supervisor": _SUPERVISOR,
    "agency_liaison": frozenset({"read", "note", "evidence", "referral_update"}),
    "regulator": frozenset({"stats"}),
    "admin": _SUPERVISOR | {"stats", "referral_update", "retention", "outcomes"},
}

#: What a referred (non-owning) organisation may do with a case.
REFERRED_PERMISSIONS = frozenset({"read", "note", "evidence", "referral_update"})


def permissions(principal: Principal) -> frozenset[str]:
    """A person's role decides; for an API key, its scopes do."""
    if principal.role is not None:
        return ROLE_PERMISSIONS.get(principal.role, frozenset())
    if principal.has("admin"):
        return ROLE_PERMISSIONS["admin"]
    perms: set[str] = set()
    if principal.has("cases"):
        perms |= _SUPERVISOR | {"referral_update"}
    if principal.has("oversight"):
        perms.add("stats")
    return frozenset(perms)


def require_permission(principal: Principal, perm: str) -> None:
    if perm not in permissions(principal):
        who = f"role '{principal.role}'" if principal.role else "this credential"
        raise Forbidden(f"{who} may not do '{perm}' on cases")


def sees_own_cases(principal: Principal) -> bool:
    """Agency liaisons work only what was referred to them; regulators see no case at all."""
    perms = permissions(principal)
    return "read" in perms and principal.role != "agency_liaison"


@dataclass(frozen=True)
class CaseAccess:
    case: dict
    relation: str  # owner | referred


def case_access(conn: Connection, principal: Principal, case_id: int, perm: str) -> CaseAccess:
    """Load a case for `principal` and check `perm`; raises NotFound or Forbidden."""
    require_permission(principal, perm)
    row = conn.execute(select(cases).where(cases.c.id == case_id)).mappings().first()
    not_found = NotFound(f"no case {case_id} visible to your organisation")
    if row is None:
        raise not_found
    if row["org_id"] == principal.org_id and sees_own_cases(principal):
        return CaseAccess(dict(row), "owner")
    referred = conn.execute(
        select(referrals.c.id)
        .where(referrals.c.case_id == case_id, referrals.c.target_org_id == principal.org_id)
        .limit(1)
    ).first()
    if referred is None:
        raise not_found
    if perm not in REFERRED_PERMISSIONS:
        raise Forbidden(f"case {case_id} was referred to your organisation: you may not do '{perm}'")
    return CaseAccess(dict(row), "referred")


def case_access_as(
    conn: Connection, principal: Principal, case_id: int, perm: str, not_found: str
) -> CaseAccess:
    """`case_access` for an object that hangs off a case (evidence, referral, appeal): a case
    the caller may not see answers with the object's own 404 message, never naming the case."""
    try:
        return case_access(conn, principal, case_id, perm)
    except NotFound:
        raise NotFound(not_found) from None


def principal_for_user(db: Database, user_id: int) -> Principal:
    """A signed-in person as a Principal (the web layer calls this after login)."""
    from tutela.storage.tables.access import orgs, users

    with db.connect() as conn:
        row = conn.execute(
            select(users.c.id, users.c.role, users.c.disabled, orgs.c.id.label("org_id"), orgs.c.name)
            .join(orgs, orgs.c.id == users.c.org_id)
            .where(users.c.id == user_id)
        ).first()
    if row is None or row.disabled:
        raise AccessError("unknown or disabled user")
    scopes = {"regulator": {"oversight"}, "admin": {"admin"}}.get(row.role, {"cases", "reports"})
    return Principal(row.org_id, row.name, frozenset(scopes), user_id=row.id, role=row.role)
