"""Deduplication keys: the same URL, account or file means the same case.

Keys are keyed hashes (HMAC-SHA256 with `Settings.identifier_salt`), so the
table that finds duplicates never holds an account identifier in the clear.
URLs are made canonical first (`canonical_url`: scheme and host lower-cased, `www.` and default
ports dropped, fragments and tracking parameters removed, query sorted) so
that trivially different links to one page collide.
"""

from __future__ import annotations

import hashlib
import hmac

from tutela.config import Settings
from tutela.domain.cases import ReportIn
from tutela.domain.inputs import canonical_url
from tutela.storage.identifiers import identifier_key


def _salt(settings: Settings) -> bytes:
    """The identifier key (`tutela.storage.identifiers`), shared with every other keyed id."""
    return identifier_key(settings)


def keyed_hash(settings: Settings, kind: str, value: str) -> str:
    return hmac.new(_salt(settings), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def account_key(platform: str | None, account_id: str | None, username: str | None) -> str | None:
    ident = account_id or (username.lower().lstrip("@") if username else None)
    if not ident:
        return None
    return f"{(platform or '').strip().lower()}/{ident.strip()}"


def keys_for(settings: Settings, report: ReportIn, file_sha256s: list[str]) -> list[tuple[str, str]]:
    """(kind, keyed hash) pairs for a report: its URLs, the reported account, its files."""
    keys: set[tuple[str, str]] = set()
    for url in report.urls:
        keys.add(("url", keyed_hash(settings, "url", canonical_url(url))))
    if report.reported_person is not None:
        p = report.reported_person
        acct = account_key(p.platform, p.account_id, p.username)
        if acct:
            keys.add(("account", keyed_hash(settings, "account", acct)))
    shas = set(file_sha256s) | {f.sha256.lower() for f in report.file_refs if f.sha256}
    for sha in shas:
        keys.add(("file", keyed_hash(settings, "file", sha)))
    return sorted(keys)
