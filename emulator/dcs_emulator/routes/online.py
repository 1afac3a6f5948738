# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Online migration calls: create, configure, batch restart, synchronous stop and the resume-mode update.

Show, list, stats, logs, stop, batch stop and delete are the migration-task calls (``routes/tasks.py``): they
show online tasks too, as the service does. Bodies are checked here and answered DCS.4800 naming the field;
passwords go to the backend's memory only, never into what is stored or answered.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from dcs_emulator import errors, models
from dcs_emulator.online import RESUME_MODES, OnlineBackend
from dcs_emulator.routes.common import emulator, json_body
from dcs_emulator.routes.tasks import batch_answer, task_ids_in_body
from dcs_emulator.routes.validation import MIGRATION_METHODS, TASK_NAME_RE

router = APIRouter()
BASE = "/v2/{project_id}"
BANDWIDTH_MB = (1, 10240)


def _online(request: Request) -> OnlineBackend:
    return emulator(request).online


def _text(body: dict, key: str, field: str, required: bool, max_len: int = 1024) -> str:
    value = body.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or len(value) > max_len or (required and not value.strip()):
        raise errors.invalid_field(field)
    return value


def create_body(body: dict) -> dict:
    name = body.get("name")
    if not isinstance(name, str) or not TASK_NAME_RE.match(name):
        raise errors.invalid_field("name")
    result = {"name": name, "description": _text(body, "description", "description", False)}
    for key in ("vpc_id", "subnet_id", "security_group_id"):
        result[key] = _text(body, key, key, True, 64)
    return result


def _instance(body: dict, key: str) -> tuple:
    """(ConfigMigrationInstanceBody without its password, the password or None)."""
    spec = body.get(key)
    if not isinstance(spec, dict):
        raise errors.invalid_field(key)
    result = {}
    for name in ("id", "addrs"):
        value = _text(spec, name, "%s.%s" % (key, name), False, 1024)
        if value.strip():
            result[name] = value.strip()
    if not result:
        raise errors.invalid_field("%s.id" % key)  # one of id and addrs is mandatory
    password = spec.get("password")
    if password is not None and not isinstance(password, str):
        raise errors.invalid_field("%s.password" % key)
    return result, password or None


def _bandwidth(body: dict) -> str:
    """1-10240 MB/s; the SDK sends a string, the vendor's example a number: both are taken."""
    value = body.get("bandwidth_limit_mb")
    if value is None or value == "":
        return ""
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if not text.isdigit() or not BANDWIDTH_MB[0] <= int(text) <= BANDWIDTH_MB[1]:
        raise errors.invalid_field("bandwidth_limit_mb")
    return str(int(text))


def configure_body(body: dict) -> tuple:
    """(the configuration without passwords, {"source": password, "target": password})."""
    if body.get("migration_method") not in MIGRATION_METHODS:
        raise errors.invalid_field("migration_method")
    if body.get("resume_mode") not in RESUME_MODES:
        raise errors.invalid_field("resume_mode")
    source, source_password = _instance(body, "source_instance")
    target, target_password = _instance(body, "target_instance")
    config = {"migration_method": body["migration_method"], "resume_mode": body["resume_mode"],
              "bandwidth_limit_mb": _bandwidth(body), "source_instance": source, "target_instance": target,
              "source_password_set": source_password is not None}
    return config, {"source": source_password, "target": target_password}


@router.post(BASE + "/migration/instance")
def create_online_migration_task(project_id: str, request: Request):
    task = _online(request).create(project_id, create_body(json_body(request)))
    return {"instance_id": task.id}


@router.post(BASE + "/migration/{task_id}/task")
def set_online_migration_task(project_id: str, task_id: str, request: Request):
    config, passwords = configure_body(json_body(request))
    task = _online(request).configure(project_id, task_id, config, passwords)
    return models.create_answer(task)


@router.post(BASE + "/migration-tasks/batch-restart")
def batch_restart_online_migration_tasks(project_id: str, request: Request):
    return batch_answer(_online(request).batch_restart(project_id, task_ids_in_body(request, "migration_tasks")))


@router.post(BASE + "/migration-task/{task_id}/sync-stop")
def stop_migration_task_sync(project_id: str, task_id: str, request: Request):
    _online(request).sync_stop(project_id, task_id)
    return Response(status_code=204)


@router.put(BASE + "/migration-task/{task_id}")
def update_migration_task(project_id: str, task_id: str, request: Request):
    mode = json_body(request).get("resume_mode")
    if mode not in RESUME_MODES:
        raise errors.invalid_field("resume_mode")
    _online(request).set_resume_mode(project_id, task_id, mode)
    return {}
