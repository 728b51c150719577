"""Partners: the organisations an organisation exchanges with, their keys, and what may flow.

A partner is registered by one local organisation with the partner's public
key (told out of band: compare the key id on a call), its endpoint, and a
policy that holds in both directions:

- `share_level`: the highest TLP 2.0 level that may go to the partner or be
  accepted from it (default amber);
- `categories`, `signal_types`, `countries`: allow-lists (empty: all);
- `may_receive_content`: whether anything beyond fingerprints (content
  itself) may ever be sent to it. Default never.

`outbound_refusal` / `inbound_refusal` are the one place these rules are
applied: every door (file export, push, a partner pulling) asks them before
anything leaves, and every import asks them before anything lands.

A partner may hold several keys while it rotates; `refresh_from_identity`
takes a new key only when a key we already trust endorsed it, and marks keys
the partner itself reports revoked. `revoke_partner` stops everything from and
to the partner; `revoke_key` one key. Every change is audited.

Use::

    from tutela.exchange import partners
    p = partners.add_partner(db, org_id, "hotline-az", public_key, url="https://...", share_level="amber")
    partners.list_partners(db, org_id)
    partner, key = partners.verification_key(db, org_id, "hotline-az", kid)   # raises Refused
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, select, update

from tutela.domain.errors import ErrorKind
from tutela.domain.exchange import TLP, Partner, PartnerKey
from tutela.domain.taxonomy import Category
from tutela.exchange import jose
from tutela.exchange.errors import ExchangeError, Refused
from tutela.storage.db import Database
from tutela.storage.tables.exchange import exchange_partner_keys, exchange_partners
from tutela.storage.times import as_utc, as_utc_or_none, utc_now

if TYPE_CHECKING:
    from tutela.exchange.stix import Signal


def _audit(
    conn: Connection, *, actor: str, org_id: int, action: str, partner_id: int, details: dict[str, Any]
) -> None:
    from tutela.cases import audit

    audit.append(
        conn,
        actor=actor,
        action=action,
        object_type="exchange_partner",
        object_id=partner_id,
        org_id=org_id,
        details=details,
    )


def _clean_list(
    values: Iterable[str] | None, *, what: str, valid: Iterable[str] | None = None, upper: bool = False
) -> list[str]:
    out = sorted({(v.strip().upper() if upper else v.strip().lower()) for v in values or [] if v.strip()})
    if valid is not None:
        allowed = set(valid)
        unknown = [v for v in out if v not in allowed]
        if unknown:
            raise ExchangeError(f"unknown {what} {', '.join(unknown)}; valid: {', '.join(sorted(allowed))}")
    return out


def _policy_values(fields: dict[str, Any]) -> dict[str, Any]:
    from tutela.hashing.signals import SIGNALS

    out: dict[str, Any] = {}
    if fields.get("share_level") is not None:
        try:
            out["share_level"] = TLP.parse(fields["share_level"]).value
        except ValueError as exc:
            raise ExchangeError(str(exc)) from None
    if fields.get("categories") is not None:
        out["categories"] = _clean_list(
            fields["categories"], what="categories", valid=[c.value for c in Category]
        )
    if fields.get("signal_types") is not None:
        out["signal_types"] = _clean_list(
            fields["signal_types"], what="signal types", valid=[*SIGNALS, *KEYED_SIGNAL_TYPES]
        )
    if fields.get("countries") is not None:
        out["countries"] = _clean_list(fields["countries"], what="countries", upper=True)
        if any(len(c) != 2 or not c.isalpha() for c in out["countries"]):
            raise ExchangeError("countries are ISO 3166-1 alpha-2 codes such as TR, AZ, IR")
    if fields.get("country") is not None:
        c = fields["country"].strip().upper()
        if len(c) != 2 or not c.isalpha():
            raise ExchangeError("country must be an ISO 3166-1 alpha-2 code such as TR, AZ, IR")
        out["country"] = c
    if fields.get("endpoint_url") is not None:
        url = fields["endpoint_url"].strip().rstrip("/")
        if url and not url.startswith(("https://", "http://")):
            raise ExchangeError(
                f"endpoint URL {url!r} must start with https:// (or http:// on a private network)"
            )
        out["endpoint_url"] = url or None
    if fields.get("may_receive_content") is not None:
        out["may_receive_content"] = bool(fields["may_receive_content"])
    return out


#: Signal types that are keyed hashes of identifiers (never sent in the clear), besides the hash types.
KEYED_SIGNAL_TYPES = ("url", "account")


def _keys_of(conn: Connection, partner_ids: list[int]) -> dict[int, list[PartnerKey]]:
    out: dict[int, list[PartnerKey]] = {pid: [] for pid in partner_ids}
    if not partner_ids:
        return out
    for r in conn.execute(
        select(exchange_partner_keys)
        .where(exchange_partner_keys.c.partner_id.in_(partner_ids))
        .order_by(exchange_partner_keys.c.id)
    ).all():
        out[r.partner_id].append(
            PartnerKey(
                key_id=r.key_id,
                public_key=r.public_key,
                added_at=as_utc(r.added_at),
                endorsed_by=r.endorsed_by,
                revoked_at=as_utc_or_none(r.revoked_at),
                revoked_reason=r.revoked_reason,
            )
        )
    return out


def _to_partner(row: Any, keys: list[PartnerKey]) -> Partner:
    return Partner(
        id=row.id,
        org_id=row.org_id,
        name=row.name,
        endpoint_url=row.endpoint_url,
        country=row.country,
        share_level=TLP(row.share_level),
        categories=list(row.categories or []),
        signal_types=list(row.signal_types or []),
        countries=list(row.countries or []),
        may_receive_content=bool(row.may_receive_content),
        keys=keys,
        created_at=as_utc(row.created_at),
        revoked_at=as_utc_or_none(row.revoked_at),
        revoked_reason=row.revoked_reason,
    )


def list_partners(db: Database, org_id: int, *, include_revoked: bool = True) -> list[Partner]:
    """The organisation's partners, by name, each with its keys."""
    q = (
        select(exchange_partners)
        .where(exchange_partners.c.org_id == org_id)
        .order_by(exchange_partners.c.name)
    )
    if not include_revoked:
        q = q.where(exchange_partners.c.revoked_at.is_(None))
    with db.connect() as conn:
        rows = conn.execute(q).all()
        keys = _keys_of(conn, [r.id for r in rows])
    return [_to_partner(r, keys[r.id]) for r in rows]


