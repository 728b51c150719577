"""The stable CLI contract of `tutela exchange export/import/pull/push`: signed files, clear refusals."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tutela.cli.main import app
from tutela.exchange import identity, partners
from tutela.hashing import banks, subscriptions

runner = CliRunner()


def _run(*args: str):  # noqa: ANN202
    return runner.invoke(app, list(args))


def _setup(pair) -> None:  # noqa: ANN001
    banks.create_bank(pair.db, pair.a, "known")
    banks.add_entries(pair.db, "known", [("sha256", "a" * 64), ("pdq", "f" * 64)], org_id=pair.a)


def test_export_then_import_into_a_reviewed_bank(pair, tmp_path) -> None:  # noqa: ANN001
    _setup(pair)
    out = tmp_path / "bundle.json"
    res = _run("exchange", "export", "--org", "tr-hotline", "--bank", "known", "--out", str(out))
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text())
    assert doc["body"]["bundle"]["type"] == "bundle" and doc["signature"].count(".") == 2
    res = _run("exchange", "import", str(out), "--org", "az-platform", "--from", "tr-hotline")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["added"] == 2
    (sub,) = subscriptions.list_subscriptions(pair.db, pair.b)
    assert sub.mode.value == "review"


def test_every_refusal_exits_non_zero_with_a_clear_message(pair, tmp_path) -> None:  # noqa: ANN001
    _setup(pair)
    good = tmp_path / "good.json"
    assert (
        _run("exchange", "export", "--org", "tr-hotline", "--bank", "known", "--out", str(good)).exit_code
        == 0
    )

    def refused(path, sender: str = "tr-hotline") -> str:  # noqa: ANN001
        res = _run("exchange", "import", str(path), "--org", "az-platform", "--from", sender)
        assert res.exit_code != 0, res.output
        return res.output

    tampered = tmp_path / "tampered.json"
    doc = json.loads(good.read_text())
    doc["body"]["bundle"]["objects"][-1]["confidence"] = 1
    tampered.write_text(json.dumps(doc))
    assert "tampered" in refused(tampered)
    assert "no partner 'nobody'" in refused(good, "nobody")
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json")
    assert "not JSON" in refused(garbage)
    # above the share level B gave A
    partners.update_partner(pair.db, pair.b, "tr-hotline", share_level="green")
    assert "TLP:AMBER is above partner 'tr-hotline'" in refused(good)
    partners.update_partner(pair.db, pair.b, "tr-hotline", share_level="amber")
    # replayed
    assert (
        _run("exchange", "import", str(good), "--org", "az-platform", "--from", "tr-hotline").exit_code == 0
    )
    assert "replayed" in refused(good)
    # unknown key: A rotated and B was not told
    identity.rotate(pair.db, pair.a)
    fresh = tmp_path / "fresh.json"
    assert (
        _run("exchange", "export", "--org", "tr-hotline", "--bank", "known", "--out", str(fresh)).exit_code
        == 0
    )
    assert "unknown key" in refused(fresh)
    # revoked key
    old = partners.get_partner(pair.db, pair.b, "tr-hotline").keys[0].key_id
    fresh2 = tmp_path / "fresh2.json"
    identity.revoke(pair.db, pair.a, identity.current_key(pair.db, pair.a).key_id)
    partners.add_key(pair.db, pair.b, "tr-hotline", identity.current_key(pair.db, pair.a).public_key)
    partners.revoke_key(pair.db, pair.b, "tr-hotline", identity.current_key(pair.db, pair.a).key_id)
    assert (
        _run("exchange", "export", "--org", "tr-hotline", "--bank", "known", "--out", str(fresh2)).exit_code
        == 0
    )
    assert "was revoked" in refused(fresh2)
    assert old  # the first key stays known (and retiring) at B


def test_export_refuses_content_and_red_without_a_named_partner(pair, tmp_path) -> None:  # noqa: ANN001
    _setup(pair)
    res = _run(
        "exchange",
        "export",
        "--org",
        "tr-hotline",
        "--bank",
        "known",
        "--out",
        str(tmp_path / "x.json"),
        "--max-level",
        "red",
    )
    assert res.exit_code != 0 and "TLP:RED goes only to named recipients" in res.output
    res = _run(
        "exchange", "export", "--org", "tr-hotline", "--bank", "nope", "--out", str(tmp_path / "y.json")
    )
    assert res.exit_code != 0 and "no bank 'nope'" in res.output


def test_pull_and_push_need_a_reachable_partner(pair) -> None:  # noqa: ANN001
    res = _run("exchange", "pull", "tr-hotline", "--org", "az-platform")
    assert res.exit_code != 0 and "no endpoint URL" in res.output
    partners.update_partner(pair.db, pair.b, "tr-hotline", url="http://127.0.0.1:9")
    res = _run("exchange", "pull", "tr-hotline", "--org", "az-platform")
    assert res.exit_code != 0 and "cannot reach partner" in res.output
