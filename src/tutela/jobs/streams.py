"""Asynchronous moderation over streams: platforms push, workers decide, results come back.

    POST /v1/stream/messages ──> <prefix>:in:<p>   (p = hash(org, conversation) mod partitions)
                                     │ one worker owns a partition at a time (messages of a
                                     │ conversation are decided in the order they were pushed)
                                     ▼
    worker: prepare() per message ─> one transaction per batch { decision log rows,
            stream_messages rows (idempotency), outbox rows (cases, webhooks) }
                                     │
                                     ├─> <prefix>:out:<org>   the decision, for the platform
                                     └─> XACK + XDEL          the entry leaves the stream

Delivery is at least once; processing is idempotent under (organisation, message id): a
message redelivered after a crash finds its `stream_messages` row, and its stored result is
published again instead of a second decision. Entries a dead worker held are reclaimed
(`XAUTOCLAIM`) when its partition lease runs out; an entry delivered more than
`stream_max_deliveries` times, or one that fails to decide three times in a row, goes to
`<prefix>:dead` with the reason, and the partition moves on.

Media: precomputed hashes (`hashes`) or small inline bytes (`media_base64`). Tutela does not
fetch media by URL from a worker (that would let a caller make it call arbitrary addresses).
"""

from __future__ import annotations

import base64
import json
import logging
import math
import threading
import time
import zlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError

from tutela.access import Principal
from tutela.config import Settings
from tutela.domain.policy import ModerationContext, ModerationItem
from tutela.jobs import metrics, outbox
from tutela.jobs.broker import Backpressure, Broker, Entry
from tutela.storage.db import Database
from tutela.storage.tables.jobs import stream_messages
from tutela.storage.tables.policy import moderation_decisions
from tutela.storage.times import utc_now

log = logging.getLogger(__name__)

GROUP = "tutela-workers"
#: A partition's owner renews its lease every round; a dead owner's partition is free after this.
OWN_MS = 15_000
#: Attempts to decide one message before it is dead-lettered (its partition must move on).
DECIDE_ATTEMPTS = 3


class StreamMessageError(ValueError):
    """A message that can never be decided (bad JSON, no text or media): dead-lettered at once."""


@dataclass(frozen=True)
class Names:
    prefix: str
    partitions: int

    def inbound(self, p: int) -> str:
        return f"{self.prefix}:in:{p}"

    def owner(self, p: int) -> str:
        return f"{self.prefix}:owner:{p}"

    def results(self, org_id: int) -> str:
        return f"{self.prefix}:out:{org_id}"

    @property
    def dead(self) -> str:
        return f"{self.prefix}:dead"

    @property
    def pool(self) -> str:
        return f"{self.prefix}:workers"


def names(settings: Settings) -> Names:
    return Names(settings.stream_prefix, settings.stream_partitions)


def partition_of(org_id: int, conversation_id: str | None, message_id: str, partitions: int) -> int:
    """The same conversation of the same organisation always lands on the same partition."""
    key = f"{org_id}\x00{conversation_id}" if conversation_id else f"{org_id}\x00\x00{message_id}"
    return zlib.crc32(key.encode()) % partitions


def ingest(broker: Broker, settings: Settings, org_id: int, messages: list[dict[str, Any]]) -> list[str]:
    """Append messages (each with `id`, the platform's message id) to their partitions, in order.

    Raises `Backpressure` carrying how many were accepted before the full stream
    (`exc.accepted`): the caller resends the rest later."""
    n = names(settings)
    ids: list[str] = []
    for m in messages:
        conv = (m.get("context") or {}).get("conversation_id")
        p = partition_of(org_id, conv, m["id"], n.partitions)
        fields = {"org": str(org_id), "mid": m["id"], "body": json.dumps(m, separators=(",", ":")),
                  "at": f"{time.time():.3f}"}
        try:
            ids.append(broker.append(n.inbound(p), fields, settings.stream_maxlen))
        except Backpressure as exc:
            exc.accepted = len(ids)  # type: ignore[attr-defined]
            exc.ids = ids  # type: ignore[attr-defined]
            metrics.STREAM_REJECTED.labels(reason="full").inc()
            raise
    return ids


