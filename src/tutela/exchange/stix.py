"""Signals as STIX 2.1 objects: one `indicator` per signal, TLP 2.0 markings, a Tutela extension.

Choices (and why):

- A signal is an `indicator` with a STIX pattern over `file:hashes`
  (`[file:hashes.'SHA-256' = '...']`, `[file:hashes.'MD5' = '...']`,
  `[file:hashes.'x-pdq' = '...']`: PDQ has no registered hash name, and STIX
  allows custom ones). Any STIX tool can read and match the exact ones.
  Keyed identifiers (URLs, accounts: HMAC-SHA256 under a sharing group's key)
  use a custom object type, `[x-tutela-keyed-identifier:value = '...']`, so a
  tool that does not know the group key cannot mistake them for real URLs.
- What STIX has no property for travels in one *property extension*
  (`extension-definition--a0b1d7d4-...`, its definition object is in every
  bundle): the harm category (Tutela's stable taxonomy ids), the signal type
  and value as Tutela names them, the content type (photo/video: an MD5 of a
  video is another python-threatexchange type), the sharing group, country,
  first and last seen, provenance, and `seq` (the feed position).
- `confidence` is STIX's own (0..100); `valid_from`/`valid_until` carry first
  seen and expiry; TLP 2.0 is the OASIS marking definitions (their fixed ids).
- A deletion is the same indicator with `revoked: true` (STIX's own way to say
  "withdrawn"), `modified` at the deletion: a tombstone any STIX consumer reads.
- The stable id is a UUIDv5 of (collection, signal type, value), so a signal
  deleted and added again is the same object, and a correction replaces it.

The objects are built as plain dicts (the feed serves a million of them; the
`stix2` library's objects cost ~1 ms each), and `tests/exchange/test_stix.py`
holds every shape to `stix2.parse` so they stay valid STIX 2.1.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from tutela.domain.exchange import TLP
from tutela.domain.taxonomy import Category

#: Tutela's STIX extension definition (a fixed id: it names the schema, version 1)
EXTENSION_ID = "extension-definition--a0b1d7d4-3b7e-5c8e-9f3e-7a1c2d4e5f60"
TLP2_EXTENSION_ID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
#: OASIS TLP 2.0 marking definitions (fixed ids, 2022-10-01)
TLP_MARKINGS: dict[TLP, str] = {
    TLP.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    TLP.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    TLP.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    TLP.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    TLP.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
_MARKING_TLP = {v: k for k, v in TLP_MARKINGS.items()}
#: object type of keyed identifiers in patterns
KEYED_OBJECT = "x-tutela-keyed-identifier"
KEYED_TYPES = ("url", "account")
_NAMESPACE = uuid.UUID("5b8f2a8e-1c1d-4f3e-9a57-2f0e6c1b7d42")


@lru_cache(maxsize=8192)  # a bank import shares one timestamp: a feed page repeats a few thousand at most
def stix_time(dt: datetime) -> str:
    """STIX timestamps: UTC, milliseconds, 'Z' (naive datetimes are UTC, as the database keeps them)."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    elif dt.utcoffset():
        dt = dt.astimezone(UTC)
    return dt.isoformat(timespec="milliseconds")[:23] + "Z"


def parse_time(text: Any) -> datetime | None:
    """A STIX timestamp (or any ISO 8601 time) as an aware UTC datetime; None for nothing; ValueError."""
    if text in (None, ""):
        return None
    return _parse_time(str(text))


@lru_cache(maxsize=8192)  # a feed page repeats a few timestamps thousands of times
def _parse_time(text: str) -> datetime:
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when if when.tzinfo is UTC else when.astimezone(UTC)


def indicator_id(collection_uuid: str, signal_type: str, value: str) -> str:
    """The stable STIX id of a signal in a collection."""
    return f"indicator--{uuid.uuid5(_NAMESPACE, f'{collection_uuid}/{signal_type}/{value}')}"


def stix_hash_name(signal_type: str) -> str:
    from tutela.hashing.signals import get_signal

    name = get_signal(signal_type).stix_name
    if not name:
        raise ValueError(f"signal type {signal_type!r} has no STIX hash name")
    return name


_HASH_NAMES: dict[str, str] = {}


def pattern_for(signal_type: str, value: str) -> str:
    """The STIX pattern of a signal."""
    if signal_type in KEYED_TYPES:
        return f"[{KEYED_OBJECT}:value = '{value}']"
    name = _HASH_NAMES.get(signal_type)
    if name is None:
        name = _HASH_NAMES[signal_type] = stix_hash_name(signal_type)
    return f"[file:hashes.'{name}' = '{value}']"


