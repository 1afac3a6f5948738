# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Signatures checked as strictly as the API gateway does, with requests signed by an independent signer.

Every part a signature covers (method, path, query, each signed header, the body) changed after signing is a
401 APIGW.0301, and so is a body swapped under a signed X-Sdk-Content-Sha256 of another body.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import re
from datetime import datetime, timedelta, timezone

import pytest
import requests

from conftest import AK, INSTANCE, PASSWORD, PROJECT, PROJECT2, SK, SK2
from gateway_signer import sign

LIST_TASKS = "/v2/%s/migration-tasks" % PROJECT
CREATE_TASK = "/v2/%s/migration-task" % PROJECT
SIGNATURE_FAIL = "Incorrect IAM authentication information: verify aksk signature fail"


def _create_body(name: str) -> bytes:
    return json.dumps({"task_name": name, "migration_type": "backupfile_import",
                       "migration_method": "full_amount_migration",
                       "backup_files": {"file_source": "self_build_obs", "bucket_name": "demo-bucket",
                                        "files": [{"file_name": "dump.rdb"}]},
                       "target_instance": {"id": INSTANCE, "password": PASSWORD}}).encode("utf-8")


def _signed(emu, method, path, query=(), body=b"", headers=None, **kwargs) -> dict:
    extra = {"Content-Type": "application/json", "X-Project-Id": PROJECT}
    extra.update(headers or {})
    return sign(method, "127.0.0.1:%d" % emu.port, path, kwargs.pop("access_key", AK), kwargs.pop("secret_key", SK),
                query=query, headers=extra, body=body, **kwargs)


def _send(emu, method, path, headers, query=(), body=b"") -> requests.Response:
    return requests.request(method, emu.url + path, params=list(query), headers=headers, data=body, timeout=10)


def assert_gateway_401(response: requests.Response, message: str = SIGNATURE_FAIL) -> None:
    """The gateway's answer, exactly: three keys, its code and message, the request ID of the header."""
    assert response.status_code == 401, response.text
    assert response.json() == {"error_msg": message, "error_code": "APIGW.0301",
                               "request_id": response.headers["X-Request-Id"]}
    assert SK not in response.text and SK2 not in response.text


def test_independently_signed_requests_are_accepted(emu):
    query = [("limit", "10"), ("name", "a b/ü~+&=")]
    listed = _send(emu, "GET", LIST_TASKS, _signed(emu, "GET", LIST_TASKS, query=query), query=query)
    assert listed.status_code == 200, listed.text
    body = _create_body("signed-independently")
    announced = {"X-Sdk-Content-Sha256": hashlib.sha256(body).hexdigest()}
    created = _send(emu, "POST", CREATE_TASK, _signed(emu, "POST", CREATE_TASK, body=body, headers=announced),
                    body=body)
    assert created.status_code == 200, created.text
    assert created.json()["name"] == "signed-independently"


def _tampered_requests(emu):
    """(label, method, path, query, headers, body) sent after signing GET list or POST create."""
    query = [("limit", "10")]
    get_headers = _signed(emu, "GET", LIST_TASKS, query=query)
    body = _create_body("tampered")
    post_headers = _signed(emu, "POST", CREATE_TASK, body=body)
    yield "body", "POST", CREATE_TASK, (), post_headers, body.replace(b"tampered", b"tampere2")
    yield "path", "GET", "/v2/%s/migration-tasks" % PROJECT2, query, get_headers, b""
    yield "query value", "GET", LIST_TASKS, [("limit", "11")], get_headers, b""
    yield "query added", "GET", LIST_TASKS, query + [("offset", "1")], get_headers, b""
    yield "method", "DELETE", LIST_TASKS, query, get_headers, b""
    for name in ("Host", "X-Sdk-Date", "X-Project-Id", "Content-Type"):
        value = get_headers[name]
        changed = value[:-1] + ("1" if value[-1] != "1" else "2")
        yield "header " + name, "GET", LIST_TASKS, query, dict(get_headers, **{name: changed}), b""


@pytest.mark.parametrize("index", range(9))
def test_anything_changed_after_signing_is_401(emu, index):
    label, method, path, query, headers, body = list(_tampered_requests(emu))[index]
    response = _send(emu, method, path, headers, query=query, body=body)
    assert_gateway_401(response), label
    assert emu.admin("GET", "health")["tasks"] == 0