def get_partner(db: Database, org_id: int, name: str | int) -> Partner:
    """One partner by name (or id); ExchangeError 404 naming the known ones when there is none."""
    with db.connect() as conn:
        col = exchange_partners.c.id if isinstance(name, int) else exchange_partners.c.name
        row = conn.execute(
            select(exchange_partners).where(exchange_partners.c.org_id == org_id, col == name)
        ).first()
        if row is None:
            known = (
                conn.execute(
                    select(exchange_partners.c.name)
                    .where(exchange_partners.c.org_id == org_id)
                    .order_by(exchange_partners.c.name)
                )
                .scalars()
                .all()
            )
            raise ExchangeError(
                f"no partner {name!r}"
                + (f"; partners: {', '.join(known)}" if known else "; no partners registered"),
                kind=ErrorKind.NOT_FOUND,
            )
        return _to_partner(row, _keys_of(conn, [row.id])[row.id])


def add_partner(
    db: Database,
    org_id: int,
    name: str,
    public_key: str,
    *,
    url: str | None = None,
    country: str | None = None,
    share_level: str | TLP = TLP.AMBER,
    categories: Iterable[str] | None = None,
    signal_types: Iterable[str] | None = None,
    countries: Iterable[str] | None = None,
    may_receive_content: bool = False,
    actor: str = "operator",
) -> Partner:
    """Register a partner with its public key and policy; ExchangeError for a taken name or bad input."""
    from tutela.cases import audit

    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ExchangeError("a partner needs a name of 1 to 200 characters")
    try:
        key = jose.parse_public_key(public_key)
    except ValueError as exc:
        raise ExchangeError(str(exc)) from None
    values = _policy_values(
        dict(
            share_level=share_level,
            categories=categories or [],
            signal_types=signal_types or [],
            countries=countries or [],
            country=country,
            endpoint_url=url or "",
            may_receive_content=may_receive_content,
        )
    )
    now = utc_now()
    with audit.writing(db) as conn:
        if conn.execute(
            select(exchange_partners.c.id).where(
                exchange_partners.c.org_id == org_id, exchange_partners.c.name == name
            )
        ).first():
            raise ExchangeError(f"partner {name!r} already exists", kind=ErrorKind.CONFLICT)
        res = conn.execute(
            exchange_partners.insert().values(
                org_id=org_id, name=name, created_by=actor[:80], created_at=now, **values
            )
        )
        partner_id = int(res.inserted_primary_key[0])
        conn.execute(
            exchange_partner_keys.insert().values(
                partner_id=partner_id,
                key_id=jose.thumbprint(key),
                public_key=jose.public_text(key),
                added_at=now,
            )
        )
        _audit(
            conn,
            actor=actor,
            org_id=org_id,
            action="exchange.partner_add",
            partner_id=partner_id,
            details={"name": name, "key_id": jose.thumbprint(key), **values},
        )
    return get_partner(db, org_id, name)