@dataclass(frozen=True)
class Signal:
    """One signal as the exchange carries it (either side)."""

    stix_id: str
    signal_type: str
    value: str
    category: str
    confidence: int
    share_level: TLP
    first_seen: datetime
    last_seen: datetime
    modified: datetime
    seq: int
    content_type: str | None = None
    group: str | None = None
    country: str | None = None
    expires_at: datetime | None = None
    provenance: dict[str, Any] = field(default_factory=dict)
    deleted: bool = False


_SIGNAL_FIELDS = tuple(f.name for f in fields(Signal))
_new = object.__new__


def make_signal(*values: Any) -> Signal:
    """`Signal(*values)` (every field, in order) without the frozen dataclass's `__init__`, which sets
    each field through `object.__setattr__`: 3 us a signal against 1.4, and both sides of a full sync
    make a million of them. The result is an ordinary (frozen) `Signal`, equal to the constructor's."""
    s = _new(Signal)
    s.__dict__.update(zip(_SIGNAL_FIELDS, values, strict=True))
    return s


def signals_of_columns(columns: list[list[Any]]) -> list[Signal]:
    """`Signal`s from columns, one list per field in `Signal`'s order (a feed page read a column at a
    time, `feed.PageColumns`); values are shared, not copied (read-only)."""
    return [make_signal(*values) for values in zip(*columns, strict=True)]


def to_indicator(s: Signal, *, created_by: str | None = None) -> dict[str, Any]:
    """The STIX 2.1 indicator of a signal (a tombstone when deleted)."""
    return indicator(
        stix_id=s.stix_id,
        category=s.category,
        signal_type=s.signal_type,
        value=s.value,
        first_seen=stix_time(s.first_seen),
        last_seen=stix_time(s.last_seen),
        modified=stix_time(s.modified),
        seq=s.seq,
        confidence=s.confidence,
        marking=TLP_MARKINGS[s.share_level],
        pattern=pattern_for(s.signal_type, s.value),
        content_type=s.content_type or None,
        group=s.group or None,
        country=s.country or None,
        provenance=s.provenance or None,
        created_by=created_by or None,
        valid_until=stix_time(s.expires_at) if s.expires_at is not None else None,
        revoked=bool(s.deleted),
    )


def indicator(
    *,
    stix_id: Any,
    category: Any,
    signal_type: Any,
    value: Any,
    first_seen: Any,
    last_seen: Any,
    modified: Any,
    seq: Any,
    confidence: Any,
    marking: Any,
    pattern: Any,
    content_type: Any = None,
    group: Any = None,
    country: Any = None,
    provenance: Any = None,
    created_by: Any = None,
    valid_until: Any = None,
    revoked: bool = False,
) -> dict[str, Any]:
    """The indicator's shape, from its members already in their STIX form (None: an optional member
    left out). The one place that says how an indicator is laid out: `to_indicator` fills it from a
    signal, and `pagejson` from placeholders, to make its per-shape templates."""
    ext: dict[str, Any] = {
        "extension_type": "property-extension",
        "category": category,
        "signal_type": signal_type,
        "value": value,
        "first_seen": first_seen,
        "last_seen": last_seen,
        "seq": seq,
    }
    if content_type is not None:
        ext["content_type"] = content_type
    if group is not None:
        ext["group"] = group
    if country is not None:
        ext["country"] = country
    if provenance is not None:
        ext["provenance"] = provenance
    obj: dict[str, Any] = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": stix_id,
        "created": first_seen,
        "modified": modified,
        "pattern": pattern,
        "pattern_type": "stix",
        "pattern_version": "2.1",
        "valid_from": first_seen,
        "confidence": confidence,
        "object_marking_refs": [marking],
        "extensions": {EXTENSION_ID: ext},
    }
    if created_by is not None:
        obj["created_by_ref"] = created_by
    if valid_until is not None:
        obj["valid_until"] = valid_until
    if revoked:
        obj["revoked"] = True
    return obj


class StixError(ValueError):
    """An object that is not a Tutela signal indicator, or disagrees with itself."""


_CATEGORIES = frozenset(c.value for c in Category)


@lru_cache(maxsize=64)
def _signal_class(signal_type: str) -> Any:
    from tutela.hashing.signals import get_signal

    return get_signal(signal_type)


