"""A served page's indicators written from templates (`pagejson`) are byte for byte RFC 8785's canonical
JSON of `stix.to_indicator`, as the reference package (`rfc8785`) writes it, on signals of every shape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import rfc8785

from tutela.domain.exchange import TLP
from tutela.exchange import jose, pagejson, stix

T0 = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
CREATOR = "identity--5b8f2a8e-1c1d-4f3e-9a57-2f0e6c1b7d42"


def _signal(i: int, **changes: Any) -> stix.Signal:
    fields: dict[str, Any] = {
        "stix_id": f"indicator--{i:08x}-0000-5000-8000-000000000000",
        "signal_type": "pdq",
        "value": format(i, "064x"),
        "category": "csam.known",
        "confidence": 90,
        "share_level": TLP.AMBER,
        "first_seen": T0,
        "last_seen": T0 + timedelta(days=1),
        "modified": T0 + timedelta(days=2),
        "seq": i + 1,
        "provenance": {"bank": "known"},
    }
    fields.update(changes)
    return stix.Signal(**fields)


def _reference(signals: list[stix.Signal], created_by: str | None) -> bytes:
    return b",".join(rfc8785.dumps(stix.to_indicator(s, created_by=created_by)) for s in signals)


VARIED = [
    _signal(0),
    _signal(1, deleted=True),  # a tombstone
    _signal(2, signal_type="md5", value="d41d8cd98f00b204e9800998ecf8427e", content_type="video"),
    _signal(3, signal_type="sha256", value="e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            expires_at=T0 + timedelta(days=30), country="TR", group="hotlines-eu"),
    _signal(4, signal_type="url", value="a1b2c3", share_level=TLP.RED, group="grüppe ☂", country="AZ"),
    _signal(5, signal_type="account", value='quote " back \\ tab \t nl \n bell \x07 del \x7f % %s',
            share_level=TLP.CLEAR),
    _signal(6, category="cat\u2028egory é 😀", confidence=0, provenance={}),
    _signal(7, confidence=100, seq=2**53 - 1, provenance={
        "é": [1, 2.5, 1e30, -0.0, 10**15, "😀", None, True], "b": {"z": 1, "a": "\u00e9\x01"}, "\u20ac": 3}),
    _signal(8, first_seen=datetime(2026, 3, 1, 12, 0, tzinfo=UTC), last_seen=datetime(2026, 3, 1, 12, 0),
            modified=datetime(2026, 3, 1, 14, 0, tzinfo=UTC)),  # a naive time is UTC
    _signal(9, content_type="", group="", country=""),  # empty optional members are left out
]


@pytest.mark.parametrize("created_by", [CREATOR, None])
def test_a_page_of_every_shape_is_the_reference_canonical_form(created_by: str | None) -> None:
    assert pagejson.indicators(VARIED, created_by=created_by) == _reference(VARIED, created_by)


@pytest.mark.parametrize("signal", VARIED, ids=lambda s: s.stix_id[11:19])
def test_each_shape_alone_is_the_reference_canonical_form(signal: stix.Signal) -> None:
    assert pagejson.indicators([signal], created_by=CREATOR) == _reference([signal], CREATOR)


def test_a_page_of_one_shape_sharing_its_provenance() -> None:
    shared = {"bank": "known", "source": "hotline list ü"}
    page = [_signal(i, provenance=shared) for i in range(200)]
    assert pagejson.indicators(page, created_by=CREATOR) == _reference(page, CREATOR)


def test_values_the_templates_do_not_cover_take_the_generic_path() -> None:
    odd = [_signal(0, confidence=True), _signal(1, category=None)]  # a bool is JSON true; None is null
    assert pagejson.indicators(odd, created_by=CREATOR) == _reference(odd, CREATOR)
    with pytest.raises(jose.SignatureError):  # beyond 53 bits: refused by the careful path, as before
        pagejson.indicators([_signal(0, seq=2**53 + 1)])


def test_the_page_is_a_valid_objects_list() -> None:
    import orjson

    objects = orjson.loads(b"[" + pagejson.indicators(VARIED, created_by=CREATOR) + b"]")
    assert [o["id"] for o in objects] == [s.stix_id for s in VARIED]
    assert pagejson.indicators([]) == b""
