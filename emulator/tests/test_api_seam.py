# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The extension seam: a work function and an instance status provider plugged into an in-process server,
observed through the SDK (stats while running, logs, stop, failure, status)."""

from __future__ import annotations

import time

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkdcs.v2 import (ListMigrationTaskLogsRequest, ListMigrationTaskRequest, ShowInstanceRequest,
                                  ShowMigrationTaskStatsRequest, StopMigrationTaskRequest)

from dcs_emulator.runner import TaskFailed
from dcs_emulator.testing import InProcessEmulator, wait_final

from conftest import INSTANCE, base_config, import_request


@pytest.fixture
def inproc(tmp_path):
    """The app served in this process (without the import engine), so a test can plug Python hooks into it."""
    with InProcessEmulator(tmp_path, base_config(tmp_path), load_extensions=False, startup_timeout=10) as server:
        yield server


def slow_import(task, ctx):
    """A work function using every part of the context."""
    paths = ctx.resolve_files()
    assert ctx.instance["id"] == task["target_instance_id"] and ctx.instance["status"] == "RUNNING"
    ctx.log("INFO", "loading %d file(s)" % len(paths), log_code="LOAD", keyword=["load"])
    for step in range(1, 11):
        ctx.progress(source_dbsize=1000, target_dbsize=step * 100, full_migration_progress="%.2f" % (step * 10.0),
                     target_input_kbps=512, target_ops=step)
        if ctx.sleep(0.1):
            return
    if task["name"].startswith("fail"):
        raise TaskFailed("RDB version 12 is newer than the target server supports.")


def test_work_function_drives_stats_logs_and_outcome(inproc):
    inproc.emulator.runner.set_work(slow_import)
    client = inproc.client()
    created = client.create_migration_task(import_request("seam-ok"))
    seen = set()
    while True:
        stats = client.show_migration_task_stats(ShowMigrationTaskStatsRequest(task_id=created.id))
        if not stats.is_migrating:
            break
        seen.add(stats.full_migration_progress)
        if stats.full_migration_progress != "0":  # the work has reported at least once
            assert stats.source_dbsize == "1000" and stats.target_input_kbps == "512"
        time.sleep(0.05)
    assert len(seen) >= 3  # progress moved while running
    assert stats.full_migration_progress == "100.00" and stats.target_dbsize == "1000"
    assert wait_final(client, created.id).status == "SUCCESS"
    logs = client.list_migration_task_logs(ListMigrationTaskLogsRequest(task_id=created.id, limit=100))
    entry = next(e for e in logs.migration_logs if e.log_code == "LOAD")
    assert (entry.message, entry.keyword, entry.log_level) == ("loading 1 file(s)", ["load"], "INFO")


def test_task_failed_from_work(inproc):
    inproc.emulator.runner.set_work(slow_import)
    client = inproc.client()
    created = client.create_migration_task(import_request("fail-newer-rdb"))
    assert wait_final(client, created.id).status == "FAILED"
    listed = client.list_migration_task(ListMigrationTaskRequest(name="fail-newer-rdb"))
    assert listed.migration_tasks[0].error_message == "RDB version 12 is newer than the target server supports."


def test_stop_reaches_the_work_function(inproc):
    inproc.emulator.runner.set_work(slow_import)
    client = inproc.client()
    created = client.create_migration_task(import_request("seam-stop"))
    time.sleep(0.25)
    assert client.stop_migration_task(StopMigrationTaskRequest(task_id=created.id)).status == "TERMINATING"
    started = time.monotonic()
    assert wait_final(client, created.id).status == "TERMINATED"
    assert time.monotonic() - started < 0.5


def test_unexpected_error_in_work_fails_the_task_without_details(inproc):
    def broken(task, ctx):
        del task, ctx
        raise RuntimeError("secret internals")
    inproc.emulator.runner.set_work(broken)
    client = inproc.client()
    created = client.create_migration_task(import_request("seam-broken"))
    assert wait_final(client, created.id).status == "FAILED"
    message = client.list_migration_task(ListMigrationTaskRequest(name="seam-broken")).migration_tasks[0].error_message
    assert message == "Internal error of the emulator while running the task."


def test_status_and_details_providers(inproc):
    registry = inproc.emulator.instances
    registry.status_provider = lambda instance: "ERROR" if instance["id"] == INSTANCE else None
    registry.details_provider = lambda instance: {"port": 7001, "used_memory": 5}
    client = inproc.client()
    shown = client.show_instance(ShowInstanceRequest(instance_id=INSTANCE))
    assert (shown.status, shown.port, shown.used_memory) == ("ERROR", 7001, 5)
    with pytest.raises(ClientRequestException) as info:
        client.create_migration_task(import_request("server-down"))
    assert info.value.error_code == "DCS.4049"
    inproc.admin("POST", "instances/%s/status" % INSTANCE, {"status": "RUNNING"})  # the override wins
    assert client.show_instance(ShowInstanceRequest(instance_id=INSTANCE)).status == "RUNNING"
