# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ASGI layer in front of the routes: request IDs, signature check, project ownership, fault injection,
request counters and the request log.

It works at the ASGI level (not as a FastAPI dependency) because a fault may have to drop the TCP connection
or replace a response after the route has run. Admin paths (``/_emulator/``) skip signing, faults and
counters, and answer 404 like any unknown URL unless the admin API is enabled.

Whatever a route or this layer did not expect ends here as a DCS-style 500 (``DCS.5000`` with the request ID)
and one traceback in the log, never as the server's plain-text page; the access log records the status sent.
The access log line holds only what the client controls in a bounded, escaped form (method and path).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid

from dcs_emulator import errors, obs, operations, signing
from dcs_emulator.logsafe import escape
from dcs_emulator.routes.common import MAX_BODY_BYTES

LOG = logging.getLogger("dcs_emulator.access")
ERROR_LOG = logging.getLogger("dcs_emulator.errors")
ADMIN_PREFIX = "/_emulator/"
LOGGED_PATH_CHARS = 200  # enough for every DCS path; an attacker's 64 KiB URL is cut
LOGGED_METHOD_CHARS = 16


class BodyTooLarge(Exception):
    """The client sent more than MAX_BODY_BYTES: refused before buffering the rest."""


async def _read_body(receive) -> bytes:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise BodyTooLarge()
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive):
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()
    return replay


async def _send_json(send, status: int, payload: dict, request_id: str) -> None:
    body = json.dumps(payload).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"x-request-id", request_id.encode())]})
    await send({"type": "http.response.body", "body": body})


async def _drop_connection(receive, send) -> None:
    """Close the TCP connection without answering (the client sees a connection reset/EOF)."""
    cycle = getattr(receive, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        # Not served by uvicorn's protocol: break the response half-way instead.
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1000")]})
        await send({"type": "http.response.body", "body": b"{", "more_body": True})
        raise ConnectionAbortedError("fault injection: connection dropped")
    transport.abort()
    for _attempt in range(200):  # let the server notice, so it does not try to answer on the dead connection
        if getattr(cycle, "disconnected", True):
            break
        await asyncio.sleep(0.005)


def _fault_response(status: int, request_id: str) -> dict:
    return errors.throttled_body(request_id) if status == 429 else errors.server_error_body(status)


class EmulatorMiddleware:
    """Wraps the FastAPI app; ``emulator`` is the app's Emulator (config, faults, counters)."""

    def __init__(self, app, emulator):
        self.app = app
        self.emulator = emulator
        self.obs = obs.ObsEndpoint(emulator.config)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex
        started = time.monotonic()
        method, path = scope["method"], scope["path"]
        state = {"status": 0, "fault": ""}

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"x-request-id"]
                message = dict(message, headers=headers + [(b"x-request-id", request_id.encode())])
            await send(message)

        try:
            if path.startswith(ADMIN_PREFIX):
                await self._admin(scope, receive, send_with_id, request_id)
            elif path.startswith(obs.PREFIX):  # the buckets' S3-compatible API: its own signatures, streamed bodies
                await self.obs(scope, receive, send_with_id, request_id)
            else:
                await self._api(scope, receive, send_with_id, request_id, state)
        except BodyTooLarge:
            error = errors.body_not_json("The request body is larger than %d bytes." % MAX_BODY_BYTES)
            await _send_json(send_with_id, error.status, error.body(), request_id)
        except Exception:  # pylint: disable=broad-except  # the one place an unexpected error becomes a DCS 500
            if state["status"]:
                raise  # the response had started: nothing sound can be sent any more
            ERROR_LOG.exception("request_id=%s %s %s: unexpected error", request_id,
                                escape(method, LOGGED_METHOD_CHARS), escape(path, LOGGED_PATH_CHARS))
            await _send_json(send_with_id, 500, errors.internal_error_body(request_id), request_id)
        finally:
            op = operations.identify(method, path)
            if not path.startswith(ADMIN_PREFIX):
                self.emulator.counters.record(op, method, path[:LOGGED_PATH_CHARS], state["status"], request_id,
                                              state["fault"])
            # Method, path, status and ID only: never headers (Authorization), query values or bodies.
            LOG.info("%s %s %s -> %s%s (%.1f ms) request_id=%s", escape(method, LOGGED_METHOD_CHARS),
                     escape(path, LOGGED_PATH_CHARS), op, state["status"] or "dropped",
                     " fault=" + state["fault"] if state["fault"] else "", (time.monotonic() - started) * 1000,
                     request_id)

    async def _admin(self, scope, receive, send, request_id):
        if not self.emulator.config.admin_enabled:
            await _send_json(send, 404, errors.url_not_found().body(), request_id)
            return
        body = await _read_body(receive)
        scope.setdefault("state", {})
        scope["state"]["body"] = body
        scope["state"]["request_id"] = request_id
        await self.app(scope, _replay(body, receive), send)

    async def _api(self, scope, receive, send, request_id, state):
        body = await _read_body(receive)
        method, path = scope["method"], scope["path"]
        fault = self.emulator.faults.take(method, path)
        if fault is not None:
            state["fault"] = "%s:%s%s" % (fault.when, fault.kind, ":%s" % fault.status if fault.status else "")
        if fault is not None and fault.when == "before":
            if fault.kind == "latency":
                await asyncio.sleep(fault.seconds)
            elif fault.kind == "status":
                await _send_json(send, fault.status, _fault_response(fault.status, request_id), request_id)
                return
            else:
                await _drop_connection(receive, send)
                return
        try:
            self._authenticate(scope, body)
        except errors.ApiError as exc:
            if isinstance(exc, errors.GatewayError):  # the answer is vague on purpose; the log says why
                LOG.info("request_id=%s refused by the gateway: %s", request_id, escape(exc.reason, LOGGED_PATH_CHARS))
            await _send_json(send, exc.status, exc.body(request_id), request_id)
            return
        scope.setdefault("state", {})
        scope["state"]["body"] = body
        scope["state"]["request_id"] = request_id
        if fault is None or fault.when == "before":
            await self.app(scope, _replay(body, receive), send)
            return
        await self._process_then_fault(scope, _replay(body, receive), receive, send, fault, request_id)

    async def _process_then_fault(self, scope, replay, receive, send, fault, request_id):
        """Run the request for real, then delay, replace or drop its response."""
        captured = []

        async def capture(message):
            captured.append(message)
        await self.app(scope, replay, capture)
        if fault.kind == "drop":
            await _drop_connection(receive, send)
            return
        if fault.kind == "status":
            await _send_json(send, fault.status, _fault_response(fault.status, request_id), request_id)
            return
        await asyncio.sleep(fault.seconds)
        for message in captured:
            await send(message)

    def _authenticate(self, scope, body: bytes) -> None:
        config = self.emulator.config
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]

        def secret_for(access_key):
            account = config.account(access_key)
            return account.secret_key if account else None
        access_key = signing.verify(scope["method"], scope["path"], scope.get("query_string", b"").decode("latin-1"),
                                    headers, body, secret_for)
        account = config.account(access_key)
        scope.setdefault("state", {})["access_key"] = access_key
        project_id = operations.project_of(scope["path"])
        header_project = next((v for k, v in headers if k.lower() == "x-project-id"), None)
        for candidate in (project_id, header_project):
            if candidate is not None and not account.owns(candidate):
                raise errors.project_forbidden()
