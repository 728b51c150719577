"""Exchange between organisations: signing keys, partners, feeds, received signals, feedback.

- `exchange_keys`: an organisation's own Ed25519 signing keys. The private half
  is a `vault_objects` row (AES-256-GCM, rotated with the vault key), never a
  column here. A key signs while it is the newest live one, verifies until its
  `not_after` (the overlap after a rotation) and never again once revoked.
- `exchange_partners` / `exchange_partner_keys`: who an organisation exchanges
  with, what may flow (TLP ceiling, categories, signal types, countries,
  content), and the partner's public keys (several while it rotates).
- `exchange_groups`: sharing groups whose HMAC key turns URLs and account
  identifiers into keyed hashes; the key is a vault object like the signing key.
- `exchange_collections` / `exchange_signals`: what an organisation offers. A
  collection follows one bank; `exchange_signals` holds one row per signal
  (the latest state, a tombstone after deletion), and its `seq` is reassigned on
  every change, so the feed is "rows with seq > checkpoint" and grows with the
  signals, not with their history.
- `exchange_inbound` / `exchange_received`: what an organisation takes in from a
  partner's collection: the checkpoint, the local bank the signals land in, and
  one row per received signal (which local hash entry it became).
- `exchange_staged`: a full resync in progress, page by page, out of the way of
  `exchange_received` (which keeps serving) until it is swapped in in one
  transaction (`exchange.resync`).
- `exchange_feedback`: opinions about a signal (confirmed, disputed, seen),
  kept by the receiver that sent them and by the source that received them.
- `exchange_nonces`: envelopes already accepted, so a replay is refused.
"""

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from tutela.storage.db import metadata

_BIG = BigInteger().with_variant(Integer, "sqlite")

