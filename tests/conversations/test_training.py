"""Training writes artefacts that load back and score like the fitted model (tiny data, fast)."""

from __future__ import annotations

import csv
from pathlib import Path

from tutela.conversations.detector import StageDetector, StageModel
from tutela.conversations.segments import SegmentModel, segment_messages, train_segments
from tutela.conversations.train import fit_stage_model, save_model
from tutela.domain.conversation import STAGES

POS = ["don't tell your parents about us", "delete our chat after", "this is our secret ok", "keep us secret"]
NEG = ["see you at practice", "what's for dinner", "gg nice game", "did you do the homework", "lol ok"]


def test_stage_model_roundtrip(tmp_path: Path) -> None:
    examples = [(t, frozenset({"secrecy"})) for t in POS] + [(t, frozenset()) for t in NEG]
    W, b = fit_stage_model(examples, c=4.0)
    path = tmp_path / "stages.npz"
    save_model(W, b, "test data", path)
    model = StageModel.load(path)
    assert model.data == "test data"
    det = StageDetector(model_path=path, segment_model_path=None)
    k = [s.value for s in STAGES].index("secrecy")
    assert det.score("delete our chat after, it's our secret")[k] > det.score("gg nice game")[k]


def test_segment_model_roundtrip_and_incremental_bag(tmp_path: Path) -> None:
    src = tmp_path / "pan.csv"
    rows = [("grooming" if i % 2 else "none", f"seg{i}") for i in range(12)]
    with src.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "lang", "harm", "segment_id"])
        for i, (harm, sid) in enumerate(rows):
            text = "are you alone\nsend me a pic\ndont tell" if harm == "grooming" else "homework\nsee you\nlol"
            w.writerow([f"{text}\nline {i}", "de", harm, sid])
    out = tmp_path / "segments.npz"
    counts = train_segments(src, out, extra=[(["ordinary chat", "see you at school"], 0)])
    assert counts["corpus_bags"] == 1 and counts["segments"] > 0
    model = SegmentModel.load(out)
    msgs = segment_messages("are you alone\nsend me a pic\ndont tell", "de")
    total = norm = 0.0
    for m in msgs:  # the running bag equals the batch score
        from tutela.conversations.patterns import canon

        s, q, n = model.message_terms(canon(m))
        assert n > 0 and q > 0
        total, norm = total + s, norm + q
    assert abs(model.score_terms(total, norm) - model.score_messages(msgs)) < 1e-9
    assert model.score_messages(msgs) > model.score_messages(["homework", "see you", "lol"])


def test_segment_model_cut_is_its_decision_at_one_half(tmp_path: Path) -> None:
    """The stored decision value shifts the score so 0.5 is where the cross-validated F0.5 is best."""
    src = tmp_path / "pan.csv"
    with src.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "lang", "harm", "segment_id"])
        for i in range(60):
            groom = i % 3 == 0
            text = "are you alone\nsend me a pic\ndont tell anyone" if groom else "homework\nsee you\nlol gg"
            w.writerow([f"{text}\nline {i}", "de", "grooming" if groom else "none", f"seg{i}"])
    out = tmp_path / "segments.npz"
    counts = train_segments(src, out)
    assert -2.0 <= counts["cut"] <= 2.0 and counts["cv_f05"] is not None and counts["cv_f05"] > 0.9
    fixed = tmp_path / "fixed.npz"
    assert train_segments(src, fixed, cut=1.0)["cut"] == 1.0
    a, b = SegmentModel.load(out), SegmentModel.load(fixed)
    assert abs((a.bias + counts["cut"]) - (b.bias + 1.0)) < 1e-9  # same fit, only the cut differs
