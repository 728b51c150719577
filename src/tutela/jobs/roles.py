"""The roles a process can play, put together: what `tutela worker` runs, and what `tutela serve`
runs in threads when no worker is configured (the embedded default)."""

from __future__ import annotations

import logging

from tutela.config import Settings
from tutela.jobs import metrics
from tutela.jobs.broker import broker_for
from tutela.jobs.drainer import OutboxDrainer, worker_name
from tutela.jobs.streams import StreamWorker, stream_state_reader
from tutela.storage.db import Database

log = logging.getLogger(__name__)


class EmbeddedRoles:
    """An outbox drainer and a stream worker as daemon threads of this process."""

    def __init__(self, db: Database, settings: Settings, *, role: str = "serve", streams: bool = True) -> None:
        self.drainer = OutboxDrainer(db, settings, role=role)
        self.streams: StreamWorker | None = None
        if streams:
            broker = broker_for(settings.redis_url)
            metrics.add_state_reader("streams", stream_state_reader(broker, settings))
            self.streams = StreamWorker(db, settings, broker, worker_name(role))

    def start(self) -> EmbeddedRoles:
        self.drainer.start()
        if self.streams is not None:
            self.streams.start()
        return self

    def stop(self) -> None:
        if self.streams is not None:
            self.streams.stop()
        self.drainer.stop()


__all__ = ["EmbeddedRoles"]
