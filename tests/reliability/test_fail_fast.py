# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What retrying cannot fix fails at once with what to change, against a real emulator and real transports.

Each case runs the module as its own process with ``retries: 3`` and checks one line, the hint, and the
attempts where they arrive: the emulator's request counters for answers it gave (a refused signature: one
request), zero requests for input refused before any call, and for TLS the connections accepted by a TLS
front (a certificate from a throw-away CA, bytes forwarded to the emulator). A plain-HTTP emulator spoken
to with https never sees a request it can count; its log shows each connection that sent no HTTP.
"""

from __future__ import annotations

import select
import socket
import ssl
import threading

import pytest
import trustme

from conftest import assert_one_line, unique_name

RETRIES = 3  # every case would make 4 attempts if it were retried
UNKNOWN_HOST = "nohost.invalid"  # the .invalid domain never resolves
# What uvicorn logs for a connection whose first bytes are not HTTP (here: a TLS ClientHello).
NOT_HTTP_LOG_LINE = "Invalid HTTP request received"


class TlsFront:
    """Terminates TLS on 127.0.0.1 with `context` and forwards the bytes to the emulator; counts connections."""

    def __init__(self, context: ssl.SSLContext, target_port: int):
        self.context = context
        self.target = ("127.0.0.1", target_port)
        self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = "https://127.0.0.1:%d" % self.listener.getsockname()[1]
        self.closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                client, _address = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._forward, args=(client,), daemon=True).start()

    def _forward(self, client: socket.socket) -> None:
        try:
            secured = self.context.wrap_socket(client, server_side=True)
        except (ssl.SSLError, OSError):
            client.close()  # the client refused our certificate: what the test provokes
            return
        upstream = socket.create_connection(self.target)
        try:
            self._pipe(secured, upstream)
        finally:
            secured.close()
            upstream.close()

    def _pipe(self, secured: ssl.SSLSocket, upstream: socket.socket) -> None:
        peers = {secured: upstream, upstream: secured}
        while not self.closed.is_set():
            # Bytes already decrypted by the TLS layer do not make the socket readable for select().
            ready = [secured] if secured.pending() else select.select(list(peers), [], [], 0.2)[0]
            for sock in ready:
                data = sock.recv(65536)
                if not data:
                    return
                peers[sock].sendall(data)

    def close(self) -> None:
        self.closed.set()
        self.listener.close()


@pytest.fixture
def ca():
    return trustme.CA()


@pytest.fixture
def tls_front(emu, ca):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    front = TlsFront(context, emu.running.port)
    yield front
    front.close()


def absent(emu, **overrides) -> dict:
    """Module args for state=absent of a name no task has: one list call when all goes well."""
    return emu.connection(task_name=unique_name("failfast"), state="absent", retries=RETRIES, **overrides)


def requests_seen(emu) -> int:
    return sum(emu.counts().values())


def assert_fails_at_once(result, *texts) -> None:
    assert result.failed, result
    assert_one_line(result["msg"])
    assert "attempts" not in result["msg"], result["msg"]
    for text in texts:
        assert text in result["msg"], (text, result["msg"])


def test_a_wrong_secret_key_is_refused_once_naming_secret_key_and_the_clock(emu, run_module):
    wrong = "wrong-" + emu.running.secret_key[6:]

    result = run_module(absent(emu, secret_key=wrong))

    # The emulator answers like the API gateway (APIGW.0301) or, in its older reading, DCS.1003.
    assert result["status_code"] == 401 and result["error_code"] in ("APIGW.0301", "DCS.1003")
    assert result["request_id"]
    assert_fails_at_once(result, "Failed to list migration tasks", "HTTP 401", "request_id %s" % result["request_id"],
                         "check that secret_key is the secret of access_key", "clock")
    assert emu.count("list") == 1 and requests_seen(emu) == 1
    assert wrong not in result.stdout + result.stderr and emu.running.secret_key not in result.stdout + result.stderr


def test_a_certificate_the_module_cannot_verify_is_refused_at_the_first_connection(emu, run_module, tls_front):
    result = run_module(absent(emu, endpoint=tls_front.url))

    assert_fails_at_once(result, "TLS certificate verification failed", "CERTIFICATE_VERIFY_FAILED",
                         "Set ca_bundle", "validate_certs")
    assert result["status_code"] is None
    assert tls_front.connections == 1 and requests_seen(emu) == 0


def test_with_the_ca_bundle_of_the_hint_the_same_endpoint_works(emu, run_module, tls_front, ca, tmp_path):
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))

    result = run_module(absent(emu, endpoint=tls_front.url, ca_bundle=str(bundle)))

    assert not result.failed and result["changed"] is False, result
    assert emu.count("list") == 1


def test_https_to_the_plain_http_emulator_says_to_write_http(emu, run_module):
    https_url = emu.url.replace("http://", "https://")
    before = emu.running.log_path.read_text(encoding="utf-8", errors="replace").count(NOT_HTTP_LOG_LINE)

    result = run_module(absent(emu, endpoint=https_url))

    assert_fails_at_once(result, "the server does not speak TLS", "%s (from endpoint) does not answer in TLS" % https_url,
                         "write endpoint with http://")
    assert requests_seen(emu) == 0
    log = emu.running.log_path.read_text(encoding="utf-8", errors="replace")
    assert log.count(NOT_HTTP_LOG_LINE) - before == 1  # one connection: no retry


def test_an_unknown_iam_host_names_the_host_and_iam_endpoint(emu, run_module):
    args = absent(emu, region=emu.running.region, iam_endpoint="https://iam.%s" % UNKNOWN_HOST)
    del args["project_id"]

    result = run_module(args)

    assert_fails_at_once(result, "Failed to look up the project ID", "host name not found",
                         "The host iam.%s does not resolve: check iam_endpoint" % UNKNOWN_HOST)
    assert requests_seen(emu) == 0


@pytest.mark.parametrize("option, value, text", [
    ("endpoint", "scheme-less", "endpoint must start with https:// (or http:// for a plain-HTTP test endpoint)"),
    ("ca_bundle", "/nonexistent/ca.pem", "ca_bundle /nonexistent/ca.pem cannot be read: No such file or directory"),
    ("secret_key", "with-newline", "secret_key has spaces or a line break at the start or end"),
    ("access_key", "with-spaces", "access_key has spaces or a line break at the start or end"),
])
def test_input_that_cannot_work_is_refused_before_any_call(emu, run_module, option, value, text):
    values = {"scheme-less": emu.url.split("://", 1)[1], "with-newline": emu.running.secret_key + "\n",
              "with-spaces": " %s " % emu.running.access_key}

    result = run_module(absent(emu, **{option: values.get(value, value)}))

    assert_fails_at_once(result, text)
    assert requests_seen(emu) == 0
    assert emu.running.secret_key not in result.stdout + result.stderr


def test_an_empty_environment_variable_gives_way_to_the_next(emu, run_module):
    args = absent(emu)
    env = {"HUAWEICLOUD_SDK_AK": "", "CLOUD_SDK_AK": args.pop("access_key"),
           "HUAWEICLOUD_SDK_SK": "", "CLOUD_SDK_SK": "", "HW_SECRET_KEY": args.pop("secret_key")}

    result = run_module(args, env=env)

    assert not result.failed and result["changed"] is False, result
    assert emu.count("list") == 1
