"""What every failure raises: a ``GatewayError``, or one of its subclasses, carrying the gateway's code.

The fields are the TypeScript client's (``GatewayBindingError``): ``gateway_code`` (``code`` is the
same) and ``retryable``; the message is the binding's own words, without a code in front.
"""

from __future__ import annotations

from typing import cast

from .contract import GATEWAY_ERRORS, GatewayCode


class GatewayError(Exception):
    """A gateway call that failed. Branch on ``gateway_code``, never on the message.

    ``retryable`` tells whether the same call may be sent again as it is (the client already did,
    where that was safe). ``http_status`` is the answer's status, ``None`` when no answer came.

    Example::

        try:
            await env.DB.prepare("INSERT INTO users (email) VALUES (?)").bind(email).run()
        except GatewayError as error:
            if error.gateway_code == "CONSTRAINT":
                ...  # the email exists
    """

    gateway_code: GatewayCode
    retryable: bool
    http_status: int | None
    path: str | None
    message: str

    def __init__(
        self,
        code: str,
        message: str,
        *,
        retryable: bool | None = None,
        http_status: int | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message or code)
        # A code this client does not know comes from a newer gateway; it is kept as sent.
        self.gateway_code = cast(GatewayCode, code)
        known = GATEWAY_ERRORS.get(code)
        self.retryable = retryable if retryable is not None else bool(known and known["retryable"])
        self.http_status = http_status
        self.path = path
        self.message = message or code

    @property
    def code(self) -> GatewayCode:
        """``gateway_code``, by its shorter name."""
        return self.gateway_code

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.gateway_code}, {self.message!r}, retryable={self.retryable})"


class GatewayConnectionError(GatewayError):
    """No answer came (refused, reset, a name that does not resolve): ``UNAVAILABLE``, retryable."""

    def __init__(self, message: str) -> None:
        super().__init__("UNAVAILABLE", message, retryable=True)


class GatewayTimeoutError(GatewayError):
    """The call ran past its deadline (``deadline=``): ``CANCELLED``. It may have had effects."""

    def __init__(self, message: str) -> None:
        super().__init__("CANCELLED", message, retryable=False)


class GatewayConfigError(GatewayError):
    """The client is set up wrong (``GATEWAY_URL`` names no gateway, a client used where it cannot
    run): sending again will not help. Its message says what to change."""

    def __init__(self, message: str, *, http_status: int | None = None) -> None:
        super().__init__("NOT_FOUND", message, retryable=False, http_status=http_status)


class GatewayLimitError(GatewayError):
    """A platform limit (docs/limits.md) would be exceeded: ``LIMIT_EXCEEDED``. Checked here before
    anything is sent where the client can, else answered by the gateway."""


class GatewayInputError(GatewayError, TypeError):
    """An argument of the wrong kind (a ``TypeError`` too, as the binding throws): ``BAD_INPUT``."""

    def __init__(self, message: str, *, http_status: int | None = None, path: str | None = None) -> None:
        super().__init__("BAD_INPUT", message, retryable=False, http_status=http_status, path=path)


def error_for(
    code: str, message: str, *, retryable: bool | None = None, http_status: int | None = None, path: str | None = None
) -> GatewayError:
    """The error of a gateway answer, of the subclass its code has (if any)."""
    kind = GatewayLimitError if code == "LIMIT_EXCEEDED" else GatewayError
    return kind(code, message, retryable=retryable, http_status=http_status, path=path)
