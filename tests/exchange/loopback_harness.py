"""Real Tutela servers on loopback for the multi-instance exchange tests (not a test module itself).

Each instance has its own data dir (keys, vault, audit checkpoints), its own database (SQLite, or a
fresh PostgreSQL schema when `pg=True` and TUTELA_TEST_POSTGRES_URL is set) and its own uvicorn server
on a free port, started with `tutela.client.testing.serve_in_thread`: partners reach each other only
over HTTP, as two organisations in two countries would. Loaded by path (`load()`), since the tests run
with `--import-mode=importlib`.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tutela.config import Settings
from tutela.storage.db import Database


@dataclass
class Instance:
    """One running Tutela with one organisation in it, and an API key of that organisation."""

    org: str
    url: str
    db: Database
    settings: Settings
    org_id: int
    key: str
    on_postgres: bool
    extra: dict[str, Any] = field(default_factory=dict)

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.key}", **kwargs.pop("headers", {})}
        return httpx.request(method, self.url + path, headers=headers, timeout=30, **kwargs)

    @property
    def public_key(self) -> str:
        from tutela.exchange import identity

        return identity.current_key(self.db, self.org_id).public_key

    def principal(self) -> Any:
        from tutela.access import Principal

        return Principal(self.org_id, self.org, frozenset({"exchange", "cases", "reports"}), key_id="test")


def _postgres(settings: Settings, stack: ExitStack) -> Database | None:
    url = os.environ.get("TUTELA_TEST_POSTGRES_URL")
    if not url:
        return None
    from sqlalchemy import create_engine, text

    schema = f"t_x_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def _drop() -> None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    stack.callback(_drop)
    sep = "&" if "?" in url else "?"
    db = Database(f"{url}{sep}options=-csearch_path%3D{schema}", settings=settings)
    db.create_all()
    return db


def start(
    stack: ExitStack, data_dir: Path, org: str, *, kind: str = "platform", country: str | None = None,
    pg: bool = False,
) -> Instance:
    """One running instance with organisation `org`, stopped (and its schema dropped) when `stack` closes."""
    from tutela.access import create_key, create_org
    from tutela.api.app import create_app
    from tutela.client.testing import serve_in_thread

    settings = Settings(data_dir=data_dir, secret_key=f"test-secret-{org}-{uuid.uuid4().hex}")
    settings.ensure_data_dir()
    db = _postgres(settings, stack) if pg else None
    on_pg = db is not None
    if db is None:
        db = Database.from_settings(settings)
    stack.callback(db.dispose)
    org_id = create_org(db, org, kind=kind, country=country)
    key = create_key(db, org, ["exchange", "cases", "reports", "media", "banks"])
    url = stack.enter_context(serve_in_thread(create_app(settings, db)))
    return Instance(org, url, db, settings, org_id, key, on_pg)


@contextmanager
def running(tmp: Path, specs: list[dict[str, Any]]) -> Iterator[list[Instance]]:
    """specs: [{"org", "kind", "country", "pg": bool}] -> running instances, stopped (and dropped) after."""
    with ExitStack() as stack:
        yield [
            start(stack, tmp / f"instance-{i}", spec["org"], kind=spec.get("kind", "platform"),
                  country=spec.get("country"), pg=bool(spec.get("pg")))
            for i, spec in enumerate(specs)
        ]


def introduce(a: Instance, b: Instance, *, a_calls_b: str, b_calls_a: str, **policy: Any) -> None:
    """Register each organisation as the other's partner (key and URL), as their operators would after
    exchanging `tutela exchange identity` output; `policy` (share_level, may_receive_content, ...) both ways."""
    from tutela.exchange import partners

    partners.add_partner(a.db, a.org_id, a_calls_b, b.public_key, url=b.url, **policy)
    partners.add_partner(b.db, b.org_id, b_calls_a, a.public_key, url=a.url, **policy)


def png(rgb: tuple[int, int, int], size: int = 64) -> bytes:
    """A generated image (a gradient, so PDQ has something to hash): never real material."""
    import io

    from PIL import Image

    img = Image.new("RGB", (size, size))
    img.putdata([((x * 4 + rgb[0]) % 256, (y * 4 + rgb[1]) % 256, rgb[2]) for y in range(size) for x in range(size)])
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()
