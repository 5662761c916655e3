"""The original users API (the seed's FastAPI app), on the gateway.

What changed from the original: no `/internal/*` SQL paths and no `CREATE TABLE` at start (the
migration owns the table: migrations/0001_users.sql); D1 is `env.DB`, as in a Worker, over the
gateway's private transport; a duplicate email is 409 and a missing one 400, as in the Node app.

Run it (the local session does: `npm start -- --container python`)::

    GATEWAY_URL=... GATEWAY_TOKEN=... python3 -m uvicorn app:app --port 8000
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any
from uuid import uuid4

from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from binding_gateway import DEFAULT_GATEWAY_URL, GatewayError, create_gateway_env
from binding_gateway.contract import LIMITS

REQUEST_ID_HEADER = "x-request-id"
VALID_REQUEST_ID = re.compile(r"^[\w.:-]{1,128}$")
# What the Node app's zod `z.email()` takes, near enough: something@domain.tld, no spaces.
EMAIL = re.compile(r"^[^\s@]+@[^\s@]+\.[^\s@]+$")
MAX_NAME_CHARS = 200
#: RFC 5321's longest address (shared/limits.ts, as the Node app): 254 characters.
MAX_EMAIL_CHARS = LIMITS["USERS_API_MAX_EMAIL_CHARS"]
#: A request body is read only up to this (shared/limits.ts, as the Node app's bodyLimit): 1 MiB.
MAX_BODY_BYTES = LIMITS["CONTAINER_API_MAX_BODY_BYTES"]

#: The id of the request being served; the gateway client sends it with the calls made for it.
current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)

# One env (one connection pool) for the process: GATEWAY_URL, else http://gateway.internal/trpc.
env = create_gateway_env(request_id=current_request_id.get)


#: How long the readiness self-test waits for gateway.info (as container/readiness.ts).
GATEWAY_CHECK_TIMEOUT_S = 5.0
# Codes the client raises when no gateway answered (a network failure, no JSON, a deadline).
NO_GATEWAY = ("UNAVAILABLE", "CANCELLED")
PLATFORM_CAUSES = (
    "placement.region is set in wrangler.toml (outbound interception then stops: cloudflare/containers#226); "
    "a catch-all outbound handler shadows the one for gateway.internal (cloudflare/sandbox-sdk#720); "
    'the Worker does not export Gateway (CONTAINER_MOUNT "durable-object") or ContainerProxy ("container-class")'
)
LOCAL_CAUSES = "the Worker is not running at that URL (npm start starts it first)"


class GatewayReadiness:
    """The readiness self-test: gateway.info at start. While no gateway answers, /api/* is a JSON 503
    with the reason (one log line names the likely causes), and each request tests again (one
    probe shared by the requests that arrive meanwhile), so the API serves once a gateway answers."""

    def __init__(self) -> None:
        self.ready = False
        self.reason: str | None = None
        self._probe: asyncio.Task[str | None] | None = None

    async def status(self) -> str | None:
        """``None`` once a gateway answered, else why none did."""
        if self.ready:
            return None
        if self._probe is None or self._probe.done():
            self._probe = asyncio.ensure_future(self._check())
        # Shielded: a request that goes away does not cancel the probe the others wait for.
        return await asyncio.shield(self._probe)

    async def _check(self) -> str | None:
        try:
            await asyncio.wait_for(env.gateway.gateway_info(), GATEWAY_CHECK_TIMEOUT_S)
            why = None
        except TimeoutError:
            why = f"no answer within {GATEWAY_CHECK_TIMEOUT_S} s"
        except GatewayError as error:
            # The gateway itself answered (with a code of its own): it is there.
            why = error.message if error.code in NO_GATEWAY else None
        if why is None:
            if self.reason is not None:
                print(json.dumps({"event": "gateway_reachable", "url": env.gateway.url}), flush=True)
            self.ready, self.reason = True, None
            return None
        causes = PLATFORM_CAUSES if env.gateway.url == DEFAULT_GATEWAY_URL else LOCAL_CAUSES
        reason = f"no gateway answered gateway.info at {env.gateway.url} ({why}). Likely causes: {causes}"
        if self.reason is None:
            print(json.dumps({"event": "gateway_unreachable", "reason": reason}), flush=True)
        self.reason = reason
        return reason


readiness = GatewayReadiness()


class CORS(CORSMiddleware):
    """Any origin, method and header, as the original allowed; a preflight is 204, as in the Node app."""

    def preflight_response(self, request_headers: Headers) -> Response:
        answer = super().preflight_response(request_headers)
        if answer.status_code != 200:
            return answer
        headers = {k: v for k, v in answer.headers.items() if k.lower() not in ("content-length", "content-type")}
        return Response(status_code=204, headers=headers)


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    """Every route's request body up to ``MAX_BODY_BYTES`` (docs/limits.md), as the Node app's
    ``bodyLimit``: 413 by its length header before it is read, or as soon as a chunked one passes
    it; never more than that is held."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            await too_large()(scope, receive, send)
            return
        received = 0
        started = False

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > MAX_BODY_BYTES:
                raise BodyTooLarge
            return message

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, sending)
        except BodyTooLarge:
            if started:
                raise
            await too_large()(scope, receive, send)


app = FastAPI()


# Added first, so innermost: its 503 carries the CORS headers and the request id like any answer.
@app.middleware("http")
async def require_gateway(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    if request.url.path == "/api" or request.url.path.startswith("/api/"):
        reason = await readiness.status()
        if reason is not None:
            return JSONResponse({"error": "the storage gateway is not reachable", "reason": reason}, status_code=503)
    return await call_next(request)


# Outside the readiness check (a body over the limit is refused first), inside CORS and the
# request id: its 413 passes them like any answer.
app.add_middleware(BodyLimit)
app.add_middleware(CORS, allow_origins=["*"], allow_methods=["*"], allow_headers=["*"], expose_headers=[REQUEST_ID_HEADER])


@app.middleware("http")
async def request_id(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    sent = request.headers.get(REQUEST_ID_HEADER, "")
    current_request_id.set(sent if VALID_REQUEST_ID.match(sent) else str(uuid4()))
    response = await call_next(request)
    response.headers[REQUEST_ID_HEADER] = current_request_id.get() or ""
    return response


@app.on_event("startup")
async def check_gateway() -> None:
    # At start, not at the first request: the log line comes as soon as the container is up.
    asyncio.ensure_future(readiness.status())


@app.on_event("shutdown")
async def close_gateway() -> None:
    await env.aclose()


@app.exception_handler(GatewayError)
async def gateway_failed(request: Request, error: GatewayError) -> JSONResponse:
    # Never the gateway's message (it may hold SQL): its code, and 503 when trying again may work.
    print(json.dumps({"event": "gateway_error", "path": request.url.path, "code": error.code, "message": error.message}))
    return JSONResponse({"error": "the storage gateway failed", "code": error.code}, status_code=503 if error.retryable else 502)


@app.exception_handler(404)
async def not_found(request: Request, error: Exception) -> JSONResponse:
    return JSONResponse({"error": "not found"}, status_code=404)


def bad_request(message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=400)


def too_large() -> JSONResponse:
    return JSONResponse({"error": f"the body is over {MAX_BODY_BYTES} bytes"}, status_code=413)


@app.get("/health")
async def health() -> dict[str, bool]:
    return {"ok": True}


@app.get("/api/users")
async def list_users() -> dict[str, Any]:
    result = await env.DB.prepare("SELECT id, email, name, created_at FROM users ORDER BY created_at DESC, id DESC").all()
    return {"users": result["results"]}


@app.post("/api/users")
async def create_user(request: Request) -> JSONResponse:
    try:
        data = json.loads(await request.body())
    except ValueError:
        return bad_request("the body is not JSON")
    if not isinstance(data, dict):
        return bad_request("the body is not a JSON object")
    email, name = data.get("email"), data.get("name", "")
    if email is None:
        return bad_request("email is required")
    if not isinstance(email, str):
        return bad_request("email must be a string")
    email = email.strip()
    if not email:
        return bad_request("email is required")
    if len(email) > MAX_EMAIL_CHARS:
        return bad_request(f"email is over {MAX_EMAIL_CHARS} characters")
    if not EMAIL.match(email):
        return bad_request("email is not a valid address")
    if not isinstance(name, str):
        return bad_request("name is not a string")
    name = name.strip()
    if len(name) > MAX_NAME_CHARS:
        return bad_request(f"name is over {MAX_NAME_CHARS} characters")
    try:
        user = (
            await env.DB.prepare("INSERT INTO users (email, name) VALUES (?, ?) RETURNING id, email, name, created_at")
            .bind(email, name)
            .first()
        )
    except GatewayError as error:
        if error.code == "CONSTRAINT":
            return JSONResponse({"error": f"a user with the email {email} already exists"}, status_code=409)
        raise
    return JSONResponse({"success": True, "user": user}, status_code=201)
