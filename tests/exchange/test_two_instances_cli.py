"""The steps of docs/exchange.md ("without a network path"), run as a person would: the `tutela` command
on two data dirs, messages carried over as files. A hotline in Türkiye refers a case to a platform in
Azerbaijan; the platform acknowledges and closes it; the hotline sees the times and a refused file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def _tutela(data: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "TUTELA_DATA_DIR": str(data), "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    env.pop("TUTELA_DATABASE_URL", None)
    env.pop("TUTELA_CONFIG", None)
    p = subprocess.run([sys.executable, "-m", "tutela", *args], env=env, capture_output=True, text=True, check=False,
                       timeout=180)
    if ok:
        assert p.returncode == 0, f"tutela {' '.join(args)}: {p.stderr}"
    return p


@pytest.fixture()
def hotline_and_platform(tmp_path):
    tr, az = tmp_path / "tr", tmp_path / "az"
    _tutela(tr, "admin", "create-org", "Hotline TR", "--kind", "hotline", "--country", "TR")
    _tutela(az, "admin", "create-org", "Platform AZ", "--kind", "platform", "--country", "AZ")
    tr_id = json.loads(_tutela(tr, "exchange", "identity", "--org", "Hotline TR").stdout)
    az_id = json.loads(_tutela(az, "exchange", "identity", "--org", "Platform AZ").stdout)
    _tutela(tr, "partners", "add", "--org", "Hotline TR", "--name", "az-platform", "--public-key",
            az_id["public_key"], "--share-level", "amber+strict", "--country", "AZ")
    _tutela(az, "partners", "add", "--org", "Platform AZ", "--name", "tr-hotline", "--public-key",
            tr_id["public_key"], "--share-level", "amber+strict", "--country", "TR")
    return tr, az


def _case(data: Path) -> int:
    """A report at the hotline, through the engine (the public form would do the same)."""
    from tutela.access import Principal, get_org
    from tutela.cases.service import submit_report
    from tutela.config import Settings
    from tutela.domain.cases import ReportIn
    from tutela.storage.db import Database

    settings = Settings(data_dir=data)
    db = Database.from_settings(settings)
    try:
        org = get_org(db, "Hotline TR")
        me = Principal(org["id"], org["name"], frozenset({"reports", "cases"}), key_id="test")
        return submit_report(db, settings, ReportIn(category="sexual_exploitation", country="TR",
                                                    reporter_kind="platform", description="stays here",
                                                    urls=["https://cdn.example.az/v/7"]), principal=me).case_id
    finally:
        db.dispose()


def test_referral_by_files_there_and_back(hotline_and_platform, tmp_path):
    tr, az = hotline_and_platform
    case_id = _case(tr)
    referral = tmp_path / "referral.jsonl"
    sent = json.loads(_tutela(tr, "exchange", "refer", str(case_id), "az-platform", "--org", "Hotline TR",
                              "--host", "cdn.example.az=Example AZ Hosting", "--out", str(referral)).stdout)
    assert sent["status"] == "sent" and not sent["delivered"]
    assert "stays here" not in referral.read_text()

    receipts = tmp_path / "receipts.jsonl"
    _tutela(az, "exchange", "referrals", "receive", str(referral), "--receipts", str(receipts))
    again = _tutela(az, "exchange", "referrals", "receive", str(referral), ok=False)
    assert again.returncode == 1 and "replayed" in again.stderr

    (incoming,) = [json.loads(x) for x in _tutela(az, "exchange", "referrals", "list", "--org", "Platform AZ",
                                                   "--direction", "in", "--json").stdout.splitlines()]
    assert incoming["payload"]["hosting"] == [{"host": "cdn.example.az", "provider": "Example AZ Hosting"}]
    steps = tmp_path / "steps.jsonl"
    _tutela(az, "exchange", "referrals", "step", str(incoming["id"]), "acknowledged", "--org", "Platform AZ")
    _tutela(az, "exchange", "referrals", "step", str(incoming["id"]), "closed", "--org", "Platform AZ",
            "--outcome", "removed", "--out", str(steps))
    assert len(steps.read_text().splitlines()) == 2  # neither step could be delivered: both in the file

    _tutela(tr, "exchange", "referrals", "receive", str(receipts))
    _tutela(tr, "exchange", "referrals", "receive", str(steps))
    table = _tutela(tr, "exchange", "referrals", "list", "--org", "Hotline TR", "--direction", "out").stdout
    header, row = table.splitlines()[:2]
    cells = dict(zip(header.split("\t"), row.split("\t"), strict=True))
    assert cells["status"] == "closed" and cells["partner"] == "az-platform"
    assert all(cells[k] != "-" for k in ("sent", "received", "acknowledged", "closed"))
    assert cells["removed"] == "-"  # the platform closed it without reporting a removal step
    timings = _tutela(tr, "exchange", "referrals", "timings", "--org", "Hotline TR").stdout.splitlines()
    assert timings[1].split("\t")[:6] == ["az-platform", "out", "1", "1", "0", "1"]

    tampered = tmp_path / "tampered.jsonl"
    env = json.loads(referral.read_text())
    env["body"]["case"]["country"] = "IR"
    tampered.write_text(json.dumps(env) + "\n")
    bad = _tutela(az, "exchange", "referrals", "receive", str(tampered), ok=False)
    assert bad.returncode == 1 and "tampered" in bad.stderr


def test_witness_by_file(hotline_and_platform, tmp_path):
    tr, az = hotline_and_platform
    cp = tmp_path / "checkpoint.jsonl"
    _tutela(tr, "exchange", "witness", "send", "az-platform", "--org", "Hotline TR", "--out", str(cp))
    got = json.loads(_tutela(az, "exchange", "witness", "receive", str(cp)).stdout)
    assert got["verdict"] == "first"
    listing = _tutela(az, "exchange", "witness", "list", "--org", "Platform AZ").stdout.splitlines()
    assert listing[1].startswith("tr-hotline\t1\t")
