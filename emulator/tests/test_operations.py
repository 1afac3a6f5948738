# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Operation names (request counters, logs) come from the routes and are the SDK's method names."""

from __future__ import annotations

import pytest
from huaweicloudsdkdcs.v2 import DcsClient

from dcs_emulator import operations

TASK = "/v2/0123/migration-task"


@pytest.mark.parametrize("method, path, name", [
    ("GET", "/v3/projects", "keystone_list_projects"),
    ("GET", "/v3/projects/", "keystone_list_projects"),
    ("POST", TASK, "create_migration_task"),
    ("GET", "/v2/0123/migration-tasks", "list_migration_task"),
    ("DELETE", "/v2/0123/migration-tasks/delete", "delete_migration_task"),
    ("POST", TASK + "/batch-stop", "batch_stop_migration_tasks"),
    ("GET", TASK + "/batch-stop", "show_migration_task"),
    ("GET", TASK + "/abc", "show_migration_task"),
    ("POST", TASK + "/abc/stop", "stop_migration_task"),
    ("GET", TASK + "/abc/stats", "show_migration_task_stats"),
    ("GET", TASK + "/abc/logs", "list_migration_task_logs"),
    ("GET", "/v2/0123/instances", "list_instances"),
    ("GET", "/v2/0123/instances/i-1", "show_instance"),
    ("GET", "/v2/0123/instances/i-1/backups", "list_backup_records"),
    ("DELETE", TASK + "/abc", "unknown"),
    ("GET", TASK + "/abc/other", "unknown"),
    ("GET", "/v2/0123/migration-tasks/x/y", "unknown"),
    ("GET", "/_emulator/health", "unknown"),
    ("GET", "/", "unknown"),
])
def test_identify(method, path, name):
    assert operations.identify(method, path) == name


def test_every_dcs_operation_is_an_sdk_method():
    names = {name for _method, _pattern, name in operations.OPERATIONS}
    assert "create_migration_task" in names and "keystone_list_projects" in names
    for name in names - {"keystone_list_projects"}:
        assert callable(getattr(DcsClient, name, None)), name


def test_project_of():
    assert operations.project_of("/v2/0123/migration-tasks") == "0123"
    assert operations.project_of("/v3/projects") is None