_HEX = "0123456789abcdef"


@lru_cache(maxsize=64)
def _canonical_hex_len(signal_type: str) -> int:
    """The length of a value already in its canonical form (lower-case hex) when the signal type
    normalises by the base rule (`SignalType.normalize`: strip, lower, that many hex digits), else
    0: such a value is its own normal form, and checking that is a tenth of calling the rule."""
    from tutela.hashing.signals.base import SignalType

    cls = _signal_class(signal_type)
    if getattr(cls.normalize, "__func__", None) is not getattr(SignalType.normalize, "__func__", None):
        return 0
    return int(cls.hex_len)


#: per signal type: (canonical hex length or 0, the pattern's text before the value); see `_type_facts`
_TYPE_FACTS: dict[str, tuple[int, str]] = {}
#: STIX timestamps already parsed (a page repeats a few thousand at most; cleared when it grows past that)
_TIMES: dict[str, datetime] = {}


def _type_facts(signal_type: str) -> tuple[int, str]:
    """(`_canonical_hex_len`, the pattern's prefix) of a hash signal type, kept once per type; ValueError
    for an unknown type."""
    facts = _TYPE_FACTS.get(signal_type)
    if facts is None:
        prefix = pattern_for(signal_type, "")[: -len("']")]
        facts = _TYPE_FACTS[signal_type] = (_canonical_hex_len(signal_type), prefix)
    return facts


def _time(text: Any) -> datetime | None:
    """`parse_time`, with the page's repeated timestamps answered from a dict (ValueError as it raises)."""
    if type(text) is str:
        found = _TIMES.get(text)
        if found is not None:
            return found
        when = parse_time(text)
        if when is not None:
            if len(_TIMES) >= 8192:
                _TIMES.clear()
            _TIMES[text] = when
        return when
    return parse_time(text)


def from_indicator(obj: Any) -> Signal:
    """A signal from an indicator; StixError says what is wrong (pattern and extension must agree).

    Runs once per received signal (a million in a full sync), so it is written for speed: facts
    per signal type and parsed timestamps are kept in dicts, each member is read once, and the
    `Signal` is made without its constructor (`make_signal`); every check stays (`tests/exchange/test_stix.py`
    holds each refusal)."""
    if not isinstance(obj, dict) or obj.get("type") != "indicator":
        raise StixError("not an indicator")
    get = obj.get
    sid = get("id", "")
    if type(sid) is not str:
        sid = str(sid)
    extensions = get("extensions")
    ext = extensions.get(EXTENSION_ID) if isinstance(extensions, dict) else None
    if not isinstance(ext, dict):
        raise StixError(f"{sid}: no Tutela signal extension")
    xget = ext.get
    signal_type = xget("signal_type", "")
    if type(signal_type) is not str:
        signal_type = str(signal_type)
    value = xget("value", "")
    if type(value) is not str:
        value = str(value)
    group = xget("group")
    if signal_type in KEYED_TYPES:
        if len(value) != 64 or value.strip(_HEX):
            raise StixError(f"{sid}: a keyed {signal_type} must be a lower-case HMAC-SHA256 (64 hex digits)")
        if not group:
            raise StixError(f"{sid}: a keyed {signal_type} names no sharing group")
        pattern = pattern_for(signal_type, value)
    else:
        try:
            size, prefix = _type_facts(signal_type)
            if not size or len(value) != size or value.strip(_HEX):  # not plainly canonical: the rule decides
                value = _signal_class(signal_type).normalize(value)
        except ValueError as exc:
            raise StixError(f"{sid}: {exc}") from None
        pattern = prefix + value + "']"
    if get("pattern") != pattern:
        raise StixError(f"{sid}: the pattern does not match the signal it carries")
    category = xget("category")
    if type(category) is not str or category not in _CATEGORIES:
        raise StixError(f"{sid}: unknown category {category!r}")
    refs = get("object_marking_refs")
    level: TLP | None = None
    if type(refs) is list and len(refs) == 1 and type(refs[0]) is str:  # what Tutela sends: one marking
        level = _MARKING_TLP.get(refs[0])
    else:
        for m in refs or ():
            found = _MARKING_TLP.get(m) if type(m) is str else None
            if found is not None and (level is None or found.rank > level.rank):
                level = found
    if level is None:
        raise StixError(f"{sid}: no TLP 2.0 marking")
    confidence = get("confidence", 0)
    if type(confidence) is not int or not 0 <= confidence <= 100:
        raise StixError(f"{sid}: confidence must be an integer 0..100")
    content_type = xget("content_type")
    if content_type is not None and content_type != "photo" and content_type != "video":
        raise StixError(f"{sid}: content type must be photo or video")
    seq = xget("seq", 0)
    if type(seq) is not int or seq < 0:
        raise StixError(f"{sid}: seq must be a non-negative integer")
    try:
        first_seen = _time(xget("first_seen")) or _time(get("valid_from"))
        last_seen = _time(xget("last_seen")) or first_seen
        modified = _time(get("modified")) or first_seen
        until = get("valid_until")
        expires = None if until is None else _time(until)
    except ValueError:
        raise StixError(f"{sid}: a timestamp is not ISO 8601") from None
    if first_seen is None or last_seen is None or modified is None:
        raise StixError(f"{sid}: no first-seen time")
    provenance = xget("provenance") or {}
    if not isinstance(provenance, dict):
        raise StixError(f"{sid}: provenance must be an object")
    return make_signal(sid, signal_type, value, category, confidence, level, first_seen, last_seen, modified, seq,
                       content_type, group, xget("country"), expires, provenance, get("revoked") is True)


