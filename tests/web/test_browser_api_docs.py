"""The API docs work with the network cut off: Swagger UI and ReDoc come from the package, not a CDN."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


def _offline(page: Any, live_url: str) -> list[tuple[str, str]]:
    """Cut every request that does not go to the live server; return what was refused (type, url)."""
    refused: list[tuple[str, str]] = []

    def guard(route: Any) -> None:
        if route.request.url.startswith(live_url):
            route.continue_()
        else:
            refused.append((route.request.resource_type, route.request.url))
            route.abort()

    page.route("**/*", guard)
    return refused


def test_swagger_ui_offline_with_an_authorize_button(page: Any, live_server: Any) -> None:
    refused = _offline(page, live_server.url)
    page.goto(f"{live_server.url}/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)  # operations rendered by the local bundle
    assert page.locator(".swagger-ui .opblock").count() > 20
    assert page.locator("button.authorize").count() >= 1  # the bearer scheme is declared
    assert refused == []


def test_redoc_offline(page: Any, live_server: Any) -> None:
    refused = _offline(page, live_server.url)
    page.goto(f"{live_server.url}/redoc")
    page.wait_for_selector("redoc [role=navigation], .menu-content", timeout=20_000)
    assert "Tutela" in page.content()
    # ReDoc's bundle links its own "powered by" logo from its CDN; nothing the page needs goes out
    assert [r for r in refused if r[0] != "image"] == []
