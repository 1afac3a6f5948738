# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An ``emulator-data/`` written before the schema had a version keeps working after an upgrade."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from huaweicloudsdkdcs.v2 import ListMigrationTaskLogsRequest, ListMigrationTaskRequest, ShowMigrationTaskRequest

from dcs_emulator.storage import SCHEMA_VERSION, Storage, StorageError
from dcs_emulator.testing import EmulatorProcess, free_port, wait_final

from conftest import INSTANCE, PROJECT, base_config, import_request

# The schema of the first releases, verbatim: it must not follow later changes of storage.py.
UNVERSIONED_SCHEMA = Path(__file__).parent / "data" / "schema_unversioned.sql"
REQUEST = {
    "task_name": "", "description": "", "migration_type": "backupfile_import",
    "migration_method": "full_amount_migration", "target_instance": {"id": INSTANCE},
    "backup_files": {"file_source": "self_build_obs", "bucket_name": "demo-bucket",
                     "files": [{"file_name": "dump.rdb"}]},
}


def _old_task(db, task_id: str, name: str, status: str, deleted: int = 0, error: str = "") -> None:
    """A task row as the unversioned emulator wrote it (its create, then its runner)."""
    request = dict(REQUEST, task_name=name)
    db.execute("INSERT INTO tasks (id, project_id, name, description, status, migration_type, migration_method, "
               "target_instance_id, data_source, request, password_ok, error_message, created_at, updated_at, "
               "created_ts, deleted, stats) VALUES (?, ?, ?, '', ?, 'backupfile_import', 'full_amount_migration', "
               "?, 'demo-bucket', ?, 1, ?, '2026-01-02T03:04:05.000Z', '2026-01-02T03:04:06.000Z', 1767323045.0, "
               "?, ?)",
               (task_id, PROJECT, name, status, INSTANCE, json.dumps(request), error, deleted,
                json.dumps({"full_migration_progress": "100.00"} if status == "SUCCESS" else {})))
    db.execute("INSERT INTO logs (task_id, created_at, log_level, message) VALUES (?, ?, 'INFO', ?)",
               (task_id, "2026-01-02T03:04:05.000Z", "Backup import task %s created." % name))


@pytest.fixture
def old_data(tmp_path):
    """``data/emulator.db`` under tmp_path, as the emulator wrote it before the schema had a version."""
    path = tmp_path / "data" / "emulator.db"
    path.parent.mkdir()
    db = sqlite3.connect(str(path))
    db.executescript(UNVERSIONED_SCHEMA.read_text(encoding="utf-8"))
    _old_task(db, "a" * 32, "old-success", "SUCCESS")
    _old_task(db, "b" * 32, "old-failed", "FAILED", error="The object dump.rdb does not exist.")
    _old_task(db, "c" * 32, "old-running", "MIGRATING")
    _old_task(db, "d" * 32, "old-deleted", "DELETED", deleted=1)
    db.commit()
    db.close()
    return path


def test_an_unversioned_database_is_upgraded_and_keeps_its_tasks(tmp_path, old_data):
    server = EmulatorProcess(tmp_path, base_config(tmp_path)).start()
    try:
        client = server.client()
        listed = client.list_migration_task(ListMigrationTaskRequest(limit=100))
        assert sorted((t.task_name, t.status) for t in listed.migration_tasks if t.task_name != "old-running") == [
            ("old-failed", "FAILED"), ("old-success", "SUCCESS")]
        failed = client.show_migration_task(ShowMigrationTaskRequest(task_id="b" * 32))
        assert (failed.task_name, failed.status) == ("old-failed", "FAILED")
        assert failed.backup_files.bucket_name == "demo-bucket"
        assert client.show_migration_task(ShowMigrationTaskRequest(task_id="d" * 32)).status == "DELETED"
        # A task the old emulator left running is resumed by the new one.
        assert wait_final(client, "c" * 32).status == "SUCCESS"
        logs = client.list_migration_task_logs(ListMigrationTaskLogsRequest(task_id="c" * 32, limit=100))
        assert logs.migration_logs[0].message == "Backup import task old-running created."

        created = client.create_migration_task(import_request("new-after-upgrade"))
        assert wait_final(client, created.id).status == "SUCCESS"
        listed = client.list_migration_task(ListMigrationTaskRequest(limit=100))
        assert [t.task_name for t in listed.migration_tasks][0] == "new-after-upgrade"
        assert listed.count == 4
    finally:
        server.stop()
    with sqlite3.connect(str(old_data)) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_upgrading_twice_changes_nothing(tmp_path, old_data):
    Storage(old_data).close()
    storage = Storage(old_data)
    try:
        assert storage.schema_version() == SCHEMA_VERSION
        assert storage.list_tasks(PROJECT, None, 0, 10)[0] == 3
    finally:
        storage.close()


def test_a_database_from_a_newer_emulator_is_refused(tmp_path, old_data):
    with sqlite3.connect(str(old_data)) as db:
        db.execute("PRAGMA user_version = %d" % (SCHEMA_VERSION + 1))
    with pytest.raises(StorageError, match="schema version %d" % (SCHEMA_VERSION + 1)):
        Storage(old_data)
    config_path = tmp_path / "emulator.yml"
    config_path.write_text(yaml.safe_dump(base_config(tmp_path)), encoding="utf-8")
    command = [sys.executable, "-m", "dcs_emulator", "serve", "--config", str(config_path),
               "--port", str(free_port()), "--api-only"]
    served = subprocess.run(command, cwd=str(tmp_path), capture_output=True, text=True, timeout=60, check=False)
    assert served.returncode == 2
    assert "data error" in served.stderr and "Traceback" not in served.stderr
