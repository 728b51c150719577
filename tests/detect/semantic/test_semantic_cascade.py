"""The cascade through the three doors: which stages run, fast OR semantic flags, and `stages` in results."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from tutela.cli.main import app as cli_app
from tutela.config import Settings
from tutela.detect import analyze_text, analyze_texts
from tutela.detect.semantic.cascade import Audience, select, trivial

RU_SEXTORTION = "пришли ещё фото, иначе те, что ты уже отправила, увидят твои родители и вся школа"
ORDINARY = "are we still meeting at the library after class?"


def test_select_rules() -> None:
    probs = np.array([[0.0, 0.0], [0.3, 0.0], [0.9, 0.0], [0.0, 0.0]])
    rules = np.array([[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.3]])
    thr = np.full((4, 2), 0.5)
    peers = [Audience(True, True)] * 4
    # minors to minors, fast stage sure: only the uncertain rows (model 0.3/0.5, rule 0.3) go on
    assert select("auto", probs, rules, thr, peers).tolist() == [False, True, False, True]
    adult_to_minor = [Audience(False, True)] * 4
    assert select("auto", probs, rules, thr, adult_to_minor).all()
    assert select("auto", probs, rules, thr, [Audience(None, None)] * 4).all()  # unknown ages
    assert select("auto", probs, rules, thr, None).all()
    assert not select("fast", probs, rules, thr, None).any()
    assert select("deep", probs, rules, thr, peers).all()
    assert select("auto", probs, rules, thr, peers, required=True).all()


def test_trivial_texts_skip_the_semantic_stage_in_auto_only() -> None:
    for text in ("ok", "k", "??", "👍", "😂😂 👍🏽", "12:30", "hi!", ""):
        assert trivial(text), text
    for text in ("kys", "🔪", "🍆💦", "🍃❄️", "💸💸", "❤️", "ok 🔪", "no way", "да"[:1] + "ааа"):
        assert not trivial(text), text
    probs, rules, thr = np.zeros((3, 1)), np.zeros((3, 1)), np.full((3, 1), 0.5)
    texts = ["ok", "🔪", "are you alone?"]
    adult_to_minor = [Audience(False, True)] * 3
    assert select("auto", probs, rules, thr, adult_to_minor, texts=texts).tolist() == [False, True, True]
    assert select("auto", probs, rules, thr, None, texts=texts).tolist() == [False, True, True]
    assert select("deep", probs, rules, thr, None, texts=texts).all()
    assert select("auto", probs, rules, thr, None, texts=texts, required=True).all()


def test_analyze_text_runs_both_stages_for_unknown_ages(semantic_on) -> None:
    a = analyze_text(RU_SEXTORTION)
    assert a.stages == ["fast", "semantic"]
    assert "sexual_exploitation" in a.flags
    sem = [e for e in a.explanations if e.detector == "semantic"]
    assert sem and sem[0].examples and sem[0].examples[0]["category"] == "sexual_exploitation"
    assert {"text", "category", "sub", "lang", "similarity"} <= set(sem[0].examples[0])


def test_fast_mode_and_peers_skip_it(semantic_on) -> None:
    assert analyze_text(RU_SEXTORTION, stages="fast").stages == ["fast"]
    peers = analyze_text(ORDINARY, audience=Audience(sender_minor=True, recipient_minor=True))
    assert peers.stages == ["fast"]
    adult = analyze_text(ORDINARY, audience=Audience(sender_minor=False, recipient_minor=True))
    assert adult.stages == ["fast", "semantic"] and adult.flags == []
    assert analyze_text("ok 👍", audience=Audience(sender_minor=False, recipient_minor=True)).stages == ["fast"]
    assert analyze_text("ok 👍", stages="deep").stages == ["fast", "semantic"]


def test_settings_can_require_or_turn_off(semantic_on, tmp_path: Path) -> None:
    always = Settings(data_dir=tmp_path, semantic_stage="always")
    off = Settings(data_dir=tmp_path, semantic_stage="off")
    peers = Audience(True, True)
    assert analyze_text(ORDINARY, settings=always, audience=peers).stages == ["fast", "semantic"]
    assert analyze_text(RU_SEXTORTION, settings=off, stages="deep").stages == ["fast"]


def test_batch_mixes_stages_and_keeps_order(semantic_on) -> None:
    res = analyze_texts(
        [ORDINARY, RU_SEXTORTION, ""],
        audiences=[Audience(True, True), Audience(False, True), None],
    )
    assert [r.stages for r in res[:2]] == [["fast"], ["fast", "semantic"]]
    assert res[2].error == "empty text"


def test_without_a_fitted_stage_only_fast_runs() -> None:
    from tutela.detect.semantic import stage

    stage.set_index(None)
    try:
        assert analyze_text(RU_SEXTORTION, stages="deep").stages == ["fast"]
    finally:
        stage.reset()


def test_scan_cli_stages(semantic_on, tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"id": 1, "text": RU_SEXTORTION}, ensure_ascii=False) + "\n" + json.dumps({"id": 2, "text": ORDINARY}) + "\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    out = runner.invoke(cli_app, ["scan", str(src), "-q"])
    assert out.exit_code == 0, out.output
    recs = [json.loads(x) for x in out.stdout.splitlines()]
    assert [r["stages"] for r in recs] == [["fast", "semantic"]] * 2
    assert "sexual_exploitation" in recs[0]["flags"] and recs[1]["flags"] == []
    assert set(recs[0]) >= {"id", "lang", "scores", "flags", "stages"}
    fast = runner.invoke(cli_app, ["scan", str(src), "-q", "--fast"])
    assert all(json.loads(x)["stages"] == ["fast"] for x in fast.stdout.splitlines())
    both = runner.invoke(cli_app, ["scan", str(src), "-q", "--fast", "--deep"])
    assert both.exit_code != 0


def test_http_route_stages(semantic_on, client, auth) -> None:
    h = auth(scopes=["analyze"])
    r = client.post("/v1/analyze/text", json={"text": RU_SEXTORTION}, headers=h)
    assert r.status_code == 200, r.text
    (res,) = r.json()["results"]
    assert res["stages"] == ["fast", "semantic"] and "sexual_exploitation" in res["flags"]
    assert any(e["detector"] == "semantic" and e["examples"] for e in res["explanations"])
    r = client.post("/v1/analyze/text", json={"text": RU_SEXTORTION, "stages": "fast"}, headers=h)
    assert r.json()["results"][0]["stages"] == ["fast"]
    r = client.post(
        "/v1/analyze/text", json={"text": ORDINARY, "sender_minor": True, "recipient_minor": True}, headers=h
    )
    assert r.json()["results"][0]["stages"] == ["fast"]
    assert client.post("/v1/analyze/text", json={"text": "x", "stages": "slow"}, headers=h).status_code == 422
