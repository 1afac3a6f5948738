# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The engine inside the emulator, seen through the official SDK: real imports, stats, logs, status, restart."""

from __future__ import annotations

import os
import signal
import time

import pytest
import redis
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkdcs.v2 import (ListMigrationTaskLogsRequest, ShowInstanceRequest, ShowMigrationTaskStatsRequest,
                                  StopMigrationTaskRequest)

from dcs_emulator.samples import preferred_binary
from dcs_emulator.testing import InProcessEmulator, import_request, wait_final

from .conftest import assert_same_data, populate, snapshot

AK, SK = "AKIMPORTTEST01", "sk-import-test-secret"
PROJECT = "abcdefabcdefabcdefabcdefabcdef12"
INSTANCE = "6c1f0d3e-2222-4333-8444-955566667777"
PASSWORD = "inst-pass-9d2c"
IMPORT_TIMEOUT = 60  # seconds: real imports into a real server


def raw_config(root):
    return {
        "data_dir": str(root / "data"), "region": "cn-north-4",
        "accounts": [{"access_key": AK, "secret_key": SK, "projects": [{"id": PROJECT, "name": "cn-north-4"}]}],
        "buckets": {"local": {"path": str(root / "bucket")}},
        "instances": [{"id": INSTANCE, "name": "imported", "project_id": PROJECT, "password": PASSWORD}],
        "importer": {"server_binary": preferred_binary().path},  # the same server as the sources (conftest)
    }


class Served(InProcessEmulator):
    """The app with the import engine, served in a thread; ``client(db)`` is a Redis client of its instance."""

    def __init__(self, root):
        super().__init__(root, raw_config(root))
        self.start()

    def sdk(self):
        return super().client(timeout=(3, 30))

    def redis(self, db=0) -> redis.Redis:
        """A client of the instance's server, at the address the DCS API shows."""
        shown = self.sdk().show_instance(ShowInstanceRequest(instance_id=INSTANCE))
        return redis.Redis(host=shown.ip, port=int(shown.port), password=PASSWORD, db=db)

    def client(self, db=0, **_kwargs) -> redis.Redis:  # pylint: disable=arguments-differ  # snapshot() reads servers
        return self.redis(db)


@pytest.fixture(name="served")
def served_fixture(tmp_path):
    (tmp_path / "bucket").mkdir()
    served = Served(tmp_path)
    yield served
    served.stop()


def create(served, *files, method="full_amount_migration"):
    request = import_request("import-%d" % time.monotonic_ns(), INSTANCE, password=PASSWORD, bucket="local",
                             files=files, method=method)
    return served.sdk().create_migration_task(request).id


def logs_of(served, task_id):
    listed = served.sdk().list_migration_task_logs(ListMigrationTaskLogsRequest(task_id=task_id, limit=100))
    return [(entry.log_level, entry.message) for entry in listed.migration_logs]


def test_import_task_fills_the_instance_and_reports(served, source, tmp_path):
    populate(source)
    source.save_rdb(tmp_path / "bucket" / "dump.rdb")
    expected = snapshot(source.server)
    served.redis().set("kept", "target's own key")
    task_id = create(served, "dump.rdb")
    shown = wait_final(served.sdk(), task_id, timeout=IMPORT_TIMEOUT)
    assert shown.status == "SUCCESS", logs_of(served, task_id)
    stats = served.sdk().show_migration_task_stats(ShowMigrationTaskStatsRequest(task_id=task_id))
    keys = sum(len(v) for k, v in expected.items() if k != "functions")
    assert (stats.source_dbsize, stats.target_dbsize, stats.full_migration_progress) == (str(keys), str(keys + 1), "100.00")
    messages = [m for _level, m in logs_of(served, task_id)]
    for step in ("download: dump.rdb", "check: dump.rdb", "snapshot: ", "load: dump.rdb", "done: "):
        assert any(m.startswith(step) for m in messages), (step, messages)
    assert served.redis().get("kept") == b"target's own key"
    served.redis().delete("kept")
    assert_same_data(snapshot(served), expected)


def test_bad_file_fails_the_task_with_its_reason(served, tmp_path):
    (tmp_path / "bucket" / "notes.rdb").write_bytes(b"just some text\n")
    task_id = create(served, "notes.rdb")
    shown = wait_final(served.sdk(), task_id, timeout=IMPORT_TIMEOUT)
    assert shown.status == "FAILED"
    logs = logs_of(served, task_id)
    errors = [m for level, m in logs if level == "ERROR"]
    assert errors == ["The backup file notes.rdb is neither an RDB nor an AOF file (it starts with b'just som')."]
    listed = [m for _level, m in logs]
    assert "Task finished: SUCCESS." not in listed


def test_missing_object_and_incremental(served):
    shown = wait_final(served.sdk(), create(served, "absent.rdb"), timeout=IMPORT_TIMEOUT)
    assert shown.status == "FAILED"
    task_id = create(served, "absent.rdb", method="incremental_migration")
    assert wait_final(served.sdk(), task_id, timeout=IMPORT_TIMEOUT).status == "FAILED"
    errors = [m for level, m in logs_of(served, task_id) if level == "ERROR"]
    assert errors == ["Migration method incremental_migration is not supported by the emulator: only full_amount_migration is."]


def test_status_follows_the_server(served):
    shown = served.sdk().show_instance(ShowInstanceRequest(instance_id=INSTANCE))
    assert shown.status == "RUNNING" and shown.ip == "127.0.0.1"
    os.kill(int(served.redis().info("server")["process_id"]), signal.SIGKILL)
    deadline = time.monotonic() + 10
    while served.sdk().show_instance(ShowInstanceRequest(instance_id=INSTANCE)).status == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert served.sdk().show_instance(ShowInstanceRequest(instance_id=INSTANCE)).status == "ERROR"
    with pytest.raises(ClientRequestException) as info:
        create(served, "dump.rdb")
    assert info.value.error_code == "DCS.4049"


def test_data_survives_an_emulator_restart(tmp_path):
    (tmp_path / "bucket").mkdir()
    first = Served(tmp_path)
    try:
        first.redis().set("persisted", "yes")
    finally:
        first.stop()
    second = Served(tmp_path)
    try:
        assert second.redis().get("persisted") == b"yes"
    finally:
        second.stop()


def test_stopping_a_running_import_restores_the_instance(served, source, tmp_path):
    source.client.execute_command("DEBUG", "POPULATE", 20000, "bulk", 32)
    source.save_rdb(tmp_path / "bucket" / "big.rdb")
    target = served.redis()
    target.set("before", "import")
    target.config_set("key-load-delay", 200)  # a slow loader (microseconds per key), so the stop lands mid-load
    target.config_set("loading-process-events-interval-bytes", 1024)
    task_id = create(served, "big.rdb")
    deadline = time.monotonic() + 20
    # Progress above 0 comes only from the sampler watching the target's loader: the load is running.
    while float(served.sdk().show_migration_task_stats(ShowMigrationTaskStatsRequest(task_id=task_id)).full_migration_progress or 0) <= 0 \
            and time.monotonic() < deadline:
        time.sleep(0.02)
    served.sdk().stop_migration_task(StopMigrationTaskRequest(task_id=task_id))
    assert wait_final(served.sdk(), task_id, timeout=IMPORT_TIMEOUT).status == "TERMINATED"
    target = served.redis()
    assert target.dbsize() == 1 and target.get("before") == b"import"
    messages = [m for _level, m in logs_of(served, task_id)]
    assert "The task was stopped; the target was restored to its state before the import." in messages
