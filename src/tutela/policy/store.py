"""Per-organisation policies: every upload is a new immutable version; one
version is live, optionally another runs in shadow.

Versions are never edited or deleted, so any past decision can be traced to
the exact rules that made it (the decision log records the version). Until an
organisation activates a version of its own, the built-in default policy is live.

The hot path (`policies_for`) reads the organisation's state at most once per
`CACHE_SECONDS` per process and compiles each version once, so a change made
by another worker process is seen within that time.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tutela.domain.policy import PolicyVersionInfo
from tutela.policy.model import Policy, PolicyError, default_policy, parse_policy
from tutela.storage.db import Database
from tutela.storage.tables.policy import policy_state, policy_versions
from tutela.storage.times import utc_now

CACHE_SECONDS = 2.0

log = logging.getLogger(__name__)

_lock = threading.Lock()
_state_cache: dict[tuple[str, int], tuple[float, Policy, Policy | None]] = {}
_compiled: dict[tuple[str, int, int], Policy] = {}


class PolicyNotFound(LookupError):
    pass


def _invalidate(db: Database, org_id: int) -> None:
    with _lock:
        _state_cache.pop((db.url, org_id), None)


def save_version(
    db: Database,
    org_id: int,
    source: str,
    *,
    created_by: str | None = None,
    comment: str | None = None,
    activate: bool = False,
    shadow: bool = False,
    filename: str = "policy.yaml",
) -> PolicyVersionInfo:
    """Validate and store a new version (raises PolicyError with line numbers; nothing is stored then)."""
    policy = parse_policy(source, filename=filename)
    for _attempt in range(3):
        try:
            with db.begin() as conn:
                current = conn.execute(
                    select(func.max(policy_versions.c.version)).where(policy_versions.c.org_id == org_id)
                ).scalar()
                version = int(current or 0) + 1
                conn.execute(policy_versions.insert().values(
                    org_id=org_id, version=version, name=policy.name, source=source, sha256=policy.sha256,
                    rules=len(policy.rules), created_at=utc_now(), created_by=created_by,
                    comment=(comment or None) and comment[:500],
                ))
            break
        except IntegrityError:  # another writer took this number: try the next one
            continue
    else:  # pragma: no cover - three concurrent writers in a row
        raise RuntimeError("could not allocate a policy version number; try again")
    if activate:
        activate_version(db, org_id, version, by=created_by)
    if shadow:
        set_shadow(db, org_id, version, by=created_by)
    return get_info(db, org_id, version)


def _state(db: Database, org_id: int) -> tuple[int | None, int | None]:
    with db.connect() as conn:
        row = conn.execute(
            select(policy_state.c.active_version, policy_state.c.shadow_version).where(policy_state.c.org_id == org_id)
        ).first()
    return (row.active_version, row.shadow_version) if row else (None, None)


def _set_state(db: Database, org_id: int, by: str | None, **values: int | None) -> None:
    with db.begin() as conn:
        exists = conn.execute(select(policy_state.c.org_id).where(policy_state.c.org_id == org_id)).first()
        if exists:
            conn.execute(policy_state.update().where(policy_state.c.org_id == org_id)
                         .values(updated_at=utc_now(), updated_by=by, **values))
        else:
            conn.execute(policy_state.insert().values(org_id=org_id, updated_at=utc_now(), updated_by=by, **values))
    _invalidate(db, org_id)


def _require_version(db: Database, org_id: int, version: int) -> None:
    with db.connect() as conn:
        found = conn.execute(select(policy_versions.c.id).where(
            policy_versions.c.org_id == org_id, policy_versions.c.version == version)).first()
    if not found:
        raise PolicyNotFound(f"this organisation has no policy version {version}")


def activate_version(db: Database, org_id: int, version: int, *, by: str | None = None) -> None:
    """Make a stored version live. If it was the shadow, the shadow slot is cleared."""
    _require_version(db, org_id, version)
    _active, shadow = _state(db, org_id)
    values: dict[str, int | None] = {"active_version": version}
    if shadow == version:
        values["shadow_version"] = None
    _set_state(db, org_id, by, **values)


def set_shadow(db: Database, org_id: int, version: int | None, *, by: str | None = None) -> None:
    """Run a stored version beside the live one (None stops shadowing)."""
    if version is not None:
        _require_version(db, org_id, version)
    _set_state(db, org_id, by, shadow_version=version)


def get_source(db: Database, org_id: int, version: int) -> str:
    with db.connect() as conn:
        src = conn.execute(select(policy_versions.c.source).where(
            policy_versions.c.org_id == org_id, policy_versions.c.version == version)).scalar()
    if src is None:
        raise PolicyNotFound(f"this organisation has no policy version {version}")
    return src


def get_info(db: Database, org_id: int, version: int) -> PolicyVersionInfo:
    for info in list_versions(db, org_id):
        if info.version == version:
            return info
    raise PolicyNotFound(f"this organisation has no policy version {version}")


def list_versions(db: Database, org_id: int) -> list[PolicyVersionInfo]:
    active, shadow = _state(db, org_id)
    with db.connect() as conn:
        rows = conn.execute(
            select(policy_versions.c.version, policy_versions.c.name, policy_versions.c.sha256,
                   policy_versions.c.created_at, policy_versions.c.created_by, policy_versions.c.comment,
                   policy_versions.c.rules)
            .where(policy_versions.c.org_id == org_id).order_by(policy_versions.c.version)
        ).all()
    return [
        PolicyVersionInfo(version=r.version, name=r.name, sha256=r.sha256, created_at=r.created_at,
                          created_by=r.created_by, comment=r.comment, rules=r.rules,
                          active=r.version == active, shadow=r.version == shadow)
        for r in rows
    ]


def load_version(db: Database, org_id: int, version: int) -> Policy:
    """A stored version, compiled once per process (versions are immutable)."""
    key = (db.url, org_id, version)
    pol = _compiled.get(key)
    if pol is None:
        pol = parse_policy(get_source(db, org_id, version), filename=f"org{org_id}-v{version}.yaml")
        pol = pol.with_version(version)
        with _lock:
            _compiled[key] = pol
    return pol


def _safe_load(db: Database, org_id: int, version: int | None) -> Policy | None:
    """A stored version, or None. A version that no longer compiles (say, after an upgrade
    removed a nudge it names) must not stop moderation: the caller falls back to the
    default policy, which is safe for minors, and the error is logged for the operator."""
    if version is None:
        return None
    try:
        return load_version(db, org_id, version)
    except (PolicyError, PolicyNotFound):
        log.exception("organisation %s: policy version %s cannot be used; using the default policy",
                      org_id, version)
        return None


def policies_for(db: Database, org_id: int | None) -> tuple[Policy, Policy | None]:
    """(live, shadow) policies of an organisation; the default policy when it has none."""
    if org_id is None:
        return default_policy(), None
    key = (db.url, org_id)
    now = time.monotonic()
    hit = _state_cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1], hit[2]
    active, shadow = _state(db, org_id)
    live = _safe_load(db, org_id, active) or default_policy()
    shadow_pol = _safe_load(db, org_id, shadow)
    with _lock:
        _state_cache[key] = (now + CACHE_SECONDS, live, shadow_pol)
    return live, shadow_pol


__all__ = [
    "CACHE_SECONDS",
    "PolicyNotFound",
    "activate_version",
    "get_info",
    "get_source",
    "list_versions",
    "load_version",
    "policies_for",
    "save_version",
    "set_shadow",
]
