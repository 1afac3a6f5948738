# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The task models on a real database: which moves each status allows, and the API shapes they serialise to."""

from __future__ import annotations

import pytest
from huaweicloudsdkdcs.v2 import MigrationLog, MigrationTaskList, ShowMigrationTaskResponse, \
    ShowMigrationTaskStatsResponse

from conftest import INSTANCE, PROJECT
from dcs_emulator import models
from dcs_emulator.storage import Storage

REQUEST = {
    "task_name": "nightly", "description": "", "migration_type": "backupfile_import",
    "migration_method": "full_amount_migration", "target_instance": {"id": INSTANCE},
    "backup_files": {"file_source": "self_build_obs", "bucket_name": "demo-bucket",
                     "files": [{"file_name": "dump.rdb"}]},
}
ALL_STATUSES = sorted({s for t in models.BackupImportTask.TRANSITIONS.values() for s in t.sources + (t.target,)})


@pytest.fixture
def storage(tmp_path):
    store = Storage(tmp_path / "emulator.db")
    yield store
    store.close()


def stored_task(storage, status=models.MIGRATING) -> models.MigrationTask:
    task = models.BackupImportTask.new(PROJECT, REQUEST, True, 1000.0, storage=storage)
    storage.insert_task(dict(task.row, status=status, deleted=status == models.DELETED))
    return models.load_task(storage, task.id)


def test_a_new_task_is_migrating_and_running(storage):
    task = stored_task(storage)
    assert (task.status, task.is_running(), task.needs_work()) == ("MIGRATING", True, True)


@pytest.mark.parametrize("failure, status", [("", "SUCCESS"), ("The object dump.rdb does not exist.", "FAILED")])
def test_finish_records_the_outcome_once(storage, failure, status):
    task = stored_task(storage)
    task.finish(failure, {"offset": "42"}, 2000.0)
    stored = models.load_task(storage, task.id)
    assert (stored.status, stored.row["error_message"], stored.row["finished_ts"]) == (status, failure, 2000.0)
    assert stored.row["stats"]["offset"] == "42"
    assert not stored.is_running() and not stored.needs_work()
    stored.finish("late failure", {}, 3000.0)  # a final status does not move again
    assert models.load_task(storage, task.id).row["finished_ts"] == 2000.0
    _count, logs = storage.list_logs(task.id, None, 0, 10)
    assert len(logs) == 1 and logs[0]["log_level"] == ("ERROR" if failure else "INFO")


def test_a_stop_wins_over_the_outcome_of_the_work(storage):
    task = stored_task(storage)
    assert task.stop(1500.0) is True
    assert task.status == "TERMINATING" and task.is_running() and not task.needs_work()
    stale = models.load_task(storage, task.id)
    stale.row["status"] = models.MIGRATING  # the runner read the task before the stop arrived
    stale.finish("", {"offset": "9"}, 2000.0)
    stored = models.load_task(storage, task.id)
    assert (stored.status, stored.row["stats"]) == ("TERMINATED", {"offset": "9"})  # not reported complete


@pytest.mark.parametrize("status", ALL_STATUSES)
def test_stop_is_accepted_only_while_migrating_or_already_stopping(storage, status):
    task = stored_task(storage, status)
    if status == "MIGRATING":
        assert task.stop(2000.0) is True
    elif status in ("TERMINATING", "TERMINATED"):
        assert task.stop(2000.0) is False
    else:
        with pytest.raises(models.InvalidTransition):
            task.stop(2000.0)
    assert models.load_task(storage, task.id).status == ("TERMINATING" if status == "MIGRATING" else status)


def test_delete_keeps_the_task_for_show_and_drops_it_from_the_list(storage):
    task = stored_task(storage)
    task.delete(2000.0)
    stored = models.load_task(storage, task.id)
    assert (stored.status, stored.deleted, stored.needs_work()) == ("DELETED", True, False)
    assert storage.list_tasks(PROJECT, None, 0, 10) == (0, [])
    stored.finish("", {"offset": "7"}, 2500.0)  # the work noticed the delete: only its progress is kept
    stored = models.load_task(storage, task.id)
    assert (stored.status, stored.row["finished_ts"], stored.row["stats"]) == ("DELETED", 2500.0, {"offset": "7"})


def test_every_transition_leaves_only_known_statuses():
    for event, (sources, target) in models.BackupImportTask.TRANSITIONS.items():
        assert sources and target not in sources, event
    assert set(models.BackupImportTask.WORKING + models.BackupImportTask.STOPPING) <= set(ALL_STATUSES)


def _sdk_fields(model) -> set:
    return set(model.attribute_map.values())


def test_the_shapes_use_the_sdk_field_names():
    """Every field the emulator answers is one the official SDK reads (a typo would be silently dropped)."""
    task = models.BackupImportTask.new(PROJECT, REQUEST, True, 1000.0, task_id="f" * 32)
    instance = {"name": "dcs-demo", "ip": "127.0.0.1", "port": 6379, "status": "RUNNING"}
    detail = models.task_detail(task, instance)
    assert set(detail) == _sdk_fields(ShowMigrationTaskResponse)  # no error_message: the SDK model has none
    assert detail["target_instance"]["addrs"] == "127.0.0.1:6379" and "password" not in detail["target_instance"]
    item = models.task_list_item(task, instance)
    assert set(item) == _sdk_fields(MigrationTaskList) and len(item) == 25
    assert (item["task_id"], item["status"], item["target_instance_status"]) == ("f" * 32, "MIGRATING", "RUNNING")
    stats = models.task_stats(task, {"offset": 5})
    assert set(stats) <= _sdk_fields(ShowMigrationTaskStatsResponse) and stats["offset"] == "5"
    entry = {"created_at": "2026-01-02T03:04:05.000Z", "log_level": "INFO", "message": "m", "log_code": "", "keyword": [], "id": 3}
    assert set(models.log_entry(entry)) == _sdk_fields(MigrationLog)
    assert models.task_list_item(task)["target_instance_addrs"] == ""
