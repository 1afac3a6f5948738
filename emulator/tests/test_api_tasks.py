# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The migration-task family through the official SDK: shapes, values and lifecycle."""

from __future__ import annotations

import re
import time

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkdcs.v2 import (BatchStopMigrationTasksBody, BatchStopMigrationTasksRequest, CreateMigrationTaskResponse,
                                  DeleteMigrateTaskRequest, DeleteMigrationTaskRequest, ListMigrationTaskLogsRequest,
                                  ListMigrationTaskLogsResponse, ListMigrationTaskRequest, ListMigrationTaskResponse,
                                  MigrationTaskList, ShowMigrationTaskRequest, ShowMigrationTaskResponse,
                                  ShowMigrationTaskStatsRequest, ShowMigrationTaskStatsResponse,
                                  StopMigrationTaskRequest)

from dcs_emulator import testing
from dcs_emulator.testing import wait_final

from conftest import BACKUP_ID, INSTANCE, PASSWORD, import_request


def _create(client, name, **kwargs):
    return client.create_migration_task(import_request(name, **kwargs))


def test_create_answers_migrating_then_success(client):
    created = _create(client, "import-one")
    assert isinstance(created, CreateMigrationTaskResponse)
    assert created.status == "MIGRATING" and created.name == "import-one" and len(created.id) == 32
    shown = wait_final(client, created.id)
    assert isinstance(shown, ShowMigrationTaskResponse)
    assert (shown.task_id, shown.task_name, shown.status) == (created.id, "import-one", "SUCCESS")
    assert shown.migration_type == "backupfile_import" and shown.migration_method == "full_amount_migration"
    assert shown.description == "test task"
    assert shown.backup_files.bucket_name == "demo-bucket"
    assert [f.file_name for f in shown.backup_files.files] == ["dump.rdb"]
    assert shown.target_instance.id == INSTANCE and shown.target_instance.name == "dcs-demo"
    # the show page's example format (2019/10/22 14:44:30), UTC
    assert re.fullmatch(r"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d", shown.created_at)
    assert shown.updated_at >= shown.created_at and shown.released_at is None
    assert shown.task_status is None and shown.network_type is None and shown.source_instance is None


def test_show_echoes_the_password_as_the_vendor_example_does_and_nothing_else_holds_it(emu, client):
    created = _create(client, "import-secret")
    wait_final(client, created.id)
    assert client.show_migration_task(ShowMigrationTaskRequest(task_id=created.id)).target_instance.password == PASSWORD
    raw = [str(client.list_migration_task(ListMigrationTaskRequest())),
           str(client.list_migration_task_logs(ListMigrationTaskLogsRequest(task_id=created.id, limit=100))),
           str(emu.admin("GET", "tasks/" + created.id)), emu.log_text()]
    assert not [text for text in raw if PASSWORD in text]
    db_files = [path for path in emu.workdir.rglob("emulator.db*") if path.is_file()]
    assert db_files and not [path for path in db_files if PASSWORD.encode() in path.read_bytes()]


def test_list_offset_limit_and_name_filter(client):
    ids = [_create(client, "batch-%02d" % i).id for i in range(5)]
    _create(client, "other-task")
    listed = client.list_migration_task(ListMigrationTaskRequest(name="batch-", offset=0, limit=2))
    assert isinstance(listed, ListMigrationTaskResponse)
    assert listed.count == 5
    assert [t.task_id for t in listed.migration_tasks] == [ids[4], ids[3]]  # newest first
    assert all(isinstance(t, MigrationTaskList) for t in listed.migration_tasks)
    page = client.list_migration_task(ListMigrationTaskRequest(name="batch-", offset=4, limit=2))
    assert [t.task_id for t in page.migration_tasks] == [ids[0]]
    everything = client.list_migration_task(ListMigrationTaskRequest(limit=100))
    assert everything.count == 6
    item = next(t for t in everything.migration_tasks if t.task_id == ids[0])
    assert item.task_name == "batch-00" and item.data_source == "demo-bucket"
    assert item.target_instance_id == INSTANCE and item.target_instance_name == "dcs-demo"
    assert item.target_instance_addrs == "127.0.0.1:6379" and item.target_instance_status == "RUNNING"


def test_default_list_limit_is_ten(client):
    for i in range(12):
        _create(client, "many-%02d" % i)
    listed = client.list_migration_task(ListMigrationTaskRequest())
    assert listed.count == 12 and len(listed.migration_tasks) == 10


