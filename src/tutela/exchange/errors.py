"""The errors of the exchange, each with the HTTP status the API answers with.

`Refused` is the one a partner's envelope gets when it must not be accepted (bad
or unknown signature, revoked key or partner, replay, above the partner's
share level, content to a partner not allowed it): the message says which rule
refused it, so an operator on either side can act on it.
"""

from __future__ import annotations


class ExchangeError(ValueError):
    """An exchange operation that cannot be done: unknown partner or bank, bad input."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class Refused(ExchangeError):
    """An envelope (or a request for one) refused under the partner rules; nothing was changed."""

    def __init__(self, message: str, status: int = 403) -> None:
        super().__init__(message, status)
