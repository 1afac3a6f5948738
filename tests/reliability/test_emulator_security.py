# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Security of the emulator itself: loopback by default, a valid signature on every DCS path, admin API off.

The routes are enumerated from the app the CLI serves (so a route added later is covered without editing
this file); each is called unsigned, with a garbage signature, signed with a wrong secret key, with a
signature made for another path, and with a valid but stale X-Sdk-Date: all must answer 401. The same
request signed correctly by the official SDK's signer must get past authentication (not 401), which shows
the 401s come from the signature check and not from a broken request.
"""

from __future__ import annotations

import re
import socket
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import requests
from fastapi.routing import APIRoute
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest

from dcs_emulator import config as config_mod
from dcs_emulator.app import create_app
from dcs_emulator.testing import EmulatorProcess, sample_config

ADMIN_PREFIX = "/_emulator/"
TASK_ID = uuid.uuid4().hex


def _listening_addresses(port: int) -> set:
    """Local addresses with a TCP socket in LISTEN state on ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as handle:
                rows = handle.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            address, port_hex = fields[1].rsplit(":", 1)
            if fields[3] == "0A" and int(port_hex, 16) == port:
                if len(address) == 8:
                    found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
                else:
                    found.add(address)
    return found


def serve(workdir, extra_args=(), admin=False) -> EmulatorProcess:
    """`dcs-emulator serve` started with the given CLI arguments (no --host unless given)."""
    (workdir / "bucket").mkdir(parents=True, exist_ok=True)
    instance = {"name": "dcs-sec", "redis": {"host": "127.0.0.1", "port": 1}}
    config = sample_config(workdir / "bucket", instances=[instance], admin=admin)
    config["data_dir"] = str(workdir / "data")
    args, host = list(extra_args), None
    if "--host" in args:
        at = args.index("--host")
        host = args[at + 1]
        del args[at:at + 2]
    return EmulatorProcess(workdir, config, host=host, extra_args=args).start()


@pytest.fixture
def served(tmp_path):
    started = []

    def start(*extra_args, admin=False):
        started.append(serve(tmp_path / ("run%d" % len(started)), extra_args, admin=admin))
        return started[-1]
    yield start
    for item in started:
        item.stop()


def app_routes(config_path, admin: bool):
    """(method, path template) of every route the app serves: DCS/IAM ones, or the admin ones."""
    app = create_app(config_mod.load(str(config_path)), load_extensions=False)
    routes = []
    for path, methods in _walk(app.routes, ""):
        if path.startswith(ADMIN_PREFIX.rstrip("/")) == admin:
            routes.extend((method, path) for method in sorted(methods - {"HEAD"}))
    return routes


def _walk(routes, prefix: str):
    """(path, methods) of every endpoint, through included routers (whose shape varies across FastAPI releases)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, set(route.methods)
        elif hasattr(route, "original_router"):  # FastAPI >= 0.16x keeps included routers as such
            context = getattr(route, "include_context", None)
            yield from _walk(route.original_router.routes, prefix + (getattr(context, "prefix", "") or ""))
        elif hasattr(route, "routes"):  # a mounted sub-application
            yield from _walk(route.routes, prefix + getattr(route, "path", ""))


def concrete(template: str, emu: EmulatorProcess) -> str:
    values = {"project_id": emu.project_id, "task_id": TASK_ID, "instance_id": emu.config["instances"][0]["id"]}
    return re.sub(r"\{(\w+)(:[^}]*)?\}", lambda m: values.get(m.group(1), "x0"), template)


def sdk_signed(emu: EmulatorProcess, method: str, path: str, query=None, body: str = "", secret_key=None, date=None) -> dict:
    """Headers the official SDK's signer produces for this request."""
    request = SdkRequest(method=method, schema="http", host=emu.url.split("://", 1)[1], resource_path=path,
                         query_params=list((query or {}).items()),
                         header_params={"Content-Type": "application/json"}, body=body)
    credentials = BasicCredentials(emu.access_key, secret_key or emu.secret_key, emu.project_id)
    if date is not None:
        request.header_params["X-Sdk-Date"] = date
    return dict(credentials.sign_request(request).header_params)


