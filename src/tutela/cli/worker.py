"""`tutela worker` and `tutela scheduler`: the roles that run beside `tutela serve` when scaled out.

    tutela serve       stateless HTTP API, any number (set TUTELA_EXTERNAL_WORKERS=1 on them)
    tutela worker      carries out the outbox and consumes the streams, any number
    tutela scheduler   periodic work (retention, audit checkpoints, outbox purge); start one,
                       a second waits on the lease and takes over when the first dies
"""

from __future__ import annotations

import json
import logging
import signal
import threading

import typer


def _json_logs(level: int = logging.INFO) -> None:
    """One JSON object per line: time, level, logger, message. Messages carry ids, never content."""
    import time

    class _Json(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            out = {"ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + "Z",
                   "level": record.levelname.lower(), "logger": record.name, "msg": record.getMessage()}
            if record.exc_info and record.exc_info[0] is not None:
                out["error"] = record.exc_info[0].__name__
            return json.dumps(out, ensure_ascii=False)

    handler = logging.StreamHandler()
    handler.setFormatter(_Json())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def _until_signal(stop: threading.Event) -> None:
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())


def register(app: typer.Typer) -> None:
    @app.command()
    def worker(
        streams: bool = typer.Option(True, help="consume the message streams (needs TUTELA_REDIS_URL)"),
        outbox: bool = typer.Option(True, help="carry out the outbox (cases, webhooks)"),
        once: bool = typer.Option(False, "--once", help="drain what is due now, then exit"),
        metrics_port: int = typer.Option(0, help="serve /metrics on this port (0: off)"),
        retry_dead: bool = typer.Option(False, "--retry-dead", help="put dead outbox rows back, then exit"),
    ) -> None:
        """Carry out the outbox and consume the streams (run any number of these)."""
        from tutela.cli.common import database, fail, settings
        from tutela.detect.native_threads import one_blas_thread
        from tutela.jobs import metrics
        from tutela.jobs import outbox as ob
        from tutela.jobs.drainer import OutboxDrainer, drain, worker_name

        _json_logs()
        one_blas_thread()  # a worker analyses many small batches: spinning BLAS threads only cost CPU
        s = settings()
        db = database(s)
        if retry_dead:
            typer.echo(json.dumps({"requeued": ob.retry_dead(db)}))
            return
        if once:
            typer.echo(json.dumps({"done": drain(db, s), **ob.depth(db)}))
            return
        if streams and not s.redis_url:
            if not outbox:
                fail("streams need TUTELA_REDIS_URL (the embedded broker lives inside `tutela serve`)")
            logging.getLogger(__name__).info("no TUTELA_REDIS_URL: this worker carries out the outbox only")
            streams = False
        metrics.add_state_reader("outbox", metrics.outbox_reader(db))
        if metrics_port:
            metrics.serve(metrics_port)
        stop = threading.Event()
        _until_signal(stop)
        name = worker_name("worker")
        drainer = OutboxDrainer(db, s, role="worker", poll_s=0.2).start() if outbox else None
        sw = None
        if streams:
            from tutela.jobs.broker import broker_for
            from tutela.jobs.streams import StreamWorker, stream_state_reader

            broker = broker_for(s.redis_url)
            metrics.add_state_reader("streams", stream_state_reader(broker, s))
            sw = StreamWorker(db, s, broker, name)
            threading.Thread(target=sw.run_forever, name="tutela-stream", daemon=True).start()
        logging.getLogger(__name__).info("worker %s started (outbox=%s, streams=%s)", name, outbox, streams)
        stop.wait()
        if sw is not None:
            sw.stop()
        if drainer is not None:
            drainer.stop()
        db.dispose()

    @app.command()
    def scheduler(
        once: bool = typer.Option(False, "--once", help="one round (if this process gets the lease), then exit"),
        tick: float = typer.Option(5.0, help="seconds between rounds"),
    ) -> None:
        """Periodic work under a database lease: safe when two are started by mistake."""
        from tutela.cli.common import database, settings
        from tutela.jobs.drainer import worker_name
        from tutela.jobs.scheduler import TASKS, Scheduler

        _json_logs()
        s = settings()
        db = database(s)
        sch = Scheduler(db, s, worker_name("scheduler"), tick_s=tick)
        if once:
            ran = sch.tick()
            typer.echo(json.dumps({"holder": sch.lease.holder_now(), "ran": ran}))
            return
        stop = threading.Event()
        _until_signal(stop)
        threading.Thread(target=lambda: (stop.wait(), sch.stop()), daemon=True).start()
        logging.getLogger(__name__).info("scheduler %s started; tasks: %s", sch.holder, ", ".join(TASKS))
        sch.run_forever()
        db.dispose()