def test_stats_and_logs(client):
    created = _create(client, "import-stats", files=("dump.rdb", "part2.aof"))
    wait_final(client, created.id)
    stats = client.show_migration_task_stats(ShowMigrationTaskStatsRequest(task_id=created.id))
    assert isinstance(stats, ShowMigrationTaskStatsResponse)
    assert stats.is_migrating is False and stats.full_migration_progress == "100.00"
    assert stats.offset == str(109 + 14)  # bytes of both files
    logs = client.list_migration_task_logs(ListMigrationTaskLogsRequest(task_id=created.id, limit=100))
    assert isinstance(logs, ListMigrationTaskLogsResponse)
    messages = [entry.message for entry in logs.migration_logs]
    assert logs.log_num == len(messages) >= 4
    assert any("dump.rdb" in m for m in messages) and any("part2.aof" in m for m in messages)
    assert messages[-1] == "Task finished: SUCCESS."
    page = client.list_migration_task_logs(ListMigrationTaskLogsRequest(task_id=created.id, offset=1, limit=1))
    assert page.log_num == logs.log_num and [e.message for e in page.migration_logs] == messages[1:2]


def test_stats_while_running(emu, client):
    created = _create(client, "import-running")
    emu.admin("POST", "tasks/%s/duration" % created.id, {"seconds": 30})
    stats = client.show_migration_task_stats(ShowMigrationTaskStatsRequest(task_id=created.id))
    assert stats.is_migrating is True
    client.stop_migration_task(StopMigrationTaskRequest(task_id=created.id))


def test_missing_object_fails_naming_it(client):
    created = _create(client, "import-missing", files=("dump.rdb", "nope.rdb"))
    shown = wait_final(client, created.id)
    assert shown.status == "FAILED"
    listed = client.list_migration_task(ListMigrationTaskRequest(name="import-missing"))
    message = listed.migration_tasks[0].error_message
    assert "nope.rdb" in message and "demo-bucket" in message
    errors = client.list_migration_task_logs(ListMigrationTaskLogsRequest(task_id=created.id, log_level="ERROR"))
    assert errors.log_num == 1 and errors.migration_logs[0].message == message


@pytest.mark.parametrize("bucket,files,expected", [
    ("no-such-bucket", ("dump.rdb",), "The bucket no-such-bucket does not exist."),
    ("ghost-bucket", ("dump.rdb",), "The bucket ghost-bucket does not exist."),
    ("demo-bucket", ("../secret-outside.rdb",), "The object ../secret-outside.rdb does not exist in bucket demo-bucket."),
    ("demo-bucket", ("nested",), "The object nested does not exist in bucket demo-bucket."),
])
def test_bad_sources_fail_with_a_clear_message(client, bucket, files, expected):
    created = _create(client, "import-bad", bucket=bucket, files=files)
    assert wait_final(client, created.id).status == "FAILED"
    listed = client.list_migration_task(ListMigrationTaskRequest(name="import-bad"))
    assert listed.migration_tasks[0].error_message == expected


def test_object_in_a_folder_is_found(client):
    created = _create(client, "import-nested", files=("nested/deep.rdb",))
    assert wait_final(client, created.id).status == "SUCCESS"


def test_wrong_password_fails_the_task(client):
    created = _create(client, "import-badpw", password="not-the-password")
    assert wait_final(client, created.id).status == "FAILED"
    listed = client.list_migration_task(ListMigrationTaskRequest(name="import-badpw"))
    assert "invalid password" in listed.migration_tasks[0].error_message


def test_backup_record_source(client):
    created = client.create_migration_task(testing.import_request("import-record", INSTANCE, password=PASSWORD,
                                                                  backup_id=BACKUP_ID))
    shown = wait_final(client, created.id)
    assert shown.status == "SUCCESS" and shown.backup_files.backup_id == BACKUP_ID
    logs = client.list_migration_task_logs(ListMigrationTaskLogsRequest(task_id=created.id, limit=100))
    assert any("dump.rdb" in e.message for e in logs.migration_logs)


def test_stop_goes_terminating_then_terminated(emu, client):
    created = _create(client, "import-stop")
    emu.admin("POST", "tasks/%s/duration" % created.id, {"seconds": 30})
    stopped = client.stop_migration_task(StopMigrationTaskRequest(task_id=created.id))
    assert stopped.task_id == created.id and stopped.status == "TERMINATING"
    assert wait_final(client, created.id, timeout=5).status == "TERMINATED"
    again = client.stop_migration_task(StopMigrationTaskRequest(task_id=created.id))
    assert again.status == "TERMINATED"


