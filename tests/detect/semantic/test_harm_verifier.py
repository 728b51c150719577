"""The harm verifier (`semantic/verifier.py`) and the engine's veto on its reading (`engine._verified`).

The arithmetic and the artefact are checked with hand-made weights; the veto's exceptions (sure flags,
entity and emoji rules, an organisation's own examples, an operator's threshold, a public source's domain)
with hand-made results; the shipped verifier end to end on sentences written for this test, never taken
from the challenge lines it was fitted on.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tutela.config import Settings
from tutela.detect import analyze_texts
from tutela.detect.detectors.base import Hit
from tutela.detect.engine import (
    MODEL_ALONE_NEEDS_HARM,
    VETO_NEAR_WRITTEN,
    VETO_SURE,
    _model_alone_verified,
    _verified,
)
from tutela.detect.semantic import verifier as verifier_module
from tutela.detect.semantic.fit_verifier import challenge_lines
from tutela.detect.semantic.index import SemanticResult
from tutela.detect.semantic.scorer import TARGETS
from tutela.detect.semantic.verifier import ALPHA, BENIGN_BELOW, HIDDEN, SEEDS, Verifier, fit_verifier
from tutela.domain.taxonomy import CATEGORIES, Category

K = len(CATEGORIES)
VIOLENT = CATEGORIES.index(Category.VIOLENT_CONTENT)
PRIVACY = CATEGORIES.index(Category.PRIVACY)


def _one_member(w1: np.ndarray, b1: np.ndarray, w2: np.ndarray, b2: float) -> Verifier:
    return Verifier(w1[None].astype(np.float32), b1[None].astype(np.float32), w2[None].astype(np.float32),
                    np.array([b2], dtype=np.float32))


def test_prob_is_a_relu_layer_then_a_sigmoid_averaged_over_members() -> None:
    w1 = np.array([[1.0, -1.0], [0.0, 2.0]])  # dim 2 -> hidden 2
    one = _one_member(w1, np.array([0.0, -1.0]), np.array([1.0, 0.5]), -0.5)
    x = np.array([[2.0, 1.0]])
    hidden = np.maximum(x @ w1 + np.array([0.0, -1.0]), 0.0)  # [2, 0]
    expected = 1.0 / (1.0 + np.exp(-(hidden @ np.array([1.0, 0.5]) - 0.5)))
    assert one.prob(x)[0] == pytest.approx(float(expected[0]), abs=1e-6)
    two = Verifier(np.stack([one.w1[0], one.w1[0]]), np.stack([one.b1[0], one.b1[0]]),
                   np.stack([one.w2[0], -one.w2[0]]), np.array([-0.5, 0.5], dtype=np.float32))
    assert two.prob(x)[0] == pytest.approx((expected[0] + (1 - expected[0])) / 2, abs=1e-6)  # = 0.5


def test_the_artefact_round_trips_byte_for_byte(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    v = Verifier(rng.normal(size=(2, 4, 3)).astype(np.float32), rng.normal(size=(2, 3)).astype(np.float32),
                 rng.normal(size=(2, 3)).astype(np.float32), rng.normal(size=2).astype(np.float32), {"lines": 7})
    v.save(tmp_path / "a.npz")
    back = Verifier.load(tmp_path / "a.npz")
    back.save(tmp_path / "b.npz")
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    x = rng.normal(size=(5, 4))
    assert np.allclose(v.prob(x), back.prob(x)) and back.meta == {"lines": 7}


def test_fit_separates_two_clouds_and_refuses_one_class() -> None:
    pytest.importorskip("sklearn")
    rng = np.random.default_rng(1)
    x = np.vstack([rng.normal(1.0, 0.3, size=(400, 8)), rng.normal(-1.0, 0.3, size=(400, 8))])
    y = np.array([True] * 400 + [False] * 400)
    v = fit_verifier(x, y)
    probe = np.vstack([np.full(8, 1.0), np.full(8, -1.0), rng.normal(size=(3, 8))])
    p = v.prob(probe)
    assert p[0] > 0.5 > p[1]
    # the stored arrays are the fitted networks': numpy gives what sklearn gives
    from sklearn.neural_network import MLPClassifier

    mean = np.mean([MLPClassifier((HIDDEN,), alpha=ALPHA, max_iter=200, early_stopping=True, random_state=seed)
                    .fit(x, y).predict_proba(probe)[:, 1] for seed in SEEDS], axis=0)
    assert np.allclose(p, mean, atol=1e-5)
    with pytest.raises(ValueError, match="harmful and benign"):
        fit_verifier(x[:400], y[:400])


def test_challenge_lines_reads_the_dev_split_only_and_names_a_bad_kind(tmp_path: Path) -> None:
    rows = [{"id": "en-1", "text": "a", "kind": "harmful", "split": "dev"},
            {"id": "en-2", "text": "b", "kind": "tricky_benign", "split": "dev"},
            {"id": "en-3", "text": "c", "kind": "harmful", "split": "heldout"}]
    (tmp_path / "en.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    assert challenge_lines(tmp_path) == [("a", "en", True), ("b", "en", False)]
    (tmp_path / "tr.jsonl").write_text(json.dumps({"text": "x", "kind": "harmfull", "split": "dev"}) + "\n")
    with pytest.raises(ValueError, match=r"tr\.jsonl:1: unknown kind"):
        challenge_lines(tmp_path)


def _veto(harm: float | None, score: float, *, col: int = VIOLENT, own: tuple[str, ...] = (),
          overridden: set[str] | None = None, domain: str = "", hits: list[Hit] | None = None,
          semantic_margin: float | None = None, adult_to_minor: bool = False) -> bool:
    flags = np.zeros((1, K), dtype=bool)
    flags[0, col] = True
    scores = np.zeros((1, K))
    scores[0, col] = score
    margins = np.zeros(len(TARGETS))
    flagged = []
    if semantic_margin is not None:  # the semantic stage flagged this category at that kNN margin
        margins[TARGETS.index(CATEGORIES[col].value)] = semantic_margin
        flagged = [CATEGORIES[col].value]
    result = SemanticResult(np.zeros(len(TARGETS)), flagged, {}, margins, harm, own)
    _verified(flags, scores, {0: result}, overridden or set(), [domain], [hits or []], np.array([adult_to_minor]))
    return bool(flags[0, col])


def test_a_flag_on_a_text_read_as_benign_is_dropped_and_one_read_as_harm_stands() -> None:
    assert not _veto(BENIGN_BELOW - 0.01, 0.6)
    assert _veto(BENIGN_BELOW, 0.6)
    assert _veto(None, 0.6)  # no verifier installed


def test_the_veto_spares_sure_flags_rules_it_cannot_read_and_what_people_decided() -> None:
    low = BENIGN_BELOW / 2
    assert _veto(low, VETO_SURE)
    assert _veto(low, 0.6, hits=[Hit(Category.VIOLENT_CONTENT, 0.8, "weapon emoji", detector="emoji")])
    assert _veto(low, 0.6, col=PRIVACY, hits=[Hit(Category.PRIVACY, 0.45, "school name", detector="privacy")])
    assert not _veto(low, 0.6, hits=[Hit(Category.PRIVACY, 0.8, "a phone number", detector="privacy")])  # not this flag's
    cb = CATEGORIES.index(Category.CYBERBULLYING)
    assert not _veto(low, 0.6, col=cb, hits=[Hit(Category.CYBERBULLYING, 0.9, "a word", detector="lexicon")])
    assert _veto(low, 0.6, semantic_margin=VETO_NEAR_WRITTEN)
    assert not _veto(low, 0.6, semantic_margin=VETO_NEAR_WRITTEN - 0.005)
    assert _veto(low, 0.6, adult_to_minor=True)  # the platform's ages make the same words another message
    assert _veto(low, 0.6, own=("violent_content",))
    assert _veto(low, 0.6, overridden={"violent_content"})
    assert _veto(low, 0.6, domain="offenseval_tr_2020")  # a public source's texts keep their experts' flags


def _model_alone_stands(harm: float | None, *, rule: float = 0.0, semantic: bool = False, domain: str = "",
                        adult_to_minor: bool = False, overridden: set[str] | None = None) -> bool:
    """Whether a cyberbullying flag raised with a phrase rule at `rule` and the semantic stage's flag (`semantic`)
    survives `_model_alone_verified` on a text the verifier reads at `harm`."""
    cb = CATEGORIES.index(Category.CYBERBULLYING)
    flags = np.zeros((1, K), dtype=bool)
    flags[0, cb] = True
    rules = np.zeros((1, K))
    rules[0, cb] = rule
    extra = np.zeros((1, K), dtype=bool)
    extra[0, cb] = semantic
    result = SemanticResult(np.zeros(len(TARGETS)), [], {}, np.zeros(len(TARGETS)), harm)
    _model_alone_verified(flags, rules, extra, {0: result}, overridden or set(), [domain], np.array([adult_to_minor]))
    return bool(flags[0, cb])


def test_a_lone_head_flag_outside_the_public_domains_needs_the_verifier_to_read_harm() -> None:
    assert not _model_alone_stands(MODEL_ALONE_NEEDS_HARM - 0.01)  # "لعنت به این ترافیک", read at 0.12
    assert _model_alone_stands(MODEL_ALONE_NEEDS_HARM)
    assert _model_alone_stands(None)  # no verifier installed
    low = MODEL_ALONE_NEEDS_HARM / 2
    assert _model_alone_stands(low, rule=0.5)  # a phrase rule flags it too: not the heads alone
    assert not _model_alone_stands(low, rule=0.45)  # a weaker rule is no flag of its own
    assert _model_alone_stands(low, semantic=True)
    assert _model_alone_stands(low, domain="offenseval_tr_2020")  # in a public source's domain its expert speaks
    assert _model_alone_stands(low, adult_to_minor=True)
    assert _model_alone_stands(low, overridden={"cyberbullying"})


def test_the_veto_spares_a_childs_own_words_of_wanting_to_die_not_the_topic_named() -> None:
    """A self-harm phrase of intent ("i want to die", a lexicon line that is not a topic line) stands whatever the
    verifier reads; the topic named in a lesson or a warning ("self harm") stays open to the veto."""
    low = BENIGN_BELOW / 2
    sh = CATEGORIES.index(Category.SELF_HARM)
    intent = Hit(Category.SELF_HARM, 0.8, "self_harm phrase (en): 'i want to die'", detector="lexicon")
    topic = Hit(Category.SELF_HARM, 0.8, "self_harm phrase (en): 'self harm'", detector="lexicon", topic=True)
    weak = Hit(Category.SELF_HARM, 0.4, "self_harm phrase (en): 'i want to die' negated", detector="lexicon")
    assert _veto(low, 0.6, col=sh, hits=[intent])
    assert not _veto(low, 0.6, col=sh, hits=[topic])
    assert not _veto(low, 0.6, col=sh, hits=[weak])



def test_the_veto_spares_a_threat_at_its_phrases_full_score_not_one_its_context_halved() -> None:
    """A violent phrase at its full score stands, topic line or not ("im gonna kill u"); the same phrase in its
    look-alike's context (a game, a recipe: the lexicon halves it) stays open to the veto."""
    low = BENIGN_BELOW / 2
    assert _veto(low, 0.6, hits=[Hit(Category.VIOLENT_CONTENT, 0.8, "i will kill you", detector="lexicon", topic=True)])
    assert _veto(low, 0.6, hits=[Hit(Category.VIOLENT_CONTENT, 0.7, "ur dead", detector="lexicon")])
    assert not _veto(low, 0.6, hits=[Hit(Category.VIOLENT_CONTENT, 0.4, "kill you in fortnite", detector="lexicon",
                                         topic=True)])
    assert not _veto(low, 0.6, hits=[Hit(Category.VIOLENT_CONTENT, 0.65, "beheaded", detector="lexicon", topic=True)])