def update_partner(
    db: Database, org_id: int, name: str, *, actor: str = "operator", **fields: Any
) -> Partner:
    """Change a partner's endpoint or policy (url, country, share_level, categories, signal_types,
    countries, may_receive_content); fields left out (None) stay as they are."""
    from tutela.cases import audit

    if "url" in fields:
        fields["endpoint_url"] = fields.pop("url")
    unknown = set(fields) - {
        "endpoint_url",
        "country",
        "share_level",
        "categories",
        "signal_types",
        "countries",
        "may_receive_content",
    }
    if unknown:
        raise ExchangeError(f"cannot change {', '.join(sorted(unknown))} of a partner")
    partner = get_partner(db, org_id, name)
    values = _policy_values(fields)
    if not values:
        return partner
    with audit.writing(db) as conn:
        conn.execute(update(exchange_partners).where(exchange_partners.c.id == partner.id).values(**values))
        _audit(
            conn,
            actor=actor,
            org_id=org_id,
            action="exchange.partner_update",
            partner_id=partner.id,
            details={"name": partner.name, **values},
        )
    return get_partner(db, org_id, name)


def revoke_partner(
    db: Database, org_id: int, name: str, *, reason: str = "", actor: str = "operator"
) -> Partner:
    """Stop all exchange with a partner: nothing is sent to it and nothing from it is accepted."""
    from tutela.cases import audit

    partner = get_partner(db, org_id, name)
    if partner.revoked_at is not None:
        raise ExchangeError(f"partner {partner.name!r} was already revoked", kind=ErrorKind.CONFLICT)
    with audit.writing(db) as conn:
        conn.execute(
            update(exchange_partners)
            .where(exchange_partners.c.id == partner.id)
            .values(revoked_at=utc_now(), revoked_reason=(reason or None) and reason[:200])
        )
        _audit(
            conn,
            actor=actor,
            org_id=org_id,
            action="exchange.partner_revoke",
            partner_id=partner.id,
            details={"name": partner.name, "reason": reason[:200]},
        )
    return get_partner(db, org_id, name)


def add_key(
    db: Database,
    org_id: int,
    name: str,
    public_key: str,
    *,
    endorsed_by: str | None = None,
    actor: str = "operator",
) -> Partner:
    """Trust one more key of a partner (its rotation, told out of band or endorsed by a key we trust)."""
    from tutela.cases import audit

    partner = get_partner(db, org_id, name)
    try:
        key = jose.parse_public_key(public_key)
    except ValueError as exc:
        raise ExchangeError(str(exc)) from None
    kid = jose.thumbprint(key)
    if any(k.key_id == kid for k in partner.keys):
        raise ExchangeError(f"partner {partner.name!r} already has key {kid}", kind=ErrorKind.CONFLICT)
    with audit.writing(db) as conn:
        conn.execute(
            exchange_partner_keys.insert().values(
                partner_id=partner.id,
                key_id=kid,
                public_key=jose.public_text(key),
                endorsed_by=endorsed_by,
                added_at=utc_now(),
            )
        )
        _audit(
            conn,
            actor=actor,
            org_id=org_id,
            action="exchange.partner_key_add",
            partner_id=partner.id,
            details={"name": partner.name, "key_id": kid, "endorsed_by": endorsed_by},
        )
    return get_partner(db, org_id, name)


