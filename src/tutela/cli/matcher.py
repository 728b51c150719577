"""`tutela matcher`: serve one shard of the media match index.

    tutela matcher --shard 0/2 --port 7101 &
    tutela matcher --shard 1/2 --port 7102 &
    TUTELA_MATCHER_SHARDS='["http://127.0.0.1:7101","http://127.0.0.1:7102"]' tutela serve

Each shard holds the PDQ entries with id % n == i, follows the database's
log of additions and removals on a jittered clock, and keeps its index in
`<data_dir>/hash_index/` so a restart reads only what changed since.
"""

from __future__ import annotations

import json

import typer

from tutela.cli.common import database, fail, settings


def register(app: typer.Typer) -> None:
    @app.command("matcher")
    def matcher_cmd(
        shard: str = typer.Option("0/1", help="which shard, i/n (entries with id % n == i)"),
        host: str = typer.Option("127.0.0.1", help="bind address (keep it private: shards answer any caller)"),
        port: int = typer.Option(0, help="port (0: any free one; the address is printed)"),
        period: float = typer.Option(2.0, help="mean seconds between catch-ups with the database (jittered)"),
    ) -> None:
        """Serve one shard of the PDQ match index over HTTP (POST /search, GET /stats)."""
        from tutela.cli.media import INDEX_SUBDIR
        from tutela.hashing.follower import Shard
        from tutela.hashing.shards import ShardServer

        try:
            which = Shard.parse(shard)
        except ValueError as exc:
            fail(str(exc))
        s = settings()
        server = ShardServer(database(s), which, host=host, port=port, folder=s.data_dir / INDEX_SUBDIR,
                             period=period)
        typer.echo(json.dumps({"shard": str(which), "address": server.address}), err=False)
        server.serve_forever()
