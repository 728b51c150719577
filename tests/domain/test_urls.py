"""One rule for a reported web address (`tutela.domain.inputs.check_url`), shared by the API, the public
form and batch intake, and one canonical form for deduplication."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tutela.domain.cases import ReportIn
from tutela.domain.inputs import MAX_URL, canonical_url, check_url


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("https://chat.example.com/m/1", "https://chat.example.com/m/1"),
        ("  www.example.com/x  ", "https://www.example.com/x"),
        ("HTTP://Example.COM/Path?q=1", "HTTP://Example.COM/Path?q=1"),  # kept as given; canonical for keys
        ("http://192.0.2.7:8080/a", "http://192.0.2.7:8080/a"),
        ("http://[2001:db8::1]/a", "http://[2001:db8::1]/a"),
        ("example.onion/abc", "https://example.onion/abc"),
    ],
)
def test_web_addresses_are_accepted(typed: str, kept: str) -> None:
    assert check_url(typed) == kept


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("", "empty"),
        ("not a url", "spaces"),
        ("hello", "host"),
        ("javascript:alert(1)", "web address"),
        ("ftp://files.example.com/a", "web address"),
        ("tg://resolve?domain=someone", "web address"),
        ("https://example.com:port/", "port"),
        ("https://example.com/\x00", "control character"),
        ("https://example.com/" + "a" * MAX_URL, "at most"),
    ],
)
def test_what_is_not_a_web_address_is_refused_with_a_reason(typed: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        check_url(typed)


def test_the_api_and_the_form_use_the_same_rule() -> None:
    from tutela.web.pages.report import _normalise_url

    report = ReportIn(category="bullying", description="x", urls=["www.example.com/p", "  ", "https://a.example/b"])
    assert report.urls == ["https://www.example.com/p", "https://a.example/b"]
    with pytest.raises(ValidationError, match=r"urls\[1\]: a URL must be a web address"):
        ReportIn(category="bullying", description="x", urls=["https://a.example", "javascript:alert(1)"])
    for typed in ("www.example.com/p", "hello", "ftp://x.example", "https://a.example/b"):
        try:
            expected: str | None = check_url(typed)
        except ValueError:
            expected = None
        assert _normalise_url(typed) == expected


def test_trivially_different_links_to_one_page_share_a_canonical_form() -> None:
    same = {
        canonical_url(u)
        for u in (
            "https://www.example.com/post/1/",
            "http://EXAMPLE.com:80/post/1?utm_source=x#top",
            "example.com/post/1?fbclid=abc",
        )
    }
    assert same == {"https://example.com/post/1"}
    assert canonical_url("https://example.com/p?b=2&a=1") == "https://example.com/p?a=1&b=2"
    assert canonical_url("https://example.com/p?id=1") != canonical_url("https://example.com/p?id=2")