def test_a_task_stopped_while_it_waits_for_a_worker_ends_terminated(emu, client):
    """Every worker (8) busy for a few seconds: a new task waits, still MIGRATING; stopped then, it ends TERMINATED
    (once a worker is free) like any stop, instead of staying TERMINATING."""
    emu.admin("POST", "settings", {"min_duration_seconds": 3})
    try:
        busy = [_create(client, "import-busy-%d" % index) for index in range(8)]
        queued = _create(client, "import-queued")
        stopped = client.stop_migration_task(StopMigrationTaskRequest(task_id=queued.id))
        assert stopped.status == "TERMINATING"
        assert wait_final(client, queued.id, timeout=20).status == "TERMINATED"
        assert all(wait_final(client, task.id).status == "SUCCESS" for task in busy)
    finally:
        emu.admin("POST", "settings", {"min_duration_seconds": 0.2})


def test_stop_of_a_finished_task_is_refused_with_the_task_state_code(client):
    created = _create(client, "import-done")
    wait_final(client, created.id)
    with pytest.raises(ClientRequestException) as info:
        client.stop_migration_task(StopMigrationTaskRequest(task_id=created.id))
    assert (info.value.status_code, info.value.error_code) == (400, "DCS.4957")
    assert info.value.error_msg == "This operation is not allowed when the task is in the current state."


def test_batch_stop_reports_each_task(emu, client):
    running = _create(client, "import-batch")
    emu.admin("POST", "tasks/%s/duration" % running.id, {"seconds": 30})
    unknown = "0" * 32
    result = client.batch_stop_migration_tasks(BatchStopMigrationTasksRequest(
        body=BatchStopMigrationTasksBody(migration_tasks=[running.id, unknown])))
    by_id = {r.task_id: r for r in result.migration_tasks}
    assert by_id[running.id].result == "success"
    assert (by_id[unknown].result, by_id[unknown].error_code) == ("failed", "DCS.4133")
    assert wait_final(client, running.id, timeout=5).status == "TERMINATED"


def test_delete_drops_from_list_but_show_may_answer(client):
    created = _create(client, "import-delete")
    wait_final(client, created.id)
    deleted = client.delete_migration_task(DeleteMigrationTaskRequest(
        body=DeleteMigrateTaskRequest(task_id_list=[created.id])))
    assert deleted.task_id_list == [created.id]
    assert client.list_migration_task(ListMigrationTaskRequest(name="import-delete")).count == 0
    assert client.show_migration_task(ShowMigrationTaskRequest(task_id=created.id)).status == "DELETED"


def test_delete_ignores_unknown_and_deleted_ids_as_the_vendor_page_says(client):
    created = _create(client, "import-delete2")
    wait_final(client, created.id)
    ids = [created.id, "0" * 32]
    client.delete_migration_task(DeleteMigrationTaskRequest(body=DeleteMigrateTaskRequest(task_id_list=ids)))
    again = client.delete_migration_task(DeleteMigrationTaskRequest(body=DeleteMigrateTaskRequest(task_id_list=ids)))
    assert again.task_id_list == ids
    assert client.list_migration_task(ListMigrationTaskRequest(name="import-delete2")).count == 0


def test_delete_of_a_running_task_stops_its_work(emu, client):
    created = _create(client, "import-delrun")
    emu.admin("POST", "tasks/%s/duration" % created.id, {"seconds": 30})
    client.delete_migration_task(DeleteMigrationTaskRequest(body=DeleteMigrateTaskRequest(task_id_list=[created.id])))
    deadline = time.monotonic() + 5
    while emu.admin("GET", "tasks/" + created.id)["finished_ts"] is None and time.monotonic() < deadline:
        time.sleep(0.05)
    internals = emu.admin("GET", "tasks/" + created.id)
    assert internals["finished_ts"] is not None and internals["status"] == "DELETED"


def test_min_duration_is_honoured(emu, client):
    emu.admin("POST", "settings", {"min_duration_seconds": 0.6})
    started = time.monotonic()
    created = _create(client, "import-slow")
    assert wait_final(client, created.id).status == "SUCCESS"
    assert time.monotonic() - started >= 0.6
    internals = emu.admin("GET", "tasks/" + created.id)
    assert internals["finished_ts"] - internals["started_ts"] >= 0.6
