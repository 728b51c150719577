"""Detached JWS with EdDSA over RFC 8785 canonical JSON: standard vectors and refusals."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tutela.exchange import jose

# RFC 8037 appendix A: the example Ed25519 key, its JWK thumbprint, a JWS of "Example of Ed25519 signing".
RFC8037_D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
RFC8037_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC8037_THUMBPRINT = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
RFC8037_SIGNATURE = "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"


def test_rfc8037_key_thumbprint_and_signature() -> None:
    private = Ed25519PrivateKey.from_private_bytes(jose.b64url_decode(RFC8037_D))
    assert jose.public_text(private.public_key()) == RFC8037_X
    assert jose.thumbprint(private.public_key()) == RFC8037_THUMBPRINT
    jws = jose.sign_bytes({"alg": "EdDSA"}, b"Example of Ed25519 signing", private)
    assert jws.split(".")[0] == "eyJhbGciOiJFZERTQSJ9"
    assert jws.split(".")[1] == ""  # detached: the payload travels beside it
    assert jws.split(".")[2] == RFC8037_SIGNATURE


def test_canonical_json_survives_reordering_and_reformatting() -> None:
    key = Ed25519PrivateKey.generate()
    doc = {"b": [1, 2.0, "é"], "a": {"z": None, "y": True}, "n": 1e21}
    jws = jose.sign(doc, key, kid="k1", typ="t")
    # the same document after another program re-serialised it: keys reordered, 2.0 -> 2, unicode escaped
    again = json.loads(
        json.dumps({"n": 1e21, "a": {"y": True, "z": None}, "b": [1, 2, "\u00e9"]}, ensure_ascii=True)
    )
    assert jose.verify(again, jws, key.public_key(), typ="t").kid == "k1"


def test_changed_document_wrong_key_and_wrong_type_are_refused() -> None:
    key = Ed25519PrivateKey.generate()
    doc = {"value": "a" * 64}
    jws = jose.sign(doc, key, kid="k1", typ="t")
    with pytest.raises(jose.SignatureError, match="changed after signing"):
        jose.verify({"value": "b" * 64}, jws, key.public_key(), typ="t")
    with pytest.raises(jose.SignatureError, match="changed after signing"):
        jose.verify(doc, jws, Ed25519PrivateKey.generate().public_key(), typ="t")
    with pytest.raises(jose.SignatureError, match="not 'other'"):
        jose.verify(doc, jws, key.public_key(), typ="other")


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "none", "kid": "k"},
        {"alg": "HS256", "kid": "k"},
        {"alg": "EdDSA"},
        {"alg": "EdDSA", "kid": "k", "crit": ["b64"]},
    ],
)
def test_headers_that_are_not_ours_are_refused(header: dict) -> None:
    forged = jose.b64url(json.dumps(header).encode()) + ".." + jose.b64url(b"x" * 64)
    with pytest.raises(jose.SignatureError):
        jose.header_of(forged)


@pytest.mark.parametrize("bad", ["", "abc", "a.b.c", "a..", "!!..!!"])
def test_malformed_jws_is_refused(bad: str) -> None:
    with pytest.raises(jose.SignatureError):
        jose.verify({}, bad, Ed25519PrivateKey.generate().public_key(), typ="t")


def test_public_keys_are_read_in_every_usual_spelling() -> None:
    from cryptography.hazmat.primitives import serialization

    key = Ed25519PrivateKey.generate().public_key()
    raw = jose.public_raw(key)
    import base64

    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    for text in (jose.public_text(key), base64.b64encode(raw).decode(), pem):
        assert jose.public_raw(jose.parse_public_key(text)) == raw
    for bad in ("", "abc", base64.b64encode(b"x" * 31).decode()):
        with pytest.raises(ValueError):
            jose.parse_public_key(bad)


def test_fast_canonical_form_equals_rfc8785() -> None:
    """The orjson path of `canonical` must give the very bytes RFC 8785 (the `rfc8785` package) gives."""
    import rfc8785
    from hypothesis import given, settings
    from hypothesis import strategies as st

    scalars = st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text()
    docs = st.recursive(
        scalars,
        lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(), kids, max_size=4),
        max_leaves=30,
    )

    @settings(max_examples=400, deadline=None)
    @given(docs)
    def same(doc) -> None:  # noqa: ANN001
        try:
            expected = rfc8785.dumps(doc)
        except Exception:  # noqa: BLE001 - e.g. lone surrogates: both paths must refuse then
            with pytest.raises(jose.SignatureError):
                jose.canonical(doc)
            return
        assert jose.canonical(doc) == expected

    same()
    assert jose.canonical({"x": 1.5, "é": 2**60 // 2**10}) == rfc8785.dumps({"x": 1.5, "é": 2**50})


def test_plain_canonical_form_is_rfc8785_and_refuses_what_it_cannot_vouch_for() -> None:
    """`canonical(plain=True)` skips the scan for numbers only: a document the caller checked with
    `plain()` comes out as RFC 8785 gives it, and integers beyond 53 bits still take the careful path."""
    import rfc8785

    doc = {"b": [1, "x", {"u": "ü", "seq": 2**53 - 1}], "a": "2026-12-06T01:00:00.000Z", "c": None}
    assert jose.plain(doc)
    assert jose.canonical(doc, plain=True) == rfc8785.dumps(doc)
    assert not jose.plain({"x": 1.5}) and not jose.plain({"é": 1})  # a float; a key outside ASCII
    with pytest.raises(jose.SignatureError):  # too big for RFC 8785's numbers: refused as before
        jose.canonical({"n": 2**60}, plain=True)
