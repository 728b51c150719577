"""The errors of the exchange, each of a kind (`tutela.domain.errors.ErrorKind`), never an HTTP status.

`Refused` is the one a partner's envelope gets when it must not be accepted (bad
or unknown signature, revoked key or partner, replay, above the partner's
share level, content to a partner not allowed it): the message says which rule
refused it, so an operator on either side can act on it. How each kind reads
over HTTP is `tutela.api.errors`'s business.
"""

from __future__ import annotations

from tutela.domain.errors import ErrorKind, kind_of


class ExchangeError(ValueError):
    """An exchange operation that cannot be done: unknown partner or bank, bad input."""

    def __init__(self, message: str, kind: ErrorKind = ErrorKind.INVALID) -> None:
        super().__init__(message)
        self.kind = kind_of(kind)


class Refused(ExchangeError):
    """An envelope (or a request for one) refused under the partner rules; nothing was changed."""

    def __init__(self, message: str, kind: ErrorKind = ErrorKind.FORBIDDEN) -> None:
        super().__init__(message, kind)