def test_a_lexicon_hit_says_whether_it_names_the_topic_or_the_writers_intent() -> None:
    from tutela.detect.detectors.lexicon import LexiconDetector
    from tutela.detect.normalize import normalize_text

    def hits(text: str) -> list[Hit]:
        return [h for h in LexiconDetector().find(text, normalize_text(text), "en") if h.category is Category.SELF_HARM]

    assert any(not h.topic for h in hits("i want to die tonight"))
    assert hits("we learnt about self harm in pshe") and all(h.topic for h in hits("we learnt about self harm in pshe"))


@pytest.fixture(scope="module")
def shipped() -> Verifier:
    v = verifier_module.load_default()
    if v is None:
        pytest.skip("no verifier artefact installed")
    return v


# written for this test (2026-12-07), in the five languages: harm words used harmlessly, and plain harm
BENIGN = [
    "this exam is going to kill me, i haven't studied at all",
    "bu maçta rakibi ezdik geçtik, hakem de bizi öldürdü resmen",
    "nənəm deyir ki, şəkər xəstəliyi üçün dərmanı vaxtında içmək lazımdır",
    "امروز تو کلاس زیست درباره‌ی اعتیاد و مواد مخدر یاد گرفتیم، خیلی جالب بود",
    "мама сказала, что если ещё раз опоздаю, убьёт меня, но она шутит",
]
HARMFUL = [
    "send me a pic in your underwear or i'll tell everyone what you said",
    "okuldan sonra arabaya bin, kimseye söyleme, sana para vereceğim",
    "şəklini göndər yoxsa hamıya yayacam",
    "aks e lokht befrest vagarna be hame neshun midam",
    "приходи одна, родителям не говори, я тебе подарок куплю",
]


