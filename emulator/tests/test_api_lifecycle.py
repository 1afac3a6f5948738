# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Restarts, concurrency, the admin switch and secrets: each test runs its own emulator process."""

from __future__ import annotations

import signal
import threading
import time

import pytest
import requests
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkdcs.v2 import (ListMigrationTaskLogsRequest, ListMigrationTaskRequest, ShowInstanceRequest,
                                  ShowMigrationTaskRequest, StopMigrationTaskRequest)

from dcs_emulator.testing import EmulatorProcess, wait_final

from conftest import FROZEN_INSTANCE, INSTANCE, PASSWORD, SK, SK2, base_config, import_request


@pytest.fixture
def own(tmp_path):
    servers = []

    def make(**overrides):
        config = base_config(tmp_path)
        for key, value in overrides.items():
            config[key] = value
        server = EmulatorProcess(tmp_path, config)
        servers.append(server)
        return server.start()
    yield make
    for server in servers:
        server.stop()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["graceful", "killed"])
def test_restart_keeps_tasks_logs_and_resumes_running_ones(own, sig):
    server = own()
    client = server.client()
    done = client.create_migration_task(import_request("before-restart"))
    assert wait_final(client, done.id).status == "SUCCESS"
    stopped = client.create_migration_task(import_request("stopped-one"))
    server.admin("POST", "tasks/%s/duration" % stopped.id, {"seconds": 30})
    client.stop_migration_task(StopMigrationTaskRequest(task_id=stopped.id))
    running = client.create_migration_task(import_request("running-one"))
    server.admin("POST", "tasks/%s/duration" % running.id, {"seconds": 1.0})
    server.admin("POST", "instances/%s/status" % FROZEN_INSTANCE, {"status": "RUNNING"})
    time.sleep(0.3)
    server.stop(sig)

    server.start()
    client = server.client()
    listed = client.list_migration_task(ListMigrationTaskRequest(limit=100))
    assert sorted(t.task_name for t in listed.migration_tasks) == ["before-restart", "running-one", "stopped-one"]
    assert client.show_migration_task(ShowMigrationTaskRequest(task_id=done.id)).status == "SUCCESS"
    assert wait_final(client, stopped.id).status == "TERMINATED"
    assert wait_final(client, running.id).status == "SUCCESS"
    logs = client.list_migration_task_logs(ListMigrationTaskLogsRequest(task_id=running.id, limit=100))
    assert any("restarted" in e.message and e.log_level == "WARN" for e in logs.migration_logs)
    assert client.show_instance(ShowInstanceRequest(instance_id=FROZEN_INSTANCE)).status == "RUNNING"


def test_restart_with_on_restart_fail(own):
    server = own(tasks={"min_duration_seconds": 30, "on_restart": "fail"})
    client = server.client()
    running = client.create_migration_task(import_request("interrupted"))
    time.sleep(0.2)
    server.stop(signal.SIGKILL)
    server.start()
    shown = wait_final(server.client(), running.id)
    assert shown.status == "FAILED"
    listed = server.client().list_migration_task(ListMigrationTaskRequest(name="interrupted"))
    assert listed.migration_tasks[0].error_message == "The emulator restarted while the task was running."


def test_twenty_parallel_clients_lose_and_duplicate_nothing(own):
    server = own(tasks={"min_duration_seconds": 0.05})
    created, failures = {}, []
    lock = threading.Lock()

    def worker(index):
        client = server.client()
        try:
            for number in range(5):
                name = "par-%02d-%d" % (index, number)
                task = client.create_migration_task(import_request(name))
                with lock:
                    created[name] = task.id
            for number in range(5):
                name = "par-%02d-%d" % (index, number)
                assert wait_final(client, created[name]).status == "SUCCESS"
        except Exception as exc:  # pylint: disable=broad-except  # collected and asserted below
            failures.append(repr(exc))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    assert len(created) == 100 and len(set(created.values())) == 100
    listed = server.client().list_migration_task(ListMigrationTaskRequest(limit=1000))
    assert listed.count == 100
    assert {t.task_name: t.task_id for t in listed.migration_tasks} == created
    assert {t.status for t in listed.migration_tasks} == {"SUCCESS"}
    assert server.admin("GET", "stats")["operations"]["create_migration_task"] == 100


def test_admin_api_is_off_unless_enabled(own):
    server = own(admin={"enabled": False})
    for method, path in (("GET", "health"), ("POST", "reset"), ("GET", "stats"), ("POST", "faults")):
        response = requests.request(method, server.url + "/_emulator/" + path, json={}, timeout=5)
        assert response.status_code == 404 and response.json()["error_code"] == "DCS.4001"
    assert server.client().show_instance(ShowInstanceRequest(instance_id=INSTANCE)).name == "dcs-demo"


def test_binds_loopback_and_logs_no_secret(own):
    server = own()
    client = server.client()
    created = client.create_migration_task(import_request("secret-check"))
    wait_final(client, created.id)
    client.create_migration_task(import_request("secret-bad", password="pw-marker-c0ffee42-wrong"))
    with pytest.raises(ClientRequestException):
        server.client(sk="wrong-" + SK).list_migration_task(ListMigrationTaskRequest())
    server.stop()
    log = server.log_text()
    assert "127.0.0.1:%d" % server.port in log
    assert "create_migration_task -> 200" in log and "list_migration_task -> 401" in log
    for marker in (PASSWORD, SK, SK2, "pw-marker", "sk-marker", "Authorization", "SDK-HMAC-SHA256 Access"):
        assert marker not in log
