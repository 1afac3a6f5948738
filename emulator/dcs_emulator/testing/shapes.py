# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Canned DCS API answers for tests that fake the HTTP layer, produced by the emulator's own serialisers.

A test describes a task (ID, name, status, what was asked for, the target instance as the service sees it);
the emulator's show and list serialisers turn that into the JSON the API answers, so the canned answers and
the emulator cannot drift apart. What only the real service does (it may echo a password the emulator never
shows) the caller adds to what it gets back.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Optional

# The emulator's serialisers, imported here and nowhere else in the kit: repoint these lines when they move.
from dcs_emulator.routes.instances import instance_view as serialise_instance
from dcs_emulator.routes.tasks import task_detail as serialise_task_detail, task_list_item as serialise_task_list_item
from dcs_emulator.testing.sdk import BACKUP_IMPORT, FULL_MIGRATION

CREATED_AT = "2024-11-06T10:00:00.000Z"
UPDATED_AT = "2024-11-06T10:05:00.000Z"


def _serialised(serialiser, task: dict, instance: Optional[dict]) -> dict:
    """Run a serialiser on a task row with a registry that knows only ``instance`` (None: an unknown one)."""
    instances = {task["target_instance_id"]: dict(instance, id=task["target_instance_id"])} if instance else {}
    return serialiser(SimpleNamespace(instances=instances), task)


def task_row(task_id: str, name: str, status: str = "SUCCESS", *, target_instance: dict, backup_files=None,
             data_source: str = "", description: str = "", error_message: str = "",
             migration_method: str = FULL_MIGRATION, created_at: str = CREATED_AT,
             updated_at: str = UPDATED_AT) -> dict:
    """A stored task as the emulator keeps it: ``target_instance`` and ``backup_files`` are the request's parts."""
    return {
        "id": task_id, "name": name, "status": status, "description": description, "error_message": error_message,
        "migration_type": BACKUP_IMPORT, "migration_method": migration_method, "data_source": data_source,
        "target_instance_id": target_instance["id"], "created_at": created_at, "updated_at": updated_at,
        "request": {"target_instance": dict(target_instance), "backup_files": backup_files},
    }


def task_detail(task_id: str, name: str, status: str = "SUCCESS", *, instance: Optional[dict] = None,
                **row) -> dict:
    """The show (and stop) answer for a task; ``instance`` (name, ip, port, status) is the target as shown."""
    return _serialised(serialise_task_detail, task_row(task_id, name, status, **row), instance)


def task_list_item(task_id: str, name: str, status: str = "SUCCESS", *, instance: Optional[dict] = None,
                   **row) -> dict:
    """One ``migration_tasks`` element of the list answer for a task (see ``task_detail``)."""
    return _serialised(serialise_task_list_item, task_row(task_id, name, status, **row), instance)


def instance_detail(instance_id: str, name: str, status: str = "RUNNING", *, ip: str, port: int,
                    engine_version: str = "7.0", **instance) -> dict:
    """The show-instance answer for an instance (``instance``: max_memory, used_memory, password ...)."""
    return serialise_instance(dict(instance, id=instance_id, name=name, status=status, ip=ip, port=port,
                                   engine_version=engine_version))
