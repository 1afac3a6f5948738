# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The migration-task family: create (backup import), list, show, delete, stop, batch stop, stats, logs."""

from __future__ import annotations

from fastapi import APIRouter, Request

from dcs_emulator import errors, models
from dcs_emulator.routes import validation
from dcs_emulator.routes.common import emulator, enum_param, int_param, json_body, str_param

router = APIRouter()
BASE = "/v2/{project_id}"


def _tasks(request: Request) -> models.TaskBackend:
    return emulator(request).tasks


def _detail(backend: models.TaskBackend, task: models.MigrationTask) -> dict:
    return models.task_detail(task, backend.target_of(task), backend.fidelity, backend.passwords_of(task))


@router.post(BASE + "/migration-task")
def create_migration_task(project_id: str, request: Request):
    body = json_body(request)
    normalised, password = validation.create_body(body)
    source_password = (body.get("source_instance") or {}).get("password")  # its type checked by create_body
    return models.create_answer(_tasks(request).create_backup_import(project_id, normalised, password,
                                                                     source_password))


@router.get(BASE + "/migration-tasks")
def list_migration_task(project_id: str, request: Request):
    backend = _tasks(request)
    offset = int_param(request, "offset", 0, 0)
    limit = int_param(request, "limit", 10, 1, 1000)
    count, tasks = backend.list(project_id, str_param(request, "name"), offset, limit)
    # The target is looked up once per item: a status provider may be costly.
    return {"count": count, "migration_tasks": [models.task_list_item(t, backend.target_of(t), backend.fidelity)
                                                for t in tasks]}


def task_ids_in_body(request: Request, field: str, error=None) -> list:
    """The non-empty list of task IDs that the body's ``field`` must hold, else ``error`` (default DCS.4800
    naming the field)."""
    ids = json_body(request).get(field)
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and i for i in ids):
        raise error or errors.invalid_field(field)
    return ids


@router.delete(BASE + "/migration-tasks/delete")
def delete_migration_task(project_id: str, request: Request):
    return {"task_id_list": _tasks(request).delete(project_id, task_ids_in_body(request, "task_id_list"))}


@router.post(BASE + "/migration-task/batch-stop")
def batch_stop_migration_tasks(project_id: str, request: Request):
    task_ids = task_ids_in_body(request, "migration_tasks", errors.invalid_task_ids())
    return batch_answer(_tasks(request).batch_stop(project_id, task_ids))


def batch_answer(results: list) -> dict:
    """A batch call's answer: one result per (task ID, ApiError or None)."""
    return {"migration_tasks": [models.batch_stop_result(task_id, error) for task_id, error in results]}


@router.post(BASE + "/migration-task/{task_id}/stop")
def stop_migration_task(project_id: str, task_id: str, request: Request):
    backend = _tasks(request)
    return _detail(backend, backend.stop(project_id, task_id))


@router.get(BASE + "/migration-task/{task_id}")
def show_migration_task(project_id: str, task_id: str, request: Request):
    backend = _tasks(request)
    return _detail(backend, backend.get(project_id, task_id))


@router.get(BASE + "/migration-task/{task_id}/stats")
def show_migration_task_stats(project_id: str, task_id: str, request: Request):
    backend = _tasks(request)
    return models.task_stats(*backend.stats(project_id, task_id), backend.fidelity)


@router.get(BASE + "/migration-task/{task_id}/logs")
def list_migration_task_logs(project_id: str, task_id: str, request: Request):
    level = enum_param(request, "log_level", models.LOG_LEVELS)
    offset = int_param(request, "offset", 0, 0)
    limit = int_param(request, "limit", 10, 1, 1000)
    backend = _tasks(request)
    count, logs = backend.logs(project_id, task_id, level, offset, limit)
    return {"log_num": count, "migration_logs": [models.log_entry(e, backend.fidelity) for e in logs]}
