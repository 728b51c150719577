"""Work off the request path: the outbox, the worker and scheduler roles, streams, operations.

    outbox.py     durable work rows committed with a decision; claimed, retried, dead-lettered
    deferred.py   what `moderate` puts in the outbox (open a case) and how a worker carries it out
    handlers.py   the registry: outbox kind -> function
    drainer.py    the loop that empties the outbox (in `tutela worker`, or a thread in `tutela serve`)
    lease.py      a lease row in the database: exactly one holder of a singleton role
    scheduler.py  periodic work under the "scheduler" lease
    broker.py     the stream broker interface, Redis Streams and an embedded in-process backend
    streams.py    ingest messages into partitioned streams; the stream worker that decides them
    webhooks.py   signed result webhooks
    metrics.py    Prometheus metrics shared by every role
"""