def body_for(method: str) -> str:
    return '{"task_id_list": []}' if method in ("POST", "DELETE", "PUT") else ""


def send(emu, method, path, headers, body="", query=None):
    return requests.request(method, emu.url + path, headers=headers, data=body.encode(), params=query, timeout=10)


def test_binds_loopback_unless_told_otherwise(served):
    default = served()
    assert _listening_addresses(default.port) == {"127.0.0.1"}
    other = served("--host", "127.0.0.2")
    assert _listening_addresses(other.port) == {"127.0.0.2"}
    assert requests.get(other.url + "/v3/projects", timeout=5).status_code == 401


def test_every_dcs_path_needs_a_valid_signature(served):
    emu = served()
    routes = app_routes(emu.config_path, admin=False)
    # The families of issue 3 are all there: IAM, tasks (create, list, show, delete, stop, stats, logs), instances.
    assert len(routes) >= 12, routes
    stale = (datetime.now(timezone.utc) - timedelta(minutes=20)).strftime("%Y%m%dT%H%M%SZ")
    for method, template in routes:
        path = concrete(template, emu)
        body = body_for(method)
        query = {"name": "x"} if "/v3/projects" in path else None
        good = sdk_signed(emu, method, path, query, body)
        assert send(emu, method, path, good, body, query).status_code != 401, (method, path)
        garbage = dict(good, Authorization=re.sub(r"Signature=\w+", "Signature=" + "0" * 64, good["Authorization"]))
        other_path = sdk_signed(emu, method, path + "x", query, body)
        variants = {
            "unsigned": {k: v for k, v in good.items() if k != "Authorization"},
            "garbage signature": garbage,
            "wrong secret key": sdk_signed(emu, method, path, query, body, secret_key=emu.secret_key + "x"),
            "signed for another path": dict(good, Authorization=other_path["Authorization"],
                                            **{"X-Sdk-Date": other_path["X-Sdk-Date"]}),
            "stale X-Sdk-Date": sdk_signed(emu, method, path, query, body, date=stale),
            "unknown access key": dict(good, Authorization=good["Authorization"].replace(emu.access_key, "AKNOBODY")),
            "tampered body": good,
        }
        for label, headers in variants.items():
            sent_body = body + " " if label == "tampered body" else body
            if label == "tampered body" and not body:
                continue
            answer = send(emu, method, path, headers, sent_body, query)
            assert answer.status_code == 401, (label, method, path, answer.status_code, answer.text)
            error = answer.json()
            # The API gateway's body: its code and request ID, never a secret.
            assert sorted(error) == ["error_code", "error_msg", "request_id"], error
            assert error["error_code"] == "APIGW.0301" and error["request_id"] == answer.headers["X-Request-Id"], error
            assert error["error_msg"].startswith("Incorrect IAM authentication information: "), error
            assert emu.secret_key not in answer.text, (label, method, path)


def test_admin_api_is_off_unless_enabled(served):
    emu = served()
    routes = app_routes(emu.config_path, admin=True)
    assert len(routes) >= 8, routes  # health, reset, status, faults (3), stats (2), durations, settings, internals
    for method, template in routes:
        path = concrete(template, emu)
        answer = requests.request(method, emu.url + path, json={"kind": "drop"}, timeout=10)
        assert answer.status_code in (403, 404), (method, path, answer.status_code)
    # And it really is the switch: the same emulator with the admin API enabled answers.
    enabled = served("--admin")
    assert requests.get(enabled.url + "/_emulator/health", timeout=5).json()["status"] == "ok"
    faults = requests.post(enabled.url + "/_emulator/faults", json={"kind": "drop", "path": "nomatch"}, timeout=5)
    assert faults.status_code == 200
