# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Canned DCS API answers for tests that fake the HTTP layer, produced by the emulator's models.

A test describes a task (ID, name, status, what was asked for, the target instance as the service shows it);
the emulator's task model and its serialisers turn that into the JSON the API answers, so the canned answers and
the emulator cannot drift apart. What only the real service does (it may echo a password the emulator never
shows) the caller adds to what it gets back.
"""

from __future__ import annotations

from typing import Optional

from dcs_emulator import models
from dcs_emulator.routes.instances import instance_view
from dcs_emulator.testing.sdk import BACKUP_IMPORT, FULL_MIGRATION

CREATED_AT = "2024-11-06T10:00:00.000Z"
UPDATED_AT = "2024-11-06T10:05:00.000Z"
PROJECT_ID = "0" * 32  # a task's project never shows in an answer


def backup_import(task_id: str, name: str, status: str = models.SUCCESS, *, target_instance: dict,
                  backup_files: dict, description: str = "", error_message: str = "",
                  migration_method: str = FULL_MIGRATION, created_at: str = CREATED_AT,
                  updated_at: str = UPDATED_AT) -> models.MigrationTask:
    """A backup import task as the emulator models it; ``target_instance`` and ``backup_files`` as requested."""
    request = {"task_name": name, "description": description, "migration_type": BACKUP_IMPORT,
               "migration_method": migration_method, "backup_files": backup_files,
               "target_instance": dict(target_instance)}
    task = models.BackupImportTask.new(PROJECT_ID, request, True, 0.0, task_id=task_id)
    task.row.update(status=status, error_message=error_message, created_at=created_at, updated_at=updated_at)
    return task


def task_detail(task_id: str, name: str, status: str = models.SUCCESS, *, target_instance: dict, backup_files: dict,
                instance: Optional[dict] = None, **fields) -> dict:
    """The show (and stop) answer for a task (``fields``: see ``backup_import``); ``instance`` is the target as
    show-instance sees it (name, ip, port, status), None for an unknown one."""
    task = backup_import(task_id, name, status, target_instance=target_instance, backup_files=backup_files, **fields)
    return models.task_detail(task, instance)


def task_list_item(task_id: str, name: str, status: str = models.SUCCESS, *, target_instance: dict,
                   backup_files: dict, instance: Optional[dict] = None, **fields) -> dict:
    """One ``migration_tasks`` element of the list answer for a task (see ``task_detail``)."""
    task = backup_import(task_id, name, status, target_instance=target_instance, backup_files=backup_files, **fields)
    return models.task_list_item(task, instance)


def instance_detail(instance_id: str, name: str, status: str = "RUNNING", *, ip: str, port: int,
                    engine_version: str = "7.0", **instance) -> dict:
    """The show-instance answer for an instance (``instance``: max_memory, used_memory, password ...)."""
    return instance_view(dict(instance, id=instance_id, name=name, status=status, ip=ip, port=port,
                              engine_version=engine_version))
