# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fault injection through the admin API, as the SDK sees it; request counters and request IDs."""

from __future__ import annotations

import time

import pytest
import requests
from huaweicloudsdkcore.exceptions.exceptions import (ClientRequestException, ConnectionException,
                                                      ServerResponseException)
from huaweicloudsdkdcs.v2 import ListInstancesRequest, ListMigrationTaskRequest, ShowInstanceRequest

from conftest import INSTANCE, import_request

CREATE = r"/migration-task$"


def _names(client, name):
    listed = client.list_migration_task(ListMigrationTaskRequest(name=name, limit=100))
    return [t.task_name for t in listed.migration_tasks]


def test_throttling_429_on_create(emu, client):
    emu.fault(kind="status", status=429, method="POST", path=CREATE)
    with pytest.raises(ClientRequestException) as info:
        client.create_migration_task(import_request("throttled"))
    assert info.value.status_code == 429 and info.value.error_code == "APIGW.0308"
    assert "throttling threshold" in info.value.error_msg and info.value.request_id
    assert _names(client, "throttled") == []  # "before": nothing was created
    assert client.create_migration_task(import_request("throttled")).status == "MIGRATING"  # the fault is spent


def test_throttling_429_on_a_get(emu, client):
    emu.fault(kind="status", status=429, method="GET")
    with pytest.raises(ClientRequestException) as info:
        client.list_instances(ListInstancesRequest())
    assert info.value.status_code == 429


@pytest.mark.parametrize("status,code", [(500, "DCS.5000"), (502, "APIGW.0202"), (503, "APIGW.0203")])
def test_server_errors(emu, client, status, code):
    emu.fault(kind="status", status=status, path="/instances/")
    with pytest.raises(ServerResponseException) as info:
        client.show_instance(ShowInstanceRequest(instance_id=INSTANCE))
    assert (info.value.status_code, info.value.error_code) == (status, code)


def test_count_and_matching(emu, client):
    emu.fault(kind="status", status=503, count=2, method="GET", path="/instances$")
    assert client.show_instance(ShowInstanceRequest(instance_id=INSTANCE)).name == "dcs-demo"  # path does not match
    for _attempt in range(2):
        with pytest.raises(ServerResponseException):
            client.list_instances(ListInstancesRequest())
    assert client.list_instances(ListInstancesRequest()).instance_num == 2
    assert emu.admin("GET", "faults")["faults"] == []


def test_latency_within_the_timeout_only_slows_down(emu):
    emu.fault(kind="latency", seconds=0.5, method="GET")
    started = time.monotonic()
    assert emu.client().list_instances(ListInstancesRequest()).instance_num == 2
    assert time.monotonic() - started >= 0.5


def test_latency_beyond_the_timeout_is_a_connection_exception(emu):
    emu.fault(kind="latency", seconds=1.5, method="GET")
    with pytest.raises(ConnectionException):
        emu.client(timeout=(1, 0.5)).list_instances(ListInstancesRequest())


def test_dropped_connection_before_processing(emu, client):
    emu.fault(kind="drop", method="POST", path=CREATE)
    with pytest.raises(ConnectionException):
        client.create_migration_task(import_request("dropped-before"))
    assert _names(client, "dropped-before") == []


@pytest.mark.parametrize("fault", [
    {"kind": "drop"},
    {"kind": "status", "status": 503},
    {"kind": "status", "status": 429},
    {"kind": "latency", "seconds": 1.0},
], ids=["drop", "503", "429", "timeout"])
def test_fault_after_processing_leaves_the_task_created(emu, fault):
    """The client sees a failure, but the task exists exactly once: a retry must look it up by name.

    Note what the SDK raises: a read timeout on a POST is not wrapped - urllib3 does not retry a POST and
    re-raises, so it escapes as requests' ReadTimeout (on a GET it becomes a ConnectionException).
    """
    emu.fault(when="after", method="POST", path=CREATE, **fault)
    client = emu.client(timeout=(1, 0.5))
    expected = {"drop": ConnectionException, "latency": requests.exceptions.ReadTimeout}.get(fault["kind"]) or (
        ClientRequestException if fault.get("status") == 429 else ServerResponseException)
    with pytest.raises(expected):
        client.create_migration_task(import_request("created-anyway"))
    time.sleep(0.1 if fault["kind"] != "latency" else 0.7)
    assert _names(emu.client(), "created-anyway") == ["created-anyway"]


def test_counters_per_operation(emu, client):
    emu.admin("POST", "stats/reset")
    client.list_instances(ListInstancesRequest())
    created = client.create_migration_task(import_request("counted"))
    client.list_migration_task(ListMigrationTaskRequest(name="counted"))
    emu.fault(kind="status", status=500, method="GET", path="/instances$")
    with pytest.raises(ServerResponseException):
        client.list_instances(ListInstancesRequest())
    stats = emu.admin("GET", "stats")
    assert stats["operations"] == {"list_instances": 2, "create_migration_task": 1, "list_migration_task": 1}
    assert stats["total"] == 4
    assert [r["status"] for r in stats["requests"]] == [200, 200, 200, 500]
    assert stats["requests"][-1]["fault"] == "before:status:500"
    assert all(len(r["request_id"]) == 32 for r in stats["requests"])
    assert created.id
    emu.admin("POST", "stats/reset")
    assert emu.admin("GET", "stats")["total"] == 0


def test_every_error_carries_the_request_id_it_was_logged_with(emu, client):
    emu.admin("POST", "stats/reset")
    with pytest.raises(ClientRequestException) as info:
        client.show_instance(ShowInstanceRequest(instance_id="missing"))
    assert emu.admin("GET", "stats")["requests"][-1]["request_id"] == info.value.request_id


@pytest.mark.parametrize("spec", [
    {"kind": "explode"}, {"kind": "status", "status": 418}, {"kind": "latency"}, {"kind": "drop", "count": 0},
    {"kind": "drop", "when": "later"}, {"kind": "drop", "path": "("},
])
def test_bad_fault_specs_are_refused(emu, spec):
    assert "error" in emu.admin("POST", "faults", spec, expect=400)
