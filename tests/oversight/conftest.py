"""A synthetic history shared by the oversight tests: thousands of cases over six months, four
platforms, every category, five countries and languages, referrals, appeals, notices, decisions.

Built once per module in its own SQLite database (the tests that change it build their own)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tutela.access import Principal
from tutela.config import Settings
from tutela.oversight import rollup, synthetic
from tutela.storage.db import Database

N_CASES = 3000


@dataclass
class History:
    settings: Settings
    db: Database
    world: synthetic.World

    def principal(self, org_id: int, role: str | None = None, scopes: tuple[str, ...] = ("oversight",)) -> Principal:
        return Principal(org_id=org_id, org_name=f"org {org_id}", scopes=frozenset(scopes), role=role,
                         key_id=None if role else "k", user_id=1 if role else None)

    @property
    def regulator(self) -> Principal:
        return self.principal(self.world.regulator, "regulator")


def build(tmp: Path, n_cases: int = N_CASES, seed: int = 16) -> History:
    settings = Settings(data_dir=tmp / "data")
    settings.ensure_data_dir()
    db = Database.from_settings(settings)
    world = synthetic.make_orgs(db)
    synthetic.load(db, world, n_cases=n_cases, seed=seed)
    rollup.refresh(db)
    return History(settings, db, world)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[History]:
    h = build(tmp_path_factory.mktemp("oversight"))
    yield h
    h.db.dispose()


@pytest.fixture()
def fresh_history(tmp_path: Path) -> Iterator[History]:
    h = build(tmp_path, n_cases=600, seed=7)
    yield h
    h.db.dispose()


@pytest.fixture()
def csrf():
    """csrf(html) -> the CSRF token of the first form in the page."""
    import re

    def _read(html: str) -> str:
        match = re.search(r'name="csrf_token" value="([^"]+)"', html)
        assert match, "no CSRF token in the page"
        return match.group(1)

    return _read
