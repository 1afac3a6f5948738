-- The emulator's schema before it had a version (user_version 0), verbatim: never edit this file.
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
