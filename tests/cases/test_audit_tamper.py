"""Attacks on the audit trail by someone with write access to the database (issue #10, finding 3).

Each test does what an attacker with SQL access would do, then checks that `verify` (and the
`tutela audit verify` command) fails and says what failed. Runs on SQLite and, when
TUTELA_TEST_POSTGRES_URL is set, on PostgreSQL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from sqlalchemy import delete, select, update
from typer.testing import CliRunner

from tutela.cases import audit, checkpoints
from tutela.cases.audit_keys import public_key_from_b64
from tutela.storage.tables.cases import audit_head, audit_log


@pytest.fixture(params=["db", "pg_db"])
def any_db(request):
    return request.getfixturevalue(request.param)


def _write(db, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        with audit.writing(db) as conn:
            audit.append(conn, actor="user:1", org_id=1, action="case.view", object_type="case", object_id=i)


def _rows(db) -> list[dict]:
    with db.connect() as conn:
        return [dict(r) for r in conn.execute(select(audit_log).order_by(audit_log.c.seq)).mappings()]


def _recompute(db, from_seq: int, hasher) -> None:
    """Re-chain every entry from `from_seq` on with `hasher` and move the head, as an attacker would."""
    rows = _rows(db)
    prev = rows[from_seq - 2]["hash"] if from_seq > 1 else audit.GENESIS
    with db.begin() as conn:
        for row in rows[from_seq - 1:]:
            row["prev_hash"] = prev
            row["hash"] = prev = hasher(row)
            conn.execute(update(audit_log).where(audit_log.c.seq == row["seq"]).values(
                prev_hash=row["prev_hash"], hash=row["hash"]))
        conn.execute(update(audit_head).values(seq=rows[-1]["seq"], last_hash=prev))


def test_deleting_the_newest_entries_with_the_head_row_is_detected(any_db):
    _write(any_db, 6)
    assert audit.verify(any_db).ok
    with any_db.begin() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq >= 5))
        conn.execute(delete(audit_head))
    result = audit.verify(any_db)
    assert not result.ok and "audit_head row is missing" in result.reason


def test_deleting_the_newest_entries_and_moving_the_head_back_is_caught_by_a_checkpoint(any_db, settings):
    settings.audit_checkpoint_every = 4
    _write(any_db, 6)  # checkpoints at entries 1 and 4
    rows = _rows(any_db)
    with any_db.begin() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq >= 3))
        conn.execute(update(audit_head).values(seq=2, last_hash=rows[1]["hash"]))
    result = audit.verify(any_db)
    assert not result.ok and "attests 4 entries, the chain has 2" in result.reason


def test_emptying_both_tables_is_caught_by_the_checkpoints(any_db):
    _write(any_db, 3)
    with any_db.begin() as conn:
        conn.execute(delete(audit_log))
        conn.execute(delete(audit_head))
    result = audit.verify(any_db)
    assert not result.ok and "entries were removed" in result.reason
    r = CliRunner().invoke(_cli(), ["audit", "verify"]) if any_db.is_sqlite else None
    if r is not None:
        assert r.exit_code == 1 and "BROKEN" in r.output and "entries were removed" in r.output


def test_an_edited_entry_rechained_without_the_key_is_detected(any_db, settings):
    _write(any_db, 5)
    with any_db.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 3).values(actor="user:2"))
    # the old rule (plain SHA-256), as anyone could compute it
    _recompute(any_db, 3, audit.legacy_hash)
    result = audit.verify(any_db)
    assert not result.ok and result.broken_seq == 3 and "without the audit key" in result.reason
    # a key of the attacker's own
    wrong = b"k" * 32
    _recompute(any_db, 3, lambda row: hmac.new(wrong, audit._payload(row), hashlib.sha256).hexdigest())
    result = audit.verify(any_db)
    assert not result.ok and result.broken_seq == 3 and "does not match its hash" in result.reason


def test_rewriting_the_whole_chain_by_the_old_rule_is_caught_by_the_checkpoint(any_db):
    _write(any_db, 3)
    _recompute(any_db, 1, audit.legacy_hash)  # a "downgrade": it now looks like a chain from before the key
    result = audit.verify(any_db)
    assert not result.ok and "not the one the checkpoint" in result.reason


def test_entries_added_after_the_head_are_detected(db):
    _write(db, 2)
    row = _rows(db)[-1] | {"id": None, "seq": 3}
    row.pop("id")
    with db.begin() as conn:
        conn.execute(audit_log.insert(), row)
    result = audit.verify(db)
    assert not result.ok and "after the head" in result.reason


def test_an_edited_or_foreign_checkpoint_file_fails_verification(db, settings):
    _write(db, 2)
    path = checkpoints.path(settings)
    line = json.loads(path.read_text().splitlines()[0])
    path.write_text(json.dumps(line | {"seq": 1, "head": "f" * 64}) + "\n")
    result = audit.verify(db)
    assert not result.ok and "bad signature" in result.reason
    path.write_text("not json\n")
    assert "not a checkpoint" in audit.verify(db).reason
    path.unlink()
    result = audit.verify(db)
    assert not result.ok and "no signed checkpoint" in result.reason


def test_checkpoints_are_written_every_n_entries_and_are_checkable_by_a_witness(db, settings):
    settings.audit_checkpoint_every = 3
    _write(db, 7)  # entry 1 (the chain begins), then crossing 3 and 6
    lines = [json.loads(x) for x in checkpoints.path(settings).read_text().splitlines()]
    assert [x["seq"] for x in lines] == [1, 3, 6]
    assert oct(checkpoints.path(settings).stat().st_mode & 0o777) == "0o600"
    runner = CliRunner()
    r = runner.invoke(_cli(), ["audit", "checkpoint"])
    assert r.exit_code == 0 and "checkpoint of entry 7" in r.output
    # A partner holding only the exported public key can check the line, and sees a forged one fail.
    public = public_key_from_b64(runner.invoke(_cli(), ["audit", "public-key"]).output)
    last = json.loads(checkpoints.path(settings).read_text().splitlines()[-1])
    assert last["seq"] == 7 and checkpoints.signature_ok(last, public)
    assert not checkpoints.signature_ok(last | {"seq": 8}, public)
    r = runner.invoke(_cli(), ["audit", "verify"])
    assert r.exit_code == 0 and "intact: 7 entries verified" in r.output
    assert "4 signed checkpoint(s)" in r.output


def test_the_audit_key_file_is_private_and_a_configured_key_is_used_instead(db, settings, tmp_path):
    _write(db, 1)
    key_file = settings.data_dir / "audit.key"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    from tutela.cases.audit_keys import AuditKeys, audit_keys

    settings.audit_key = base64.b64encode(b"x" * 32).decode()
    assert audit_keys(settings).key_id == AuditKeys.from_b64(settings.audit_key).key_id
    # the chain was written with the file's key: under another key it no longer verifies, and says so
    result = audit.verify(db)
    assert not result.ok and "another audit key" in result.reason


def test_a_chain_from_before_the_key_is_kept_checked_by_the_old_rule_and_then_keyed(any_db):
    # An older release wrote these: plain SHA-256, no key.
    prev = audit.GENESIS
    with any_db.begin() as conn:
        for seq in (1, 2, 3):
            row = {"seq": seq, "at": f"2025-01-0{seq}T00:00:00.000000+00:00", "actor": "user:1", "org_id": 1,
                   "action": "case.view", "object_type": "case", "object_id": str(seq), "details": "{}",
                   "prev_hash": prev}
            row["hash"] = prev = audit.legacy_hash(row)
            conn.execute(audit_log.insert(), row)
        conn.execute(audit_head.insert(), dict(id=1, seq=3, last_hash=prev))
    result = audit.verify(any_db)
    assert result.ok and result.legacy == 3 and "before the audit key existed" in str(result)
    _write(any_db, 2)  # the first writer with the key marks the upgrade point, then chains with the key
    rows = _rows(any_db)
    assert [r["action"] for r in rows] == ["case.view"] * 3 + [audit.KEYED_MARKER, "case.view", "case.view"]
    assert json.loads(rows[3]["details"])["legacy_entries"] == 3
    result = audit.verify(any_db)
    assert result.ok and result.checked == 6 and result.legacy == 3
    # the legacy part is now sealed by the keyed marker after it: editing it breaks the chain there
    with any_db.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 2).values(actor="user:9"))
    _recompute(any_db, 2, audit.legacy_hash)
    result = audit.verify(any_db)
    assert not result.ok and result.broken_seq == 4


def _cli():
    from tutela.cli.main import app

    return app
