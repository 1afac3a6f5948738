# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Names of the API operations (the SDK's method names), used for request counters and logs."""

from __future__ import annotations

import re

_TASK = r"^/v2/[^/]+/migration-task"
OPERATIONS = (
    ("GET", re.compile(r"^/v3/projects/?$"), "keystone_list_projects"),
    ("POST", re.compile(_TASK + r"$"), "create_migration_task"),
    ("GET", re.compile(r"^/v2/[^/]+/migration-tasks$"), "list_migration_task"),
    ("DELETE", re.compile(r"^/v2/[^/]+/migration-tasks/delete$"), "delete_migration_task"),
    ("POST", re.compile(_TASK + r"/batch-stop$"), "batch_stop_migration_tasks"),
    ("GET", re.compile(_TASK + r"/[^/]+$"), "show_migration_task"),
    ("POST", re.compile(_TASK + r"/[^/]+/stop$"), "stop_migration_task"),
    ("GET", re.compile(_TASK + r"/[^/]+/stats$"), "show_migration_task_stats"),
    ("GET", re.compile(_TASK + r"/[^/]+/logs$"), "list_migration_task_logs"),
    ("GET", re.compile(r"^/v2/[^/]+/instances$"), "list_instances"),
    ("GET", re.compile(r"^/v2/[^/]+/instances/[^/]+$"), "show_instance"),
    ("GET", re.compile(r"^/v2/[^/]+/instances/[^/]+/backups$"), "list_backup_records"),
)
PROJECT_PATH = re.compile(r"^/v[0-9.]+/([^/]+)/")


def identify(method: str, path: str) -> str:
    """The operation name of a request, or ``unknown``."""
    for op_method, pattern, name in OPERATIONS:
        if op_method == method and pattern.match(path):
            return name
    return "unknown"


def project_of(path: str):
    """The project ID in a ``/v2/{project_id}/...`` path, or None."""
    match = PROJECT_PATH.match(path)
    return match.group(1) if match else None
