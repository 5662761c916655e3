"""The one exception every gateway failure raises, carrying the gateway's code."""

from __future__ import annotations

from typing import cast

from .contract import GATEWAY_ERRORS, GatewayCode


class GatewayError(Exception):
    """A gateway call that failed. Branch on ``code`` (the gateway's code), never on the message.

    ``retryable`` tells whether the same call may be sent again as it is (the client already did,
    where that was safe). ``http_status`` is the answer's status, ``None`` when no answer came.

    Example::

        try:
            await env.DB.prepare("INSERT INTO users (email) VALUES (?)").bind(email).run()
        except GatewayError as error:
            if error.code == "CONSTRAINT":
                ...  # the email exists
    """

    code: GatewayCode
    retryable: bool
    http_status: int | None
    path: str | None

    def __init__(
        self,
        code: str,
        message: str,
        *,
        retryable: bool | None = None,
        http_status: int | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}" if message else code)
        # A code this client does not know comes from a newer gateway; it is kept as sent.
        self.code = cast(GatewayCode, code)
        known = GATEWAY_ERRORS.get(code)
        self.retryable = retryable if retryable is not None else bool(known and known["retryable"])
        self.http_status = http_status
        self.path = path
        self.message = message