@dataclass
class _Work:
    entry: Entry
    org_id: int
    message_id: str
    body: dict[str, Any]


def _parse(entry: Entry) -> _Work:
    try:
        org_id = int(entry.fields["org"])
        mid = entry.fields["mid"]
        body = json.loads(entry.fields["body"])
    except (KeyError, ValueError) as exc:
        raise StreamMessageError(f"malformed entry: {type(exc).__name__}") from exc
    return _Work(entry, org_id, mid, body)


class StreamWorker:
    """Consumes the partitions it owns; any number run at once and share the partitions fairly."""

    def __init__(self, db: Database, settings: Settings, broker: Broker, name: str, *,
                 batch: int = 64, block_ms: int = 200, own_ms: int = OWN_MS) -> None:
        self.db = db
        self.settings = settings
        self.broker = broker
        self.name = name
        self.n = names(settings)
        self.batch = batch
        self.block_ms = block_ms
        self.own_ms = own_ms
        self.owned: set[int] = set()
        self._fresh: set[int] = set()  # partitions just taken over: their pending entries come first
        self._stop = threading.Event()
        self._orgs: dict[int, tuple[float, str]] = {}
        self.processed = 0

    # --- partitions ----------------------------------------------------------------------

    def rebalance(self) -> set[int]:
        """Renew what this worker owns, take free partitions up to its fair share, give back the rest."""
        alive = max(1, self.broker.heartbeat(self.n.pool, self.name, self.own_ms))
        share = math.ceil(self.n.partitions / alive)
        for p in sorted(self.owned):
            if not self.broker.own(self.n.owner(p), self.name, self.own_ms):
                self.owned.discard(p)  # lost it (we stalled past the lease): stop reading it
        while len(self.owned) > share:
            p = max(self.owned)
            self.broker.disown(self.n.owner(p), self.name)
            self.owned.discard(p)
        start = zlib.crc32(self.name.encode()) % self.n.partitions  # workers start looking at different places
        for i in range(self.n.partitions):
            if len(self.owned) >= share:
                break
            p = (start + i) % self.n.partitions
            if p not in self.owned and self.broker.own(self.n.owner(p), self.name, self.own_ms):
                self.owned.add(p)
                self._fresh.add(p)
        return self.owned

    def release_all(self) -> None:
        for p in list(self.owned):
            self.broker.disown(self.n.owner(p), self.name)
        self.owned.clear()

    # --- one round --------------------------------------------------------------------------

    def run_once(self) -> int:
        """Rebalance, then one batch from each owned partition (a dead owner's pending entries first)."""
        self.rebalance()
        done = 0
        if not self.owned:
            time.sleep(self.block_ms / 1000)
            return 0
        block = max(1, self.block_ms // max(1, len(self.owned)))
        for p in sorted(self.owned):
            stream = self.n.inbound(p)
            entries = []
            if p in self._fresh:
                # we own the partition now, so whatever another consumer holds there is orphaned
                entries = self.broker.reclaim(stream, GROUP, self.name, 0, self.batch)
                if len(entries) < self.batch:
                    self._fresh.discard(p)
            if not entries:
                entries = self.broker.read(stream, GROUP, self.name, self.batch, block)
            if entries:
                done += self.handle(stream, entries)
        return done

    def warm_up(self) -> None:
        """Load the models before taking any partition: a worker that joined the pool and then
        spent seconds loading would hold its share of the partitions idle meanwhile."""
        from tutela.conversations.detector import default_detector, models_dir
        from tutela.detect import warm_up

        try:
            warm_up(self.settings)
            default_detector(models_dir(self.settings)).analyse("warming up")
        except Exception:  # noqa: BLE001 - the first batch loads them (and reports) instead
            log.warning("stream worker warm-up failed", exc_info=True)

    def run_forever(self) -> None:
        self.warm_up()
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # noqa: BLE001 - Redis or the database may be away for a moment
                log.warning("stream worker round failed", exc_info=True)
                metrics.ERRORS.labels(where="stream:round").inc()
                self._stop.wait(1.0)
        self.release_all()

    def stop(self) -> None:
        self._stop.set()

    def start(self) -> StreamWorker:
        threading.Thread(target=self.run_forever, name="tutela-stream", daemon=True).start()
        return self

    # --- deciding -------------------------------------------------------------------------

    def _dead(self, entry: Entry, reason: str) -> None:
        fields = {**entry.fields, "reason": reason[:300], "stream": entry.stream, "entry": entry.id,
                  "deliveries": str(entry.deliveries)}
        self.broker.publish(self.n.dead, fields, 1_000_000)
        metrics.STREAM_MESSAGES.labels(outcome="dead").inc()
        log.warning("stream entry %s of %s dead-lettered: %s", entry.id, entry.stream, reason)

    def _principal(self, org_id: int) -> Principal:
        hit = self._orgs.get(org_id)
        if hit is None or time.monotonic() - hit[0] > 60:
            from tutela.storage.tables.access import orgs

            with self.db.connect() as conn:
                name = conn.execute(select(orgs.c.name).where(orgs.c.id == org_id)).scalar()
            if name is None:
                raise StreamMessageError(f"organisation {org_id} does not exist")
            hit = self._orgs[org_id] = (time.monotonic(), name)
        return Principal(org_id, hit[1], frozenset({"moderate"}), key_id="stream-worker")

    def _analyse(self, works: list[_Work]) -> dict[int, Any]:
        """The texts of a batch analysed together, per organisation (the text engine's batch of 32
        costs about a quarter of 32 single calls): id(work) -> TextAnalysis. A failure leaves them
        out, and `prepare` analyses (and records any failure) one by one."""
        from tutela.detect import analyze_texts
        from tutela.detect.semantic.orgbank import fresh_org_bank
        from tutela.policy.service import audience_of

        out: dict[int, Any] = {}
        by_org: dict[int, list[tuple[_Work, ModerationContext]]] = {}
        for w in works:
            text = w.body.get("text")
            if not isinstance(text, str) or not text:
                continue
            try:
                ctx = ModerationContext.model_validate(w.body.get("context") or {})
            except ValueError:
                continue
            by_org.setdefault(w.org_id, []).append((w, ctx))
        for org_id, group in by_org.items():
            try:
                with metrics.Timer("stream:analyse"):
                    res = analyze_texts([w.body["text"] for w, _ in group], settings=self.settings,
                                        langs=[c.lang for _, c in group], audiences=[audience_of(c) for _, c in group],
                                        org=fresh_org_bank(self.db, org_id))
            except Exception:  # noqa: BLE001
                log.warning("batched analysis failed; deciding one by one", exc_info=True)
                continue
            for (w, _), a in zip(group, res, strict=True):
                if a.error is None:
                    out[id(w)] = a
        return out

    @staticmethod
    def _item(w: _Work) -> tuple[ModerationItem, ModerationContext]:
        """The message as the policy reads it; `StreamMessageError` when it can never be decided."""
        b = w.body
        media = None
        if b.get("media_base64"):
            try:
                media = base64.b64decode(b["media_base64"], validate=True)
            except ValueError as exc:
                raise StreamMessageError("media_base64 is not valid base64") from exc
        try:
            item = ModerationItem(id=w.message_id, text=b.get("text"), media=media, filename=b.get("filename"),
                                  hashes=b.get("hashes"))
            ctx = ModerationContext.model_validate(b.get("context") or {})
        except ValueError as exc:
            raise StreamMessageError(f"invalid message: {str(exc)[:200]}") from exc
        if item.text is None and not item.has_media:
            raise StreamMessageError("a message needs text, media_base64 or hashes")
        return item, ctx

    def _conversations(self, works: list[_Work]) -> dict[int, tuple[Any, Any]]:
        """The batch's messages applied to their conversations in one transaction per organisation
        (`ingest_messages`): id(work) -> (conversation risk, account risk). Messages that cannot
        be decided, or have no conversation, are left out; if the whole call fails, nothing was
        stored and `prepare` applies them one by one (and records any failure)."""
        from tutela.conversations.service import ingest_messages
        from tutela.policy.service import conversation_message

        by_org: dict[int, list[tuple[_Work, str, dict[str, Any]]]] = {}
        for w in works:
            try:
                item, ctx = self._item(w)
            except StreamMessageError:
                continue
            msg = conversation_message(item, ctx)
            if msg is not None and ctx.conversation_id:
                by_org.setdefault(w.org_id, []).append((w, ctx.conversation_id, msg))
        out: dict[int, tuple[Any, Any]] = {}
        for org_id, group in by_org.items():
            try:
                with metrics.Timer("stream:conversations"):
                    got = ingest_messages(self.db, self.settings, org_id, [(c, m) for _, c, m in group])
            except Exception:  # noqa: BLE001
                log.warning("batched conversation update failed; one by one", exc_info=True)
                continue
            for (w, _, _), g in zip(group, got, strict=True):
                if not isinstance(g, Exception):
                    out[id(w)] = g
        return out

    def _decide(self, w: _Work, analysis: Any = None, conversation: tuple[Any, Any] | None = None) -> Any:
        from tutela.policy.service import prepare

        item, ctx = self._item(w)
        p = prepare(item, ctx, settings=self.settings, db=self.db, principal=self._principal(w.org_id),
                    analysis=analysis, conversation=conversation)
        p.defer = True
        return p

    def _stored(self, works: list[_Work]) -> dict[tuple[int, str], str]:
        keys = list({(w.org_id, w.message_id) for w in works})
        if not keys:
            return {}
        with self.db.connect() as conn:
            rows = conn.execute(select(stream_messages.c.org_id, stream_messages.c.message_id,
                                       stream_messages.c.result)
                                .where(or_(*[and_(stream_messages.c.org_id == o, stream_messages.c.message_id == m)
                                             for o, m in keys]))).all()
        return {(r.org_id, r.message_id): r.result for r in rows}

    def handle(self, stream: str, entries: list[Entry]) -> int:
        """Decide a batch from one partition, in order; commit once; publish; acknowledge."""
        from tutela.jobs.deferred import KIND as CASE_KIND
        from tutela.jobs.deferred import case_key, payload_of
        from tutela.jobs.webhooks import KIND as HOOK_KIND
        from tutela.policy.service import log_row

        finished: list[str] = []
        works: list[_Work] = []
        for e in entries:
            if e.deliveries > self.settings.stream_max_deliveries:
                self._dead(e, f"delivered {e.deliveries} times without being acknowledged")
                finished.append(e.id)
                continue
            try:
                works.append(_parse(e))
            except StreamMessageError as exc:
                self._dead(e, str(exc))
                finished.append(e.id)
        stored = self._stored(works)
        results: list[tuple[_Work, str]] = []
        rows: list[dict[str, Any]] = []
        log_rows: list[dict[str, Any]] = []
        jobs: list[tuple[str, str, dict[str, Any], int]] = []
        seen: dict[tuple[int, str], str] = {}
        fresh: dict[tuple[int, str], _Work] = {}
        for w in works:  # each message once (pushed twice: the second gets the first's answer)
            if (w.org_id, w.message_id) not in stored:
                fresh.setdefault((w.org_id, w.message_id), w)
        analyses = self._analyse(list(fresh.values()))
        conversations = self._conversations(list(fresh.values()))
        for w in works:
            key = (w.org_id, w.message_id)
            if key in stored or key in seen:  # redelivered or pushed twice: same answer, no second decision
                results.append((w, stored.get(key) or seen[key]))
                metrics.STREAM_MESSAGES.labels(outcome="duplicate").inc()
                continue
            pending = None
            for attempt in range(DECIDE_ATTEMPTS):
                try:
                    with metrics.Timer("stream:decide"):
                        # the conversation was updated once for the batch: every attempt reuses it
                        pending = self._decide(w, analyses.get(id(w)) if attempt == 0 else None,
                                               conversations.get(id(w)))
                    break
                except StreamMessageError as exc:
                    self._dead(w.entry, str(exc))
                    break
                except Exception as exc:  # noqa: BLE001 - retried, then dead-lettered: the partition moves on
                    log.warning("deciding stream message failed (attempt %d)", attempt + 1, exc_info=True)
                    if attempt == DECIDE_ATTEMPTS - 1:
                        self._dead(w.entry, f"could not be decided: {type(exc).__name__}")
                    time.sleep(0.05 * (attempt + 1))
            if pending is None:
                finished.append(w.entry.id)
                continue
            d = pending.decision
            if pending.needs_case:
                jobs.append((CASE_KIND, case_key(d.id), payload_of(pending), w.org_id))
                d.queued = [a for a in ("open_case", "report") if d.has(a)] or [CASE_KIND]
            result = json.dumps({"message_id": w.message_id, **json.loads(d.model_dump_json())},
                                separators=(",", ":"))
            seen[key] = result
            results.append((w, result))
            log_rows.append(log_row(d, pending.evaluation, w.org_id, pending.item, pending.context, self.settings))
            rows.append({"org_id": w.org_id, "message_id": w.message_id, "decision_id": d.id, "result": result,
                         "processed_at": utc_now()})
            if self.settings.result_webhook_url:
                jobs.append((HOOK_KIND, f"hook:{d.id}", {"url": self.settings.result_webhook_url,
                                                         "body": json.loads(result)}, w.org_id))
        self._commit(rows, log_rows, jobs, results)
        # one round trip for the batch's results, one for the acknowledgements
        self.broker.publish_many([(self.n.results(w.org_id), {"message_id": w.message_id, "result": result})
                                  for w, result in results], self.settings.stream_maxlen)
        finished.extend(w.entry.id for w, _ in results)
        self.broker.done(stream, GROUP, finished)
        metrics.STREAM_MESSAGES.labels(outcome="decided").inc(len(rows))
        self.processed += len(rows)
        if jobs:
            from tutela.jobs.drainer import nudge

            nudge(self.db)
        return len(finished)

    def _commit(self, rows: list[dict], log_rows: list[dict], jobs: list[tuple], results: list) -> None:
        """One transaction for the batch; if another worker committed one of these messages first
        (it held the partition before us and stalled), fall back to one message at a time."""
        if not rows:
            return
        try:
            with metrics.Timer("stream:commit"), self.db.begin() as conn:
                conn.execute(stream_messages.insert(), rows)
                conn.execute(moderation_decisions.insert(), log_rows)
                for kind, key, payload, org_id in jobs:
                    outbox.enqueue(conn, self.settings, kind, key, payload, org_id=org_id)
            return
        except IntegrityError:
            log.info("a batch overlapped another worker's commit: committing message by message")
        by_decision = {r["decision_id"]: r for r in rows}
        for row, lrow in zip(rows, log_rows, strict=True):
            mine = [j for j in jobs if j[1].endswith(row["decision_id"])]
            try:
                with self.db.begin() as conn:
                    conn.execute(stream_messages.insert(), [row])
                    conn.execute(moderation_decisions.insert(), [lrow])
                    for kind, key, payload, org_id in mine:
                        outbox.enqueue(conn, self.settings, kind, key, payload, org_id=org_id)
            except IntegrityError:
                stored = self._stored([_Work(Entry("", "", {}), row["org_id"], row["message_id"], {})])
                first = stored.get((row["org_id"], row["message_id"]))
                for i, (w, _res) in enumerate(results):
                    if (w.org_id, w.message_id) == (row["org_id"], row["message_id"]) and first:
                        results[i] = (w, first)
                by_decision.pop(row["decision_id"], None)


def stream_state_reader(broker: Broker, settings: Settings):  # noqa: ANN201
    """Metrics at scrape time: entries waiting and pending per partition, dead letters."""
    def read():  # noqa: ANN202
        from prometheus_client.core import GaugeMetricFamily

        n = names(settings)
        waiting = GaugeMetricFamily("tutela_stream_length", "Entries in a stream (unacknowledged)",
                                    labels=["partition"])
        pend = GaugeMetricFamily("tutela_stream_pending", "Entries delivered but not yet acknowledged",
                                 labels=["partition"])
        for p in range(n.partitions):
            waiting.add_metric([str(p)], broker.length(n.inbound(p)))
            pend.add_metric([str(p)], broker.pending(n.inbound(p), GROUP))
        yield waiting
        yield pend
        yield GaugeMetricFamily("tutela_stream_dead_letters", "Entries in the dead-letter stream",
                                value=broker.length(n.dead))
    return read


__all__ = ["GROUP", "Names", "StreamMessageError", "StreamWorker", "ingest", "names", "partition_of",
           "stream_state_reader"]
