# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQLite persistence for tasks, task logs and instance status (WAL mode, one connection behind a lock).

One connection serialised by a lock is enough here: every statement is a few microseconds and it rules out
the "database is locked" races that several connections in one process invite. Nothing secret is stored:
the create body is kept without passwords.

The schema has a version (SQLite's ``user_version``): opening a database applies the ``MIGRATIONS`` it lacks,
so an ``emulator-data/`` written by an older emulator keeps working. Databases written before versions were
recorded are at version 0 with the tables of migration 1 already present (hence ``IF NOT EXISTS`` there).
A schema change is one more migration appended at the end; a released migration is never edited.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Iterable, Optional

SCHEMA_V1 = """
CREATE TABLE IF NOT EXISTS tasks (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    project_id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    migration_type TEXT NOT NULL,
    migration_method TEXT NOT NULL,
    target_instance_id TEXT NOT NULL,
    data_source TEXT NOT NULL DEFAULT '',
    request TEXT NOT NULL,
    password_ok INTEGER NOT NULL DEFAULT 1,
    error_message TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_ts REAL NOT NULL,
    started_ts REAL,
    finished_ts REAL,
    duration REAL,
    deleted INTEGER NOT NULL DEFAULT 0,
    stats TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS tasks_project ON tasks (project_id, deleted);
CREATE TABLE IF NOT EXISTS logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    log_level TEXT NOT NULL,
    message TEXT NOT NULL,
    log_code TEXT NOT NULL DEFAULT '',
    keyword TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS logs_task ON logs (task_id, id);
CREATE TABLE IF NOT EXISTS instances (
    id TEXT PRIMARY KEY,
    config_status TEXT NOT NULL,
    override_status TEXT
);
"""
MIGRATIONS = (
    SCHEMA_V1,
    # 2: tasks of several kinds (the value of the first kind, models.BackupImportTask.KIND, frozen here)
    "ALTER TABLE tasks ADD COLUMN kind TEXT NOT NULL DEFAULT 'backup_import'",
    # 3: when the migration ECS of a finished task was released (status RELEASED)
    "ALTER TABLE tasks ADD COLUMN released_at TEXT NOT NULL DEFAULT ''",
)
SCHEMA_VERSION = len(MIGRATIONS)


class StorageError(Exception):
    """The database cannot be used by this version of the emulator."""


TASK_JSON_FIELDS = ("request", "stats")


def _task(row: sqlite3.Row) -> dict:
    task = dict(row)
    for key in TASK_JSON_FIELDS:
        task[key] = json.loads(task[key])
    task["password_ok"] = bool(task["password_ok"])
    task["deleted"] = bool(task["deleted"])
    return task


class Storage:
    """Thread-safe access to the emulator's SQLite database."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._migrate()

    def _migrate(self) -> None:
        """Bring the schema to SCHEMA_VERSION, one migration per transaction."""
        version = self.schema_version()
        if version > SCHEMA_VERSION:
            raise StorageError("%s has schema version %d; this emulator knows versions up to %d: use a newer "
                               "emulator or another data_dir." % (self.path, version, SCHEMA_VERSION))
        for number in range(version + 1, SCHEMA_VERSION + 1):
            try:
                self._db.executescript("BEGIN;\n%s;\nPRAGMA user_version = %d;\nCOMMIT;"
                                       % (MIGRATIONS[number - 1], number))
            except sqlite3.Error:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")  # the database stays at the last version that was complete
                raise

    def schema_version(self) -> int:
        with self._lock:
            return self._db.execute("PRAGMA user_version").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _execute(self, sql: str, params: Iterable = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._db.execute(sql, tuple(params))

    # tasks -------------------------------------------------------------------------------------------------

    def insert_task(self, task: dict) -> None:
        row = dict(task)
        for key in TASK_JSON_FIELDS:
            row[key] = json.dumps(row.get(key) or {})
        row["password_ok"] = int(row.get("password_ok", True))
        columns = ", ".join(row)
        marks = ", ".join("?" for _item in row)
        self._execute("INSERT INTO tasks (%s) VALUES (%s)" % (columns, marks), row.values())

    def get_task(self, task_id: str) -> Optional[dict]:
        with self._lock:
            row = self._db.execute("SELECT * FROM tasks WHERE id = ?", (task_id,)).fetchone()
        return _task(row) if row else None

    def list_tasks(self, project_id: str, name: Optional[str], offset: int, limit: int, exact: bool = False,
                   newest_first: bool = True) -> tuple:
        """Live (not deleted) tasks; ``name`` matches as a substring, or the whole name when ``exact``."""
        where = "project_id = ? AND deleted = 0"
        params = [project_id]
        if name:
            where += " AND name = ?" if exact else " AND instr(name, ?) > 0"
            params.append(name)
        order = "DESC" if newest_first else "ASC"
        with self._lock:
            count = self._db.execute("SELECT count(*) FROM tasks WHERE " + where, params).fetchone()[0]
            rows = self._db.execute("SELECT * FROM tasks WHERE %s ORDER BY seq %s LIMIT ? OFFSET ?" % (where, order),
                                    params + [limit, offset]).fetchall()
        return count, [_task(r) for r in rows]

    def tasks_in_status(self, statuses: Iterable[str]) -> list:
        statuses = list(statuses)
        marks = ", ".join("?" for _item in statuses)
        with self._lock:
            rows = self._db.execute("SELECT * FROM tasks WHERE status IN (%s) ORDER BY seq" % marks, statuses).fetchall()
        return [_task(r) for r in rows]

    def update_task(self, task_id: str, only_if_status: Optional[Iterable[str]] = None, **fields) -> bool:
        """Update fields; with ``only_if_status`` only when the current status is one of them. True if updated."""
        for key in TASK_JSON_FIELDS:
            if key in fields:
                fields[key] = json.dumps(fields[key])
        sets = ", ".join("%s = ?" % k for k in fields)
        sql = "UPDATE tasks SET %s WHERE id = ?" % sets
        params = list(fields.values()) + [task_id]
        if only_if_status is not None:
            statuses = list(only_if_status)
            sql += " AND status IN (%s)" % ", ".join("?" for _item in statuses)
            params += statuses
        return self._execute(sql, params).rowcount > 0

    def count_tasks(self) -> int:
        return self._execute("SELECT count(*) FROM tasks").fetchone()[0]

    # logs --------------------------------------------------------------------------------------------------

    def add_log(self, task_id: str, created_at: str, level: str, message: str, log_code: str = "",
                keyword: Optional[list] = None) -> None:
        self._execute("INSERT INTO logs (task_id, created_at, log_level, message, log_code, keyword) "
                      "VALUES (?, ?, ?, ?, ?, ?)",
                      (task_id, created_at, level, message, log_code, json.dumps(keyword or [])))

    def list_logs(self, task_id: str, level: Optional[str], offset: int, limit: int) -> tuple:
        where = "task_id = ?"
        params = [task_id]
        if level:
            where += " AND log_level = ?"
            params.append(level)
        with self._lock:
            count = self._db.execute("SELECT count(*) FROM logs WHERE " + where, params).fetchone()[0]
            rows = self._db.execute("SELECT * FROM logs WHERE %s ORDER BY id LIMIT ? OFFSET ?" % where,
                                    params + [limit, offset]).fetchall()
        logs = []
        for row in rows:
            entry = dict(row)
            entry["keyword"] = json.loads(entry["keyword"])
            logs.append(entry)
        return count, logs

    # instances ---------------------------------------------------------------------------------------------

    def sync_instances(self, configured: dict) -> None:
        """``configured`` maps instance id -> configured status.

        A status set through the admin API survives restarts unless the config's status for that instance changed.
        """
        with self._lock:
            known = {r["id"]: r for r in self._db.execute("SELECT * FROM instances").fetchall()}
            for instance_id, status in configured.items():
                row = known.get(instance_id)
                if row is None:
                    self._db.execute("INSERT INTO instances (id, config_status) VALUES (?, ?)", (instance_id, status))
                elif row["config_status"] != status:
                    self._db.execute("UPDATE instances SET config_status = ?, override_status = NULL WHERE id = ?",
                                     (status, instance_id))
            for instance_id in set(known) - set(configured):
                self._db.execute("DELETE FROM instances WHERE id = ?", (instance_id,))

    def instance_override(self, instance_id: str) -> Optional[str]:
        row = self._execute("SELECT override_status FROM instances WHERE id = ?", (instance_id,)).fetchone()
        return row["override_status"] if row else None

    def set_instance_override(self, instance_id: str, status: Optional[str]) -> None:
        self._execute("UPDATE instances SET override_status = ? WHERE id = ?", (status, instance_id))

    # admin -------------------------------------------------------------------------------------------------

    def reset(self) -> None:
        with self._lock:
            self._db.execute("DELETE FROM tasks")
            self._db.execute("DELETE FROM logs")
            self._db.execute("UPDATE instances SET override_status = NULL")
