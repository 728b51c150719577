"""Rate limits and sign-in throttling held outside the process (issue #10, finding 6).

The attacks: flooding `/report` and the status lookup, and locking a victim out by typing their
e-mail with wrong passwords. Limits are lowered through `Settings.rate_limits` so each test needs
only a few requests; clients get their own addresses through the TestClient's `client`.
"""

from __future__ import annotations

import os
import re

import pytest
from fastapi.testclient import TestClient

from tutela.access import create_org
from tutela.access.people import create_user
from tutela.access.ratelimit import RateLimited, RateLimiter, _DatabaseStore, _RedisStore
from tutela.api.app import create_app
from tutela.storage.db import Database
from tutela.storage.tables.limits import rate_limits

PASSWORD = "a long test password"
VICTIM = "victim@a.example"


def _client(app, ip: str) -> TestClient:
    return TestClient(app, client=(ip, 50000))


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _login(client: TestClient, email: str, password: str):
    token = _csrf(client.get("/login").text)
    return client.post("/login", data={"csrf_token": token, "email": email, "password": password},
                       follow_redirects=False)


@pytest.fixture()
def victim(db):
    create_org(db, "Hotline A", kind="hotline")
    create_user(db, "Hotline A", VICTIM, PASSWORD, "analyst")
    create_user(db, "Hotline A", "other@a.example", PASSWORD, "analyst")
    return VICTIM


def test_a_stranger_cannot_lock_the_victim_out(app, victim):
    stranger, own = _client(app, "203.0.113.7"), _client(app, "198.51.100.20")
    for _ in range(5):
        assert _login(stranger, victim, "wrong guess wrong").status_code == 401
    refused = _login(stranger, victim, PASSWORD)  # even the right password, from the stranger's address
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Too many wrong tries" in refused.text and "tutela_session" not in refused.cookies
    ok = _login(own, victim, PASSWORD)  # the victim, from their own address, is not locked out
    assert ok.status_code == 303 and "tutela_session" in ok.cookies


def test_one_address_guessing_many_accounts_is_throttled_as_a_whole(app, settings, victim):
    settings.rate_limits = {"login.ip": 4}
    guesser = _client(app, "203.0.113.8")
    for email in ("a@a.example", "b@a.example", VICTIM, "other@a.example"):
        assert _login(guesser, email, "wrong guess wrong").status_code == 401
    assert _login(guesser, "other@a.example", PASSWORD).status_code == 429
    assert _login(_client(app, "198.51.100.21"), "other@a.example", PASSWORD).status_code == 303


def test_a_good_sign_in_clears_the_pair_count(app, victim):
    me = _client(app, "198.51.100.22")
    for _ in range(4):
        assert _login(me, victim, "wrong guess wrong").status_code == 401
    assert _login(me, victim, PASSWORD).status_code == 303
    for _ in range(4):  # four more mistakes are allowed again
        assert _login(me, victim, "wrong guess wrong").status_code == 401
    assert _login(me, victim, PASSWORD).status_code == 303


def test_report_flood_gets_429_with_retry_after_and_keeps_the_answers(app, settings):
    settings.rate_limits = {"report.submit": 2}
    flooder, child = _client(app, "203.0.113.9"), _client(app, "198.51.100.23")
    token = _csrf(flooder.get("/report").text)
    words = "they keep calling me names at school"
    form = {"csrf_token": token, "category": "bullying", "description": words}
    for _ in range(2):
        assert flooder.post("/report", data=form).status_code == 200
    refused = flooder.post("/report", data=form)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert words in refused.text and "Too many tries" in refused.text
    ctoken = _csrf(child.get("/report?lang=tr").text)
    res = child.post("/report", data=form | {"csrf_token": ctoken, "lang": "tr"})
    assert res.status_code == 200


def test_status_lookups_are_limited_on_the_page_and_the_api(app, settings, client):
    settings.rate_limits = {"report.status": 3}
    prober = _client(app, "203.0.113.10")
    token = _csrf(prober.get("/report/status").text)
    for i in range(3):
        assert prober.post("/report/status", data={"csrf_token": token, "code": f"TUT-AAAA-BBBB-{i:04d}"}
                           ).status_code == 404
    refused = prober.post("/report/status", data={"csrf_token": token, "code": "TUT-AAAA-BBBB-CCCC"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    api = _client(app, "203.0.113.11")
    codes = [api.get(f"/v1/reports/TUT-AAAA-BBBB-{i:04d}/status").status_code for i in range(4)]
    assert codes == [404, 404, 404, 429]
    last = api.get("/v1/reports/TUT-AAAA-BBBB-0000/status")
    assert last.status_code == 429 and int(last.headers["Retry-After"]) > 0
    assert "too many" in last.json()["error"]


def test_counts_are_shared_by_two_servers_over_one_database(settings, victim):
    settings.rate_limits = {"login.pair": 4}
    one, two = Database.from_settings(settings), Database.from_settings(settings)
    a = _client(create_app(settings, one), "203.0.113.12")
    b = _client(create_app(settings, two), "203.0.113.12")
    for c in (a, b, a, b):
        assert _login(c, victim, "wrong guess wrong").status_code == 401
    assert _login(a, victim, PASSWORD).status_code == 429
    assert _login(b, victim, PASSWORD).status_code == 429
    with one.connect() as conn:  # only keyed hashes of the callers are stored, never an address or e-mail
        buckets = [r.bucket for r in conn.execute(rate_limits.select())]
    assert buckets and not any("203.0.113" in x or "victim" in x for x in buckets)
    one.dispose()
    two.dispose()


@pytest.fixture(params=["sqlite", "postgres", "redis"])
def store(request, db, settings):
    if request.param == "postgres":
        return _DatabaseStore(request.getfixturevalue("pg_db"))
    if request.param == "redis":
        url = os.environ.get("TUTELA_TEST_REDIS_URL")
        if not url:
            pytest.skip("TUTELA_TEST_REDIS_URL not set (CI sets it)")
        return _RedisStore(url)
    return _DatabaseStore(db)


def test_the_limiter_counts_per_caller_and_window_in_each_store(store, tmp_path):
    key = os.urandom(16)  # a fresh secret: the buckets of this run are its own, also in a shared Redis
    one, two = RateLimiter(store, key, {"report.status": 2}), RateLimiter(store, key, {"report.status": 2})
    one.hit("report.status", "203.0.113.1")
    two.hit("report.status", "203.0.113.1")  # another process, the same counter
    with pytest.raises(RateLimited) as exc:
        one.hit("report.status", "203.0.113.1")
    assert 0 < exc.value.retry_after <= 600
    two.hit("report.status", "203.0.113.2")  # someone else is not affected
    with pytest.raises(RateLimited):
        two.check("report.status", "203.0.113.1")
    one.reset("report.status", "203.0.113.1")
    two.check("report.status", "203.0.113.1")