def revoke_key(
    db: Database, org_id: int, name: str, key_id: str, *, reason: str = "", actor: str = "operator"
) -> Partner:
    """Stop trusting one key of a partner: nothing signed with it is accepted again."""
    from tutela.cases import audit

    partner = get_partner(db, org_id, name)
    key = next((k for k in partner.keys if k.key_id == key_id), None)
    if key is None:
        raise ExchangeError(f"partner {partner.name!r} has no key {key_id!r}", kind=ErrorKind.NOT_FOUND)
    if key.revoked_at is not None:
        raise ExchangeError(f"key {key_id} of {partner.name!r} was already revoked", kind=ErrorKind.CONFLICT)
    with audit.writing(db) as conn:
        conn.execute(
            update(exchange_partner_keys)
            .where(
                exchange_partner_keys.c.partner_id == partner.id,
                exchange_partner_keys.c.key_id == key_id,
            )
            .values(revoked_at=utc_now(), revoked_reason=(reason or None) and reason[:200])
        )
        _audit(
            conn,
            actor=actor,
            org_id=org_id,
            action="exchange.partner_key_revoke",
            partner_id=partner.id,
            details={"name": partner.name, "key_id": key_id, "reason": reason[:200]},
        )
    return get_partner(db, org_id, name)


def verification_key(
    db: Database, org_id: int, partner: str | int | Partner, kid: str
) -> tuple[Partner, Ed25519PublicKey]:
    """The partner's public key `kid`, if it may verify anything now; Refused says why not."""
    p = partner if isinstance(partner, Partner) else get_partner(db, org_id, partner)
    if p.revoked_at is not None:
        raise Refused(
            f"partner {p.name!r} was revoked" + (f" ({p.revoked_reason})" if p.revoked_reason else "")
        )
    key = next((k for k in p.keys if k.key_id == kid), None)
    if key is None:
        raise Refused(
            f"unknown key {kid}: partner {p.name!r} is known with key(s) "
            f"{', '.join(k.key_id for k in p.keys)}"
            " (if it rotated, refresh its identity or add the new key after checking it with them)",
            kind=ErrorKind.UNAUTHENTICATED,
        )
    if key.revoked_at is not None:
        raise Refused(
            f"key {kid} of partner {p.name!r} was revoked"
            + (f" ({key.revoked_reason})" if key.revoked_reason else ""),
            kind=ErrorKind.UNAUTHENTICATED,
        )
    return p, jose.parse_public_key(key.public_key)


def partners_with_key(db: Database, kid: str) -> list[Partner]:
    """Every partner record (of any local organisation) that lists key `kid`: who an incoming request
    signed with it may be."""
    with db.connect() as conn:
        ids = (
            conn.execute(
                select(exchange_partner_keys.c.partner_id).where(exchange_partner_keys.c.key_id == kid)
            )
            .scalars()
            .all()
        )
        if not ids:
            return []
        rows = conn.execute(select(exchange_partners).where(exchange_partners.c.id.in_(ids))).all()
        keys = _keys_of(conn, [r.id for r in rows])
    return [_to_partner(r, keys[r.id]) for r in rows]


# --- the policy, both directions ---


def refusal(
    partner: Partner,
    *,
    share_level: TLP | str,
    category: str | None = None,
    signal_type: str | None = None,
    country: str | None = None,
    content: bool = False,
) -> str | None:
    """Why one item may not flow between us and `partner` (either way), or None when it may."""
    if partner.revoked_at is not None:
        return f"partner {partner.name!r} was revoked"
    level = TLP.parse(share_level)
    if not partner.share_level.allows(level):
        return (
            f"TLP:{level.value.upper()} is above partner {partner.name!r}'s share level "
            f"TLP:{partner.share_level.value.upper()}"
        )
    if content and not partner.may_receive_content:
        return f"partner {partner.name!r} may not receive content (only fingerprints)"
    if category and partner.categories and category not in partner.categories:
        return (
            f"category {category!r} is not among partner {partner.name!r}'s ({', '.join(partner.categories)})"
        )
    if signal_type and partner.signal_types and signal_type not in partner.signal_types:
        return (
            f"signal type {signal_type!r} is not among partner {partner.name!r}'s "
            f"({', '.join(partner.signal_types)})"
        )
    if country and partner.countries and country.upper() not in partner.countries:
        return f"country {country!r} is not among partner {partner.name!r}'s ({', '.join(partner.countries)})"
    return None