exchange_keys = Table(
    "exchange_keys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, ForeignKey("orgs.id"), nullable=False, index=True),
    Column("key_id", String(64), nullable=False, unique=True),  # RFC 7638 JWK thumbprint
    Column("public_key", String(64), nullable=False),  # raw 32 bytes, base64url without padding
    Column("private_vault_id", Integer, ForeignKey("vault_objects.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("not_after", DateTime(timezone=True)),  # set on rotation: verifies until then
    Column("revoked_at", DateTime(timezone=True)),
    Column("revoked_reason", String(200)),
)

exchange_partners = Table(
    "exchange_partners",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, ForeignKey("orgs.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("endpoint_url", String(500)),
    Column("country", String(2)),
    Column("share_level", String(20), nullable=False, default="amber"),  # TLP 2.0 ceiling, both ways
    Column("categories", JSON, nullable=False, default=list),  # empty: every category
    Column("signal_types", JSON, nullable=False, default=list),  # empty: every signal type
    Column("countries", JSON, nullable=False, default=list),  # empty: every country
    Column("may_receive_content", Boolean, nullable=False, default=False),
    # the local organisation record that owns banks fed by this partner (created on first import)
    Column("partner_org_id", Integer, ForeignKey("orgs.id")),
    # push: collection uuid -> the feed seq the partner accepted last
    Column("push_cursors", JSON, nullable=False, default=dict),
    Column("created_by", String(80)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Column("revoked_reason", String(200)),
    UniqueConstraint("org_id", "name", name="uq_exchange_partners_org_name"),
)

exchange_partner_keys = Table(
    "exchange_partner_keys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("partner_id", Integer, ForeignKey("exchange_partners.id", ondelete="CASCADE"), nullable=False),
    Column("key_id", String(64), nullable=False, index=True),
    Column("public_key", String(64), nullable=False),
    Column(
        "endorsed_by", String(64)
    ),  # the partner key that signed this one's rotation; None: entered by hand
    Column("added_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Column("revoked_reason", String(200)),
    UniqueConstraint("partner_id", "key_id", name="uq_exchange_partner_keys_partner_key"),
)

exchange_groups = Table(
    "exchange_groups",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, ForeignKey("orgs.id"), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("key_vault_id", Integer, ForeignKey("vault_objects.id"), nullable=False),
    Column("key_id", String(16), nullable=False),  # fingerprint of the group key: members compare it
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("org_id", "name", name="uq_exchange_groups_org_name"),
)

exchange_collections = Table(
    "exchange_collections",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, ForeignKey("orgs.id"), nullable=False, index=True),
    Column("uuid", String(36), nullable=False, unique=True),  # the TAXII collection id
    Column("name", String(200), nullable=False),
    Column("bank_id", Integer, ForeignKey("hash_banks.id", ondelete="SET NULL")),
    Column("share_level", String(20), nullable=False, default="amber"),  # TLP given to signals by default
    Column("confidence", Integer, nullable=False, default=80),  # STIX confidence given by default (0..100)
    # how far the feed has followed the bank: hash_entries.id and hash_entry_removals.seq already seen
    Column("entry_cursor", _BIG, nullable=False, default=0),
    Column("removal_cursor", _BIG, nullable=False, default=0),
    # tombstones with seq <= this were purged: a checkpoint below it must resync in full
    Column("purged_through", _BIG, nullable=False, default=0),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("org_id", "name", name="uq_exchange_collections_org_name"),
)

exchange_signals = Table(
    "exchange_signals",
    metadata,
    # reassigned (delete + insert) on every change: the feed is ordered by it
    Column("seq", _BIG, primary_key=True, autoincrement=True),
    Column(
        "collection_id", Integer, ForeignKey("exchange_collections.id", ondelete="CASCADE"), nullable=False
    ),
    Column("stix_id", String(64), nullable=False),  # indicator--<uuid5>: stable for (collection, type, value)
    Column("signal_type", String(20), nullable=False),
    Column("value", String(128), nullable=False),  # a hash, or an HMAC for url/account signals
    Column("content_type", String(10)),  # photo | video | None, as bank entries say
    Column("group_name", String(100)),  # sharing group of a keyed hash
    Column("entry_id", _BIG, index=True),  # the bank entry it follows, at the source
    Column("category", String(40), nullable=False),
    Column("confidence", Integer, nullable=False),
    Column("share_level", String(20), nullable=False),
    Column("country", String(2)),
    Column("first_seen", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True)),
    Column("provenance", JSON, nullable=False, default=dict),
    Column("version", Integer, nullable=False, default=1),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("collection_id", "stix_id", name="uq_exchange_signals_collection_stix"),
    Index("ix_exchange_signals_feed", "collection_id", "seq"),
    sqlite_autoincrement=True,
)

exchange_inbound = Table(
    "exchange_inbound",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, ForeignKey("orgs.id"), nullable=False, index=True),
    Column("partner_id", Integer, ForeignKey("exchange_partners.id", ondelete="CASCADE"), nullable=False),
    Column("collection_uuid", String(36), nullable=False),
    Column("title", String(200)),
    Column("bank_id", Integer, ForeignKey("hash_banks.id", ondelete="SET NULL")),
    Column("checkpoint", _BIG, nullable=False, default=0),
    Column("full_resyncs", Integer, nullable=False, default=0),
    Column("last_pull_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("partner_id", "collection_uuid", name="uq_exchange_inbound_partner_collection"),
)

exchange_received = Table(
    "exchange_received",
    metadata,
    Column("id", _BIG, primary_key=True, autoincrement=True),
    Column("inbound_id", Integer, ForeignKey("exchange_inbound.id", ondelete="CASCADE"), nullable=False),
    Column("stix_id", String(64), nullable=False),
    Column("signal_type", String(20), nullable=False),
    Column("value", String(128), nullable=False),
    Column("content_type", String(10)),
    Column("group_name", String(100)),
    Column("entry_id", _BIG, index=True),  # the local bank entry it became (None while quarantined)
    Column("category", String(40), nullable=False),
    Column("confidence", Integer, nullable=False),
    Column("share_level", String(20), nullable=False),
    Column("first_seen", DateTime(timezone=True)),
    Column("last_seen", DateTime(timezone=True)),
    Column("expires_at", DateTime(timezone=True)),
    Column("provenance", JSON, nullable=False, default=dict),
    Column("remote_seq", _BIG, nullable=False),
    Column("matches", Integer, nullable=False, default=0),  # every match since it arrived
    Column("window_start", DateTime(timezone=True)),  # the current counting window (a day)
    Column("window_matches", Integer, nullable=False, default=0),  # matches in that window
    Column("quarantined_at", DateTime(timezone=True)),
    Column("quarantine_reason", String(200)),
    Column("received_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("inbound_id", "stix_id", name="uq_exchange_received_inbound_stix"),
    # keyed identifiers are looked up by value (`keyed.lookup`); hash signals by their bank entry, so only
    # rows with a sharing group are in this index (migration 0014: a million hashes wrote it for nothing)
    Index(
        "ix_exchange_received_keyed",
        "group_name",
        "value",
        sqlite_where=text("group_name IS NOT NULL"),
        postgresql_where=text("group_name IS NOT NULL"),
    ),
    # a resync's end finds the rows it did not touch (`inbound.finish_resync`) without reading them all
    Index("ix_exchange_received_inbound_time", "inbound_id", "received_at"),
    sqlite_autoincrement=True,
)

exchange_staged = Table(
    "exchange_staged",
    metadata,
    # appended page after page; no secondary index on purpose: the resync's writes are appends, and the
    # swap reads the whole of one resync set-based (see `exchange.resync`)
    Column("id", _BIG, primary_key=True, autoincrement=True),
    Column("inbound_id", Integer, ForeignKey("exchange_inbound.id", ondelete="CASCADE"), nullable=False),
    Column("stix_id", String(64), nullable=False),
    Column("signal_type", String(20), nullable=False),
    Column("value", String(128), nullable=False),
    Column("content_type", String(10)),
    Column("group_name", String(100)),
    Column("category", String(40), nullable=False),
    Column("confidence", Integer, nullable=False),
    Column("share_level", String(20), nullable=False),
    Column("first_seen", DateTime(timezone=True)),
    Column("last_seen", DateTime(timezone=True)),
    Column("expires_at", DateTime(timezone=True)),
    Column("provenance", JSON, nullable=False, default=dict),
    Column("remote_seq", _BIG, nullable=False),
    # False: the snapshot says the signal is not to be held (a tombstone, expired, or outside our policy)
    Column("live", Boolean, nullable=False),
    # the bank entry a live hash signal becomes: the bank's signal type and content type (None: keyed)
    Column("entry_type", String(20)),
    Column("entry_content", String(10)),
    sqlite_autoincrement=True,
)

exchange_feedback = Table(
    "exchange_feedback",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, ForeignKey("orgs.id"), nullable=False, index=True),
    Column("partner_id", Integer, ForeignKey("exchange_partners.id", ondelete="CASCADE"), nullable=False),
    Column(
        "direction", String(8), nullable=False
    ),  # sent (we judged their signal) | received (they judged ours)
    Column("stix_id", String(64), nullable=False),
    Column("opinion", String(12)),  # confirmed | disputed | None (only seen)
    Column("reason", Text),
    Column("seen", Integer, nullable=False, default=0),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("delivered_at", DateTime(timezone=True)),  # sent feedback: when the source accepted it
    UniqueConstraint("org_id", "partner_id", "direction", "stix_id", name="uq_exchange_feedback_signal"),
)

exchange_nonces = Table(
    "exchange_nonces",
    metadata,
    Column("id", _BIG, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("orgs.id"), nullable=False),
    Column("partner_id", Integer, ForeignKey("exchange_partners.id", ondelete="CASCADE"), nullable=False),
    Column("nonce", String(64), nullable=False),
    Column("created", DateTime(timezone=True), nullable=False),  # as the envelope says
    Column("received_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("org_id", "partner_id", "nonce", name="uq_exchange_nonces_nonce"),
)
