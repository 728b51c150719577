"""Python SDK for platforms that call a remote Tutela over HTTP.

    from tutela.client import TutelaClient
    with TutelaClient("https://tutela.example.org", api_key) as tutela:
        d = tutela.moderate("hi!", context={"sender": {"age": 31}, "recipient": {"age": 12}})
        if d.decision != "allow": ...

Retries with exponential backoff on connection errors, 5xx and 429 (honouring
`Retry-After`); every call has a timeout. `AsyncTutelaClient` is the same for asyncio.
"""

from tutela.client.sdk import AsyncTutelaClient, TutelaClient, TutelaError

__all__ = ["AsyncTutelaClient", "TutelaClient", "TutelaError"]
