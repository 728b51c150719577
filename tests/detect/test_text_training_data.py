"""Training data rules and the domain experts' contract, on small files and models made here.

Why: the default model must never learn from non-commercial data, duplicates must never straddle
train and test, sources whose `none` is not harmless must not teach other heads, and an expert
must replace only its own category's probability, only where the router is sure.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from tutela.detect.features import N_FEATURES, featurize
from tutela.detect.model import LinearModel
from tutela.detect.training.data import HEADS, is_noncommercial, load_public, split_of, text_group
from tutela.domain.taxonomy import Category

FIELDS = ["id", "text", "lang", "label", "harm", "source", "license"]


def _write(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=FIELDS)
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in FIELDS})


def test_licences() -> None:
    assert is_noncommercial("CC BY-NC-SA 4.0 (repo LICENSE.txt)")
    assert is_noncommercial("non-commercial use only")
    assert not is_noncommercial("CC BY-SA 3.0 ES")
    assert not is_noncommercial("MIT (repo LICENSE)") and not is_noncommercial("unstated")


def test_noncommercial_rows_are_left_out_unless_asked(tmp_path: Path) -> None:
    _write(tmp_path / "open_set.csv", [{"id": "o:1", "text": "hello there", "lang": "en", "harm": "none",
                                        "license": "MIT"}])
    _write(tmp_path / "nc_set.csv", [{"id": "n:1", "text": "some text", "lang": "ru", "harm": "violence",
                                      "license": "CC BY-NC-SA 4.0"}])
    assert {r.source for r in load_public(tmp_path)} == {"open_set"}
    assert {r.source for r in load_public(tmp_path, include_noncommercial=True)} == {"open_set", "nc_set"}


def test_duplicates_share_a_split(tmp_path: Path) -> None:
    rows = [{"id": f"a:{i}", "text": t, "lang": "en", "harm": "none", "license": "MIT"}
            for i, t in enumerate(["Same  text here", "same text HERE", "another text"])]
    _write(tmp_path / "a.csv", rows)
    loaded = load_public(tmp_path)
    assert loaded[0].group == loaded[1].group == text_group("same text here")
    assert loaded[0].split == loaded[1].split == split_of(loaded[0].group)


def test_sources_whose_none_is_not_harmless_teach_only_their_head(tmp_path: Path) -> None:
    _write(tmp_path / "threatgram101_en.csv", [
        {"id": "t:1", "text": "abusive but no threat", "lang": "en", "harm": "none", "license": "CC BY 4.0"},
        {"id": "t:2", "text": "a violent threat", "lang": "en", "harm": "threat", "license": "CC BY 4.0"},
    ])
    none_row, threat_row = load_public(tmp_path)
    assert Category.VIOLENT_CONTENT not in none_row.masked  # a negative for violence
    assert Category.CYBERBULLYING in none_row.masked and Category.HATE_RADICALISATION in none_row.masked
    assert threat_row.labels == {Category.VIOLENT_CONTENT}


def _model(with_experts: bool) -> LinearModel:
    """Two heads over a tiny vocabulary; one expert (for cyberbullying) behind a two-route router."""
    n_heads = len(HEADS)
    coef = sp.csc_matrix((N_FEATURES, n_heads), dtype=np.float32)
    kw: dict = {}
    if with_experts:
        feats = featurize(["zzqa"]).indices  # features of the word that marks the "forum" route
        router = np.zeros((N_FEATURES, 2), dtype=np.float32)
        router[feats, 0] = 5.0
        expert = np.zeros((N_FEATURES, 1), dtype=np.float32)
        expert[featurize(["bully"]).indices, 0] = 20.0
        kw = dict(routes=["forum", "chat"], router=sp.csc_matrix(router), router_intercept=np.array([0.0, 0.0]),
                  experts={"forum": ("cyberbullying", 0.7, ["profanity"])}, expert_coef=sp.csc_matrix(expert),
                  expert_intercept=np.array([-8.0]))
    calib = np.tile([1.0, -3.0], (n_heads, 1))
    calib[HEADS.index(Category.PROFANITY)] = [1.0, 3.0]  # the general profanity head says yes to everything
    return LinearModel(heads=HEADS, coef=coef, intercept=np.zeros(n_heads), calib=calib,
                       thresholds={h.value: 0.4 for h in HEADS}, **kw)


def test_an_expert_answers_only_for_its_category_and_only_when_routed(tmp_path: Path) -> None:
    plain, routed = _model(False), _model(True)
    texts = ["zzqa zzqa bully bully bully", "zzqa hello", "bully bully bully", "hello"]
    base, out = plain.predict(texts, ["en"] * 4), routed.predict(texts, ["en"] * 4)
    j, prof = HEADS.index(Category.CYBERBULLYING), HEADS.index(Category.PROFANITY)
    others = [k for k in range(len(HEADS)) if k not in (j, prof)]
    assert np.allclose(out[:, others], base[:, others])  # categories the source does not speak for: untouched
    assert out[1, prof] < 0.4 <= base[1, prof]  # routed and "not harmful": a governed head may not flag
    assert out[0, prof] == base[0, prof]  # routed and harmful: governed heads keep their own say
    assert out[0, j] >= 0.4 > base[0, j]  # routed, the expert flags at the head's threshold
    assert out[1, j] < 0.4  # routed, the expert says no
    assert out[2, j] == base[2, j] and out[3, j] == base[3, j]  # not routed: the general head answers
    path = tmp_path / "m.npz"
    routed.save(path)
    again = LinearModel.load(path)
    assert again.routes == ["forum", "chat"] and again.experts == {"forum": ("cyberbullying", 0.7, ["profanity"])}
    assert np.allclose(again.predict(texts, ["en"] * 4), out, atol=1e-3)


def test_a_public_source_governs_only_the_categories_it_labels() -> None:
    """In a public source's domain the semantic stage still speaks for everything the source does not
    label: a self-harm question that reads like a Russian toxicity-set comment keeps its self-harm check."""
    from tutela.detect.training.experts import SOURCE_HARMS, governed_by

    assert governed_by("russe_detox_2022") == {"cyberbullying", "hate_radicalisation", "violent_content",
                                               "sexual_content", "profanity"}
    assert "self_harm" not in governed_by("russe_detox_2022")
    assert governed_by("pan12_grooming_segments") == {"sexual_exploitation"}
    assert governed_by("chat") == frozenset() and governed_by("") == frozenset()
    assert all(governed_by(src) for src in SOURCE_HARMS)  # every source's harms map to categories


def test_a_text_torn_between_two_public_sources_still_goes_to_the_likelier_one() -> None:
    """The router's doubt between two sources of one kind is no doubt about being a chat: the likelier
    source judges; a text with a real chance of being a chat is judged by the general heads."""
    from tutela.detect.training.experts import CHAT_MAX, sure_routes

    routes = ["tweets_a", "tweets_b", "chat"]
    p = np.array([
        [0.55, 0.44, 0.01],  # torn between two tweet sets, surely no chat
        [0.90, 0.00, 0.10],  # likely a tweet, but the chat route is not ruled out
        [0.10, 0.05, 0.85],  # a chat
        [0.97, 0.03 - CHAT_MAX / 2, CHAT_MAX / 2],
    ])
    best, sure = sure_routes(p, routes)
    assert best.tolist() == [0, 0, 2, 0]
    assert sure.tolist() == [True, False, False, True]
    _, all_sure = sure_routes(p[:, :2], routes[:2])  # a router without a chat route: every text is a source's
    assert all_sure.all()


def test_an_idf_weighted_expert_is_stored_as_one_linear_map() -> None:
    """The IDF-weighted expert is fitted on idf-scaled features but stored as idf * w, so the shipped
    inference (features times coefficients) gives the fitted model's decisions, and a rare word that
    marks the harmful rows weighs more than a common one."""
    from sklearn.linear_model import LogisticRegression

    from tutela.detect.training.train import _fit_idf_lr

    texts = ["you idiot loser"] * 6 + ["you are kind"] * 6 + ["idiot"] * 2 + ["you are fine", "you are here"]
    y = np.array([1] * 6 + [0] * 6 + [1] * 2 + [0] * 2)
    x = featurize(texts)
    coef, b = _fit_idf_lr(x, y, 10.0)
    df = np.asarray((x > 0).sum(axis=0)).ravel()
    idf = np.log((1.0 + x.shape[0]) / (1.0 + df)) + 1.0
    clf = LogisticRegression(C=10.0, solver="liblinear", random_state=0).fit(x @ sp.diags(idf), y)
    assert np.allclose(x @ coef + b, clf.decision_function(x @ sp.diags(idf)), atol=1e-4)
    assert ((x @ coef + b) > 0).tolist() == y.astype(bool).tolist()


def test_a_texts_written_form_is_read_the_same_alone_and_in_a_batch() -> None:
    """The router's form features come from one scan of the joined batch: a match at one text's edge
    (a `Q:` that opens the next text) must count for that text, never its neighbour."""
    from tutela.detect.training.experts import SHAPES, shape_features

    texts = ["@USER you are such a clown", "RT @bob: &amp; look http://t.co/x", "Q: hi there A: go away",
             "hey are u coming tmrw?", "", "ALL CAPS 123 😀\nnext line..."]
    batch = shape_features(texts).toarray()
    alone = np.vstack([shape_features([t]).toarray() for t in texts])
    assert np.array_equal(batch, alone)
    on = {name: [bool(v) for v in batch[:, k]] for k, name in enumerate(SHAPES)}
    assert on["at_user"] == [True, False, False, False, False, False] and on["at"][:2] == [True, True]
    assert on["retweet"][1] and on["html_entity"][1] and on["link"][1]
    assert on["question_answer"] == [False, False, True, False, False, False]
    assert on["question"][3] and not any(on[name][3] for name in SHAPES if name != "question")
    assert on["capitals_word"][5] and on["digit"][5] and on["emoji"][5] and on["line_break"][5] and on["ellipsis"][5]
    assert not batch[4].any()  # an empty text has no form


def test_a_router_fitted_with_the_written_form_reads_the_original_text(tmp_path: Path) -> None:
    """A route learned from form alone (`@USER` mentions) is taken for the text as it arrived, whose
    case and `@` normalisation loses; the artefact keeps those rows through a save and a load."""
    from tutela.detect.training.experts import N_SHAPE, SHAPES

    model = _model(True)
    router = np.zeros((N_FEATURES + N_SHAPE, 2), dtype=np.float32)
    router[N_FEATURES + SHAPES.index("at_user"), 0] = 10.0
    model = LinearModel(heads=model.heads, coef=model.coef, intercept=model.intercept, calib=model.calib,
                        thresholds=model.thresholds, routes=model.routes, router=sp.csc_matrix(router),
                        router_intercept=np.array([0.0, 0.0]), experts=model.experts, expert_coef=model.expert_coef,
                        expert_intercept=model.expert_intercept)
    originals = ["@USER bully bully bully", "bully bully bully"]
    normalized = [t.lower() for t in originals]
    j = HEADS.index(Category.CYBERBULLYING)
    out = model.predict(normalized, ["en"] * 2, originals)
    assert out[0, j] >= 0.4 > out[1, j]  # the mention routes the first to the forum's expert, which flags it
    assert model.predict(normalized, ["en"] * 2)[0, j] < 0.4  # lower-cased, the form is gone: not routed
    path = tmp_path / "m.npz"
    model.save(path)
    assert np.allclose(LinearModel.load(path).predict(normalized, ["en"] * 2, originals), out, atol=1e-3)


def _two_source_model(general_disinformation: float, chat_intercept: float = -6.0) -> LinearModel:
    """A COVID route and a threat-tweet route, each with an expert that says yes to "fake"; "zzcovid" is a
    little less telling of its route than "zzthreat" is of its own. The general disinformation head gives
    every text `sigmoid(general_disinformation)`, the other heads sigmoid(-3)."""
    n_heads = len(HEADS)
    router = np.zeros((N_FEATURES, 3), dtype=np.float32)
    router[featurize(["zzcovid"]).indices, 0] = 1.0
    router[featurize(["zzthreat"]).indices, 1] = 1.0
    expert = np.zeros((N_FEATURES, 2), dtype=np.float32)
    expert[featurize(["fake"]).indices, :] = 20.0
    calib = np.tile([1.0, -3.0], (n_heads, 1))
    calib[HEADS.index(Category.DISINFORMATION)] = [1.0, general_disinformation]
    return LinearModel(
        heads=HEADS, coef=sp.csc_matrix((N_FEATURES, n_heads), dtype=np.float32), intercept=np.zeros(n_heads),
        calib=calib, thresholds={h.value: 0.4 for h in HEADS},
        routes=["constraint_covid_fake_en", "threatgram101_en", "chat"], router=sp.csc_matrix(router),
        router_intercept=np.array([0.0, 0.0, chat_intercept]),
        experts={"constraint_covid_fake_en": ("disinformation", 0.5, []), "threatgram101_en": ("violent_content", 0.5, [])},
        expert_coef=sp.csc_matrix(expert), expert_intercept=np.array([-8.0, -8.0]),
    )


def test_a_second_expert_only_adds_a_category_the_likeliest_source_does_not_label() -> None:
    """A COVID-like post the router finds a little likelier a threat tweet is judged for disinformation by
    the COVID expert too (the threat set says nothing about disinformation): never below `SECOND_ROUTE_MIN`,
    never in a text that may be a chat, and its "no" takes nothing away."""
    from tutela.detect.training.experts import SECOND_ROUTE_MIN, route_probabilities, route_scores

    texts = ["zzcovid zzthreat fake fake fake",  # likelier a threat tweet, COVID not far behind
             "zzthreat zzthreat zzthreat fake fake fake",  # a threat tweet, COVID below SECOND_ROUTE_MIN
             "zzcovid zzthreat hello"]  # the COVID expert says no
    model = _two_source_model(-3.0)
    x = featurize(texts)
    p_route = route_probabilities(route_scores(x, texts, model.router, None) + model.router_intercept)
    assert (p_route.argmax(axis=1) == 1).all()
    assert p_route[0, 0] >= SECOND_ROUTE_MIN > p_route[1, 0] and p_route[2, 0] >= SECOND_ROUTE_MIN
    dis, vio = HEADS.index(Category.DISINFORMATION), HEADS.index(Category.VIOLENT_CONTENT)
    out = model.predict(texts, ["en"] * 3)
    assert out[0, dis] >= 0.4 and out[0, vio] >= 0.4  # both experts speak, each for its own category
    assert out[1, dis] < 0.4 <= out[1, vio]  # below the line: the COVID expert stays out
    assert out[2, dis] < 0.4 and out[2, vio] < 0.4
    assert _two_source_model(3.0).predict(texts, ["en"] * 3)[2, dis] >= 0.4  # its "no" lowers nothing
    chatty = _two_source_model(-3.0, chat_intercept=2.0)  # now the chat route is not ruled out
    assert np.allclose(chatty.predict(texts, ["en"] * 3)[0], chatty.predict_features(x)[0, : len(HEADS)])
