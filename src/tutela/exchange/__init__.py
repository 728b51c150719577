"""Cooperation between organisations and countries: signals shared as fingerprints, never content,
in signed envelopes, under a per-partner policy.

Modules (each one job):

- `jose`: detached JWS (EdDSA) over RFC 8785 canonical JSON; key ids are RFC 7638 thumbprints.
- `identity`: the organisation's Ed25519 signing keys (vault-encrypted, rotation with overlap,
  revocation) and its signed identity document.
- `partners`: partners, their keys, and the policy (TLP 2.0 ceiling, categories, signal types,
  countries, content) applied both ways by `partners.refusal`.
- `envelope`: `seal` (sender's policy, then sign) and `open_envelope` (every receiver check:
  key, partner, signature, audience, age, share level, content, replay) + `remember` (nonce).
- `errors`: `ExchangeError` (with an HTTP status) and `Refused`.

How to use (other modules, e.g. referrals or audit witnesses, send their own kinds of body)::

    from tutela.exchange import envelope, identity, partners
    org_id = identity.org_id_of(db, "tr-hotline")
    to = partners.get_partner(db, org_id, "az-platform")
    env = envelope.seal(db, org_id, "referral", {"case": ...}, to=to, share_level="amber")  # or Refused
    # ... at the receiver:
    opened = envelope.open_envelope(db, their_org_id, env, kind="referral")  # or Refused: why
    with db.begin() as conn:
        envelope.remember(conn, their_org_id, opened)   # the nonce: a replay is refused
        ...                                              # apply opened.body, from opened.partner
"""
