"""Two organisations that know each other's keys, on one instance: the smallest exchange."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tutela.access import create_org
from tutela.exchange import identity, partners
from tutela.storage.db import Database


@dataclass
class Pair:
    db: Database
    a: int  # organisation ids
    b: int


@pytest.fixture()
def pair(db: Database) -> Pair:
    """Hotline `tr-hotline` (A) and platform `az-platform` (B), each registered as the other's partner
    under the name of the other organisation, at share level amber."""
    a = create_org(db, "tr-hotline", kind="hotline", country="TR")
    b = create_org(db, "az-platform", kind="platform", country="AZ")
    partners.add_partner(db, a, "az-platform", identity.current_key(db, b).public_key, country="AZ")
    partners.add_partner(db, b, "tr-hotline", identity.current_key(db, a).public_key, country="TR")
    return Pair(db, a, b)