def marking_definitions(levels: set[TLP] | None = None) -> list[dict[str, Any]]:
    """The TLP 2.0 marking-definition objects (those named, or all)."""
    out = []
    for level, mid in TLP_MARKINGS.items():
        if levels is not None and level not in levels:
            continue
        out.append(
            {
                "type": "marking-definition",
                "spec_version": "2.1",
                "id": mid,
                "created": "2022-10-01T00:00:00.000Z",
                "name": f"TLP:{level.value.upper()}",
                "extensions": {
                    TLP2_EXTENSION_ID: {"extension_type": "property-extension", "tlp_2_0": level.value}
                },
            }
        )
    return out


def extension_definition(created_by: str) -> dict[str, Any]:
    """The definition object of Tutela's signal extension (carried in every bundle)."""
    return {
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": EXTENSION_ID,
        "created_by_ref": created_by,
        "created": "2026-12-05T00:00:00.000Z",
        "modified": "2026-12-05T00:00:00.000Z",
        "name": "Tutela signal",
        "version": "1.0.0",
        "extension_types": ["property-extension"],
        "description": "Child-protection signal metadata: harm category (Tutela taxonomy id), "
        "signal type and "
        "value, "
        "content type, sharing group, country, first/last seen, provenance, feed position.",
        "schema": "https://tutela.invalid/stix/extension/signal/v1",
    }


def identity_object(org: str, key_id: str) -> dict[str, Any]:
    """The STIX identity of the sending organisation (stable per key id)."""
    return {
        "type": "identity",
        "spec_version": "2.1",
        "id": f"identity--{uuid.uuid5(_NAMESPACE, 'org/' + key_id)}",
        "created": "2026-12-05T00:00:00.000Z",
        "modified": "2026-12-05T00:00:00.000Z",
        "name": org,
        "identity_class": "organization",
    }


def bundle(objects: list[dict[str, Any]], *, org: str, key_id: str) -> dict[str, Any]:
    """A STIX 2.1 bundle: the sender's identity, the extension and markings used, then the indicators."""
    levels = {_MARKING_TLP[m] for o in objects for m in o.get("object_marking_refs", ()) if m in _MARKING_TLP}
    out = bundle_head(levels, org=org, key_id=key_id)
    out["objects"] += objects
    return out


def bundle_head(levels: set[TLP], *, org: str, key_id: str) -> dict[str, Any]:
    """A bundle's context objects (the sender's identity, the extension, the markings of `levels`),
    the indicators to be added after them."""
    ident = identity_object(org, key_id)
    return {
        "type": "bundle",
        "id": f"bundle--{uuid.uuid4()}",
        "objects": [ident, extension_definition(ident["id"]), *marking_definitions(levels)],
    }


def indicators_of(bundle_doc: Any) -> list[dict[str, Any]]:
    """The indicator objects of a bundle (other objects are context); StixError if it is not a bundle."""
    if not isinstance(bundle_doc, dict) or bundle_doc.get("type") != "bundle":
        raise StixError("not a STIX bundle")
    objects = bundle_doc.get("objects")
    if not isinstance(objects, list):
        raise StixError("the bundle has no objects list")
    return [o for o in objects if isinstance(o, dict) and o.get("type") == "indicator"]
