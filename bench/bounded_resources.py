"""Memory and time of the two heavy requests from issue #10 (finding 5).

1. Text analysis of 1,000 texts of 10 KB (10 M characters) in one batch: RSS growth and time of
   `analyze_texts`, with the engine's sub-batching (`CHAR_BUDGET`) and without it
   (`--char-budget 1000000000` reproduces the old all-at-once behaviour). Over HTTP such a batch
   is now refused (413): the request cap is 1,000,000 characters; `--http` measures the largest
   accepted request (1,000 texts of 1,000 characters) through the app.
2. A 100,000-entry bank import (CSV) through `POST /v1/banks/{bank}/import`, on SQLite or on
   PostgreSQL (`--postgres URL`, in a throw-away schema).

Each part runs in its own process (`--part text|http|bank`) so RSS figures do not mix:
    python bench/bounded_resources.py --part text
    python bench/bounded_resources.py --part text --char-budget 1000000000
    python bench/bounded_resources.py --part http
    python bench/bounded_resources.py --part bank [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
import uuid
from pathlib import Path

WORDS = ("hello friend how old are you send me a pic dont tell your mom the game was fun today school "
         "homework call me later see you tomorrow").split()


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _texts(n: int, size: int) -> list[str]:
    rng = random.Random(1)
    out = []
    for _ in range(n):
        words: list[str] = []
        while sum(len(w) + 1 for w in words) < size:
            words.append(rng.choice(WORDS))
        out.append(" ".join(words)[:size])
    return out


def part_text(char_budget: int | None) -> None:
    from tutela.detect import engine

    if char_budget:
        engine.CHAR_BUDGET = char_budget
    texts = _texts(1000, 10_000)
    engine.analyze_texts(["warm-up"])
    before = _rss_mb()
    t = time.perf_counter()
    engine.analyze_texts(texts)
    print(f"text: 1000 x 10 KB, CHAR_BUDGET={engine.CHAR_BUDGET}: peak RSS +{_rss_mb() - before:.0f} MB, "
          f"{time.perf_counter() - t:.1f} s")


def _app(database_url: str | None):  # noqa: ANN202
    from fastapi.testclient import TestClient

    from tutela.access import create_key, create_org
    from tutela.api.app import create_app
    from tutela.config import Settings
    from tutela.storage.db import Database

    settings = Settings(data_dir=Path(tempfile.mkdtemp()))
    settings.ensure_data_dir()
    db = Database(database_url) if database_url else Database.from_settings(settings)
    db.create_all()
    create_org(db, "bench", kind="hotline")
    key = create_key(db, "bench", ["admin"])
    return TestClient(create_app(settings, db)), {"Authorization": f"Bearer {key}"}


def part_http() -> None:
    client, headers = _app(None)
    texts = _texts(1000, 1000)
    with client:
        client.post("/v1/analyze/text", json={"text": "warm-up"}, headers=headers)
        before = _rss_mb()
        t = time.perf_counter()
        r = client.post("/v1/analyze/text", json={"texts": texts}, headers=headers)
        took = time.perf_counter() - t
        big = client.post("/v1/analyze/text", json={"texts": _texts(1000, 10_000)}, headers=headers)
    print(f"http: 1000 x 1 KB -> {r.status_code}: peak RSS +{_rss_mb() - before:.0f} MB, {took:.1f} s; "
          f"1000 x 10 KB -> {big.status_code} {big.json().get('error')}")


def part_bank(postgres: str | None) -> None:
    url, drop = None, None
    if postgres:
        from sqlalchemy import create_engine, text

        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(postgres)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{postgres}{'&' if '?' in postgres else '?'}options=-csearch_path%3D{schema}"

        def drop() -> None:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))

    client, headers = _app(url)
    rng = random.Random(2)
    body = "signal_type,value,label\n" + "".join(f"pdq,{rng.getrandbits(256):064x},l{i}\n" for i in range(100_000))
    try:
        with client:
            client.post("/v1/banks", json={"name": "big"}, headers=headers)
            before = _rss_mb()
            t = time.perf_counter()
            r = client.post("/v1/banks/big/import?format=csv", content=body.encode(), headers=headers)
            took = time.perf_counter() - t
        print(f"bank ({'postgresql' if postgres else 'sqlite'}): 100,000 entries -> {r.status_code} "
              f"{r.json().get('added')} added, {took:.1f} s, peak RSS +{_rss_mb() - before:.0f} MB")
    finally:
        if drop:
            drop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--part", choices=("text", "http", "bank"), required=True)
    ap.add_argument("--char-budget", type=int, default=None)
    ap.add_argument("--postgres", default=None)
    args = ap.parse_args()
    if args.part == "text":
        part_text(args.char_budget)
    elif args.part == "http":
        part_http()
    else:
        part_bank(args.postgres)


if __name__ == "__main__":
    main()