#: what the policy for a partner decides a signal on: (share level, category, signal type, country)
PolicyKey = tuple[TLP, str, str, str | None]


def policy_key(signal: Signal) -> PolicyKey:
    return (signal.share_level, signal.category, signal.signal_type, signal.country)


def allows_key(partner: Partner, key: PolicyKey) -> bool:
    """`allows_signal` for any signal of that `PolicyKey`."""
    level, category, signal_type, country = key
    return refusal(partner, share_level=level, category=category, signal_type=signal_type, country=country) is None


def allows_signal(partner: Partner, signal: Signal) -> bool:
    """Whether one signal may flow
    between us and `partner`, either way: what a feed page for the partner keeps and what a page
    from the partner may add to our banks."""
    return allows_key(partner, policy_key(signal))


def signal_policy(partner: Partner) -> Callable[[Signal], bool]:
    """`allows_signal` for the signals of one page or file: decided once per distinct `PolicyKey` (a
    page of tens of thousands holds a handful), not once per signal."""
    verdicts: dict[PolicyKey, bool] = {}

    def allows(signal: Signal) -> bool:
        key = policy_key(signal)
        ok = verdicts.get(key)
        if ok is None:
            ok = verdicts[key] = allows_key(partner, key)
        return ok

    return allows


# --- following a partner's key rotation ---


def refresh_from_identity(
    db: Database, org_id: int, name: str, document: dict[str, Any], *, actor: str = "operator"
) -> dict[str, list[str]]:
    """Take what a partner's identity document (`identity.identity_document`) says about its keys.

    A new key is taken only when a key we trust (and that is not revoked) endorsed
    it; the document itself must then be signed by a key we trust (or one just
    endorsed), and only then are the keys it lists as revoked revoked here too.
    Returns {"added": [...], "revoked": [...]}; Refused when the document proves nothing.
    """
    from tutela.exchange import identity as ident

    partner = get_partner(db, org_id, name)
    endorsed: dict[str, tuple[str, str]] = {}  # new kid -> (public key, endorser kid)
    for item in document.get("endorsements") or []:
        statement, sig = item.get("statement") or {}, str(item.get("signature", ""))
        try:
            endorser = jose.header_of(sig).kid
            _, endorser_key = verification_key(db, org_id, partner, endorser)
            jose.verify(statement, sig, endorser_key, typ=ident.ENDORSEMENT_TYP)
            new = statement.get("endorses") or {}
            if jose.thumbprint(jose.parse_public_key(str(new.get("x", "")))) != new.get("kid"):
                continue
        except (jose.SignatureError, Refused, ValueError):
            continue  # an endorsement by a key we do not (or no longer) trust proves nothing
        if not any(k.key_id == new["kid"] for k in partner.keys):
            endorsed[str(new["kid"])] = (str(new["x"]), endorser)
    doc = {k: v for k, v in document.items() if k != "signature"}
    try:
        signed_by = jose.header_of(str(document.get("signature", ""))).kid
        if signed_by in endorsed:
            key = jose.parse_public_key(endorsed[signed_by][0])
        else:
            _, key = verification_key(db, org_id, partner, signed_by)
        jose.verify(doc, str(document["signature"]), key, typ=ident.IDENTITY_TYP)
    except (jose.SignatureError, Refused, KeyError) as exc:
        raise Refused(
            f"the identity document of {partner.name!r} is not signed by a key we trust: {exc}",
            kind=ErrorKind.UNAUTHENTICATED,
        ) from None
    for x, endorser in endorsed.values():
        add_key(db, org_id, name, x, endorsed_by=endorser, actor=actor)
    partner = get_partner(db, org_id, name)
    revoked: list[str] = []
    for item in document.get("keys") or []:
        if item.get("status") == "revoked":
            ours = next((k for k in partner.keys if k.key_id == item.get("kid")), None)
            if ours is not None and ours.revoked_at is None:
                revoke_key(db, org_id, name, ours.key_id, reason="revoked by the partner", actor=actor)
                revoked.append(ours.key_id)
    return {"added": list(endorsed), "revoked": revoked}


def describe(partner: Partner) -> dict[str, Any]:
    """A partner as the CLI and the API print it (JSON-ready)."""
    out = partner.model_dump(mode="json")
    out["status"] = "revoked" if partner.revoked_at else "active"
    return out
