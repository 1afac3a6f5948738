# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The verifier against requests signed by huaweicloudsdkcore's own Signer (no server needed)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote, urlsplit

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

from dcs_emulator import errors, signing

SECRETS = {"AKSIGN": "sk-sign-secret"}


def _signed(method="POST", path="/v2/p/migration-task", query=None, body=b'{"a": 1}', headers=None):
    request = SdkRequest(method=method, schema="http", host="127.0.0.1:8443", resource_path=path,
                         query_params=list(query or []), header_params=dict(headers or {}), body=body)
    request.header_params.setdefault("Content-Type", "application/json;charset=UTF-8")
    request.header_params.setdefault("User-Agent", "huaweicloud-usdk-python/3.0")
    Signer(BasicCredentials("AKSIGN", "sk-sign-secret")).sign(request)
    return request


def _verify(request, body=None, path=None, query=None, headers=None):
    uri = urlsplit(request.uri)
    wire_headers = list(request.header_params.items()) if headers is None else headers
    return signing.verify(request.method, path or unquote(uri.path), query if query is not None else uri.query,
                          wire_headers, request.body if body is None else body, SECRETS.get)


@pytest.mark.parametrize("query", [[], [("limit", 10), ("offset", 0)], [("name", "a b/ü~+&=")], [("b", "2"), ("a", "1")]])
def test_sdk_signatures_verify(query):
    assert _verify(_signed(query=query)) == "AKSIGN"


def test_empty_body_and_path_escapes_verify():
    assert _verify(_signed(method="GET", path="/v2/p/migration-task/abc%20def", body=b"")) == "AKSIGN"


@pytest.mark.parametrize("tamper", [
    {"body": json.dumps({"a": 2}).encode()},
    {"path": "/v2/other/migration-task"},
    {"query": "limit=11"},
])
def test_tampering_breaks_the_signature(tamper):
    with pytest.raises(errors.ApiError) as info:
        _verify(_signed(query=[("limit", 10)]), **tamper)
    assert (info.value.status, info.value.code) == (401, "APIGW.0301")
    assert info.value.message == "Incorrect IAM authentication information: verify aksk signature fail"


def test_changed_signed_header_breaks_the_signature():
    request = _signed()
    headers = [(k, "evil" if k == "User-Agent" else v) for k, v in request.header_params.items()]
    with pytest.raises(errors.ApiError):
        _verify(request, headers=headers)


def test_old_date_is_rejected_even_when_signed():
    old = (datetime.now(timezone.utc) - timedelta(minutes=20)).strftime("%Y%m%dT%H%M%SZ")
    with pytest.raises(errors.ApiError) as info:
        _verify(_signed(headers={"X-Sdk-Date": old}))
    assert info.value.code == "APIGW.0301" and "X-Sdk-Date is" in info.value.reason


def test_an_sdk_body_hash_header_must_be_signed_and_match():
    body = b'{"a": 1}'
    announced = {"X-Sdk-Content-Sha256": signing.body_hash(body)}
    assert _verify(_signed(body=body, headers=announced)) == "AKSIGN"
    with pytest.raises(errors.GatewayError) as info:
        _verify(_signed(body=body, headers=announced), body=b'{"a": 2}')
    assert info.value.reason == "X-Sdk-Content-Sha256 is not the hash of the body received"
    request = _signed(body=body)
    with pytest.raises(errors.GatewayError) as info:
        _verify(request, headers=list(request.header_params.items()) + [("X-Sdk-Content-Sha256", signing.body_hash(body))])
    assert info.value.reason == "X-Sdk-Content-Sha256 is sent but not signed"