def test_the_shipped_verifier_reads_harmless_uses_as_benign_and_harm_as_harm(shipped: Verifier) -> None:
    results = analyze_texts(BENIGN + HARMFUL, settings=Settings(), stages="deep")
    for text, out in zip(BENIGN, results[: len(BENIGN)], strict=True):
        assert not out.flags, (text, out.flags)
    for text, out in zip(HARMFUL, results[len(BENIGN):], strict=True):
        assert out.flags, text


def test_a_meeting_request_from_an_adult_to_a_child_keeps_its_flags_without_ages_it_is_read_alone(
        shipped: Verifier) -> None:
    from tutela.detect.semantic.cascade import Audience

    text = "بعد از مدرسه بیا همو ببینیم"  # "let's meet after school"
    aged = analyze_texts([text], settings=Settings(), stages="deep",
                         audiences=[Audience(sender_minor=False, recipient_minor=True)])[0]
    assert Category.SEXUAL_EXPLOITATION in aged.flags
    peers = analyze_texts([text], settings=Settings(), stages="deep",
                          audiences=[Audience(sender_minor=True, recipient_minor=True)])[0]
    assert Category.SEXUAL_EXPLOITATION not in peers.flags


def test_finglish_is_verified_as_typed_and_translit_also_learnt_in_its_script(
        shipped: Verifier, monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine reads Finglish three ways (as typed, written back, every inner `a` short); the verifier's
    probability is the typed reading's, not the largest of the three (`components.builtin.typed_harm`)."""
    from tutela.detect import engine
    from tutela.detect.semantic.embeddings import encoded_form
    from tutela.detect.semantic.encoder import get_encoder
    from tutela.detect.semantic.fit_verifier import written_back
    from tutela.detect.translit import finglish_short_a

    seen: dict[int, SemanticResult] = {}
    original = engine._verified

    def spy(flags: np.ndarray, scores: np.ndarray, semantic: dict[int, SemanticResult], *rest: object) -> None:
        seen.update(semantic)
        original(flags, scores, semantic, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "_verified", spy)
    # texts whose three readings the verifier reads apart, so the typed one can be told from the largest (which
    # of them do moves a little with each refit: the first with a clear gap is used)
    candidates = [
        "bache-ha film e jadid e jang ro didin? akharesh hame ro koshtan",  # "did you see the new war film?"
        "dadasham goft age bazi ro nabaram gooshimo az panjere part mikone 😂",
        "farda emtehan e riazi darim, man ke hichi nakhoondam, koshtam khodamo",
        "chaghoo ro bede piaz khord konam",  # "pass the knife, I'll chop the onions"
        "mikoshamet age baz spoiler bedi haha",  # "I'll kill you if you spoil it again haha"
    ]
    gaps = []
    for text in candidates:
        native = written_back(text, "fa")
        assert native is not None and native != encoded_form(text, "fa")
        readings = shipped.prob(get_encoder().encode(
            [encoded_form(text, "fa"), native, encoded_form(finglish_short_a(text) or text, "fa")]))
        gaps.append((max(readings) - readings[0], text, readings))
    gap, text, readings = max(gaps, key=lambda g: g[0])
    assert gap > 0.01  # the largest reading would have been another number
    analyze_texts([text], settings=Settings(), stages="deep")
    assert seen[0].harm == pytest.approx(readings[0], abs=1e-3)
    assert written_back("privet, poshli v kino zavtra", "ru") == "привет, пошли в кино завтра"
    assert written_back("привет", "ru") is None and written_back("see you at the cinema", "en") is None