def test_a_body_swapped_under_its_signed_hash_is_401(emu):
    """A valid signature over body A with X-Sdk-Content-Sha256 of A, sent with body B."""
    body_a, body_b = _create_body("body-a"), _create_body("body-b")
    headers = _signed(emu, "POST", CREATE_TASK, body=body_a,
                      headers={"X-Sdk-Content-Sha256": hashlib.sha256(body_a).hexdigest()})
    assert_gateway_401(_send(emu, "POST", CREATE_TASK, headers, body=body_b))
    assert emu.admin("GET", "health")["tasks"] == 0
    assert _send(emu, "POST", CREATE_TASK, headers, body=body_a).status_code == 200  # the same headers are valid


def test_an_unsigned_content_hash_header_is_401_even_when_it_is_right(emu):
    body = _create_body("unsigned-hash")
    headers = _signed(emu, "POST", CREATE_TASK, body=body,
                      headers={"X-Sdk-Content-Sha256": hashlib.sha256(body).hexdigest()},
                      unsigned=("X-Sdk-Content-Sha256",))
    assert_gateway_401(_send(emu, "POST", CREATE_TASK, headers, body=body))
    unsigned_payload = _signed(emu, "POST", CREATE_TASK, body=body, headers={"X-Sdk-Content-Sha256": "UNSIGNED-PAYLOAD"})
    assert_gateway_401(_send(emu, "POST", CREATE_TASK, unsigned_payload, body=body))


def test_the_date_must_be_signed_and_a_signed_header_sent_once(emu):
    unsigned_date = _signed(emu, "GET", LIST_TASKS, unsigned=("X-Sdk-Date",))
    assert_gateway_401(_send(emu, "GET", LIST_TASKS, unsigned_date))
    headers = list(_signed(emu, "GET", LIST_TASKS).items()) + [("X-Project-Id", PROJECT2)]
    connection = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=10)
    try:
        connection.putrequest("GET", LIST_TASKS, skip_host=True)
        for name, value in headers:  # http.client sends every item: X-Project-Id goes out twice
            connection.putheader(name, value)
        connection.endheaders()
        answer = connection.getresponse()
        assert answer.status == 401
        assert json.loads(answer.read()) == {"error_msg": SIGNATURE_FAIL, "error_code": "APIGW.0301",
                                             "request_id": answer.getheader("X-Request-Id")}
    finally:
        connection.close()


@pytest.mark.parametrize("minutes,accepted", [(14, True), (-14, True), (16, False), (-16, False), (24 * 60, False)])
def test_date_too_old_or_too_far_in_the_future_is_401(emu, minutes, accepted):
    moment = datetime.now(timezone.utc) - timedelta(minutes=minutes)
    response = _send(emu, "GET", LIST_TASKS, _signed(emu, "GET", LIST_TASKS, date=moment))
    if accepted:
        assert response.status_code == 200, response.text
    else:
        assert_gateway_401(response)


def test_unknown_key_is_named_and_the_secret_never_shown(emu):
    response = _send(emu, "GET", LIST_TASKS, _signed(emu, "GET", LIST_TASKS, access_key="AKNOBODY0001",
                                                     secret_key=SK))
    assert_gateway_401(response, "Incorrect IAM authentication information: ak AKNOBODY0001 not exist")
    wrong_secret = _send(emu, "GET", LIST_TASKS, _signed(emu, "GET", LIST_TASKS, secret_key=SK2))
    assert_gateway_401(wrong_secret)


def test_unsigned_request_is_401_as_a_missing_token(emu):
    response = requests.get(emu.url + LIST_TASKS, timeout=10)
    assert_gateway_401(response, "Incorrect IAM authentication information: x-auth-token not found")
    garbled = requests.get(emu.url + LIST_TASKS, headers={"Authorization": "Basic Zm9vOmJhcg=="}, timeout=10)
    assert_gateway_401(garbled)


def test_the_log_says_why_without_secrets(emu):
    moment = datetime.now(timezone.utc) - timedelta(minutes=30)
    response = _send(emu, "GET", LIST_TASKS, _signed(emu, "GET", LIST_TASKS, date=moment))
    request_id = response.headers["X-Request-Id"]
    log = emu.log_text()
    line = next(line for line in log.splitlines() if "request_id=%s refused" % request_id in line)
    assert re.search(r"X-Sdk-Date is 18\d\d s behind the server's clock", line), line
    assert SK not in log and SK2 not in log and PASSWORD not in log
