"""Bad input gets a clear error and loses nothing: empty, huge, invalid UTF-8, binary, wrong types."""

from __future__ import annotations

from tutela import analyze_text, analyze_texts
from tutela.domain.taxonomy import CATEGORIES


def test_empty_and_whitespace(settings) -> None:
    for text in ["", "   \n\t "]:
        r = analyze_text(text, settings=settings)
        assert r.error == "empty text"
        assert r.flags == []
        assert r.lang == "und"
        assert set(r.scores) == set(CATEGORIES)


def test_huge_text_is_capped_and_says_so(settings) -> None:
    capped = settings.model_copy(update={"max_text_chars": 1000})
    r = analyze_text("nobody likes you, loser. " + "blah " * 5000, settings=capped)
    assert r.truncated is True
    assert r.error is None
    assert "cyberbullying" in [c.value for c in r.flags]


def test_invalid_utf8_bytes_are_reported_not_fatal(settings) -> None:
    r = analyze_texts([b"you stupid \xff\xfe idiot"], settings=settings)[0]  # type: ignore[list-item]
    assert r.error and "invalid UTF-8" in r.error
    assert set(r.scores) == set(CATEGORIES)


def test_binary_junk_does_not_crash(settings) -> None:
    junk = "".join(chr(c) for c in range(0, 600, 3)) + "\x00\ud800\uffff"
    r = analyze_text(junk, settings=settings)
    assert set(r.scores) == set(CATEGORIES)
    assert all(0.0 <= v <= 1.0 for v in r.scores.values())


def test_wrong_types_get_an_error_each_and_keep_their_place(settings) -> None:
    rs = analyze_texts(["hello friend", None, 42, "ты тупой урод"], settings=settings)  # type: ignore[list-item]
    assert len(rs) == 4
    assert rs[0].error is None
    assert rs[1].error == "no text given"
    assert "must be a string" in (rs[2].error or "")
    assert rs[3].flags and rs[3].error is None


def test_unknown_script_degrades_honestly(settings) -> None:
    for text in ["これはテストです", "Αυτό είναι ένα τεστ", "🙂🙂🙂 !!!", "12345"]:
        r = analyze_text(text, settings=settings)
        assert r.error is None
        assert set(r.scores) == set(CATEGORIES)


def test_empty_batch(settings) -> None:
    assert analyze_texts([], settings=settings) == []
