# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The migration-task family: create (backup import), list, show, delete, stop, batch stop, stats, logs."""

from __future__ import annotations

import hmac
import time
import uuid

from fastapi import APIRouter, Request

from dcs_emulator import errors
from dcs_emulator.routes import validation
from dcs_emulator.routes.common import emulator, enum_param, int_param, json_body, str_param
from dcs_emulator.runner import LOG_LEVELS, RUNNING_STATUSES, STATS_FIELDS
from dcs_emulator.timeutil import iso

router = APIRouter()
BASE = "/v2/{project_id}"


def _live_task(request: Request, project_id: str, task_id: str, allow_deleted: bool = True) -> dict:
    task = emulator(request).storage.get_task(task_id)
    if task is None or task["project_id"] != project_id or (task["deleted"] and not allow_deleted):
        raise errors.task_not_found(task_id)
    return task


def _target_view(task: dict, instance) -> dict:
    target = dict(task["request"]["target_instance"])
    if instance is not None:
        target.setdefault("name", instance["name"])
        target["ip"] = str(instance["ip"])
        target["port"] = str(instance["port"])
        target["addrs"] = "%s:%s" % (instance["ip"], instance["port"])
    return target


def task_detail(emu, task: dict) -> dict:
    """The show/stop response (ShowMigrationTaskResponse). No password, ever."""
    target = _target_view(task, emu.instances.get(task["target_instance_id"]))
    return {
        "task_id": task["id"], "task_name": task["name"], "description": task["description"],
        "status": task["status"], "migration_type": task["migration_type"],
        "migration_method": task["migration_method"], "ecs_tenant_private_ip": "",
        "backup_files": task["request"].get("backup_files"), "network_type": "", "source_instance": {},
        "target_instance": target, "created_at": task["created_at"],
        "updated_at": task["updated_at"], "released_at": "", "version": "", "resume_mode": "auto",
        "supported_features": [], "tenant_vpc_id": "", "tenant_subnet_id": "", "tenant_security_group_id": "",
        "bandwidth_limit_mb": "", "task_status": task["status"], "error_message": task["error_message"],
    }


def task_list_item(emu, task: dict) -> dict:
    """One element of the list response (MigrationTaskList)."""
    instance = emu.instances.get(task["target_instance_id"])  # once per item: a status provider may be costly
    target = _target_view(task, instance)
    return {
        "task_id": task["id"], "task_name": task["name"], "status": task["status"],
        "migration_type": task["migration_type"], "migration_method": task["migration_method"],
        "ecs_tenant_private_ip": "", "data_source": task["data_source"], "source_instance_name": "",
        "source_instance_id": "", "target_instance_addrs": target.get("addrs", ""),
        "target_instance_name": target.get("name", ""), "target_instance_id": task["target_instance_id"],
        "created_at": task["created_at"], "description": task["description"], "source_instance_status": "",
        "target_instance_status": instance["status"] if instance else "", "error_message": task["error_message"],
        "released_at": "", "version": "", "resume_mode": "auto", "supported_features": [],
    }


def _check_target(emu, project_id: str, normalised: dict, password) -> bool:
    """Instance checks of create; returns whether the given password opens the instance."""
    instance_id = normalised["target_instance"]["id"]
    instance = emu.instances.get(instance_id, project_id)
    if instance is None:
        raise errors.instance_not_found(instance_id)
    if instance["status"] != "RUNNING":
        raise errors.instance_not_running(instance_id, instance["status"])
    files = normalised["backup_files"]
    if files["file_source"] == "backup_record" and emu.instances.find_backup(project_id, files["backup_id"]) is None:
        raise errors.invalid_field("backup_files.backup_id")
    expected = instance.get("password")
    if not expected:
        return True
    return isinstance(password, str) and hmac.compare_digest(password.encode("utf-8"), expected.encode("utf-8"))


@router.post(BASE + "/migration-task")
def create_migration_task(project_id: str, request: Request):
    emu = emulator(request)
    normalised, password = validation.create_body(json_body(request))
    password_ok = _check_target(emu, project_id, normalised, password)
    files = normalised["backup_files"]
    now = time.time()
    task = {
        "id": uuid.uuid4().hex, "project_id": project_id, "name": normalised["task_name"],
        "description": normalised["description"], "status": "MIGRATING",
        "migration_type": normalised["migration_type"], "migration_method": normalised["migration_method"],
        "target_instance_id": normalised["target_instance"]["id"],
        "data_source": files.get("bucket_name") or files.get("backup_id", ""), "request": normalised,
        "password_ok": password_ok, "created_at": iso(now), "updated_at": iso(now), "created_ts": now,
    }
    emu.storage.insert_task(task)
    emu.storage.add_log(task["id"], iso(now), "INFO", "Backup import task %s created." % task["name"])
    emu.runner.submit(task["id"])
    return {"id": task["id"], "name": task["name"], "status": "MIGRATING", "error": ""}


@router.get(BASE + "/migration-tasks")
def list_migration_task(project_id: str, request: Request):
    emu = emulator(request)
    offset = int_param(request, "offset", 0, 0)
    limit = int_param(request, "limit", 10, 1, 1000)
    count, tasks = emu.storage.list_tasks(project_id, str_param(request, "name"), offset, limit)
    return {"count": count, "migration_tasks": [task_list_item(emu, t) for t in tasks]}


def task_ids_in_body(request: Request, field: str) -> list:
    """The non-empty list of task IDs that the body's ``field`` must hold, else DCS.4800 naming the field."""
    ids = json_body(request).get(field)
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and i for i in ids):
        raise errors.invalid_field(field)
    return ids


@router.delete(BASE + "/migration-tasks/delete")
def delete_migration_task(project_id: str, request: Request):
    emu = emulator(request)
    ids = task_ids_in_body(request, "task_id_list")
    for task_id in ids:
        _live_task(request, project_id, task_id, allow_deleted=False)
    now = time.time()
    for task_id in ids:
        emu.storage.update_task(task_id, deleted=1, status="DELETED", updated_at=iso(now))
        emu.runner.request_stop(task_id)
    return {"task_id_list": ids}


@router.post(BASE + "/migration-task/batch-stop")
def batch_stop_migration_tasks(project_id: str, request: Request):
    emu = emulator(request)
    ids = task_ids_in_body(request, "migration_tasks")
    results = []
    for task_id in ids:
        try:
            _stop(request, project_id, task_id)
            results.append({"result": "success", "task_id": task_id, "error_msg": "", "error_code": ""})
        except errors.ApiError as exc:
            results.append({"result": "failed", "task_id": task_id, "error_msg": exc.message, "error_code": exc.code})
    return {"migration_tasks": results}


def _stop(request: Request, project_id: str, task_id: str) -> dict:
    emu = emulator(request)
    task = _live_task(request, project_id, task_id, allow_deleted=False)
    if task["status"] == "MIGRATING":
        if emu.storage.update_task(task_id, only_if_status=["MIGRATING"], status="TERMINATING",
                                   updated_at=iso(time.time())):
            emu.runner.request_stop(task_id)
            emu.storage.add_log(task_id, iso(time.time()), "INFO", "Stop requested.")
        task = emu.storage.get_task(task_id)
    if task["status"] not in ("TERMINATING", "TERMINATED"):
        raise errors.operation_not_allowed("The task %s is %s; only a MIGRATING task can be stopped."
                                           % (task_id, task["status"]))
    return task


@router.post(BASE + "/migration-task/{task_id}/stop")
def stop_migration_task(project_id: str, task_id: str, request: Request):
    return task_detail(emulator(request), _stop(request, project_id, task_id))


@router.get(BASE + "/migration-task/{task_id}")
def show_migration_task(project_id: str, task_id: str, request: Request):
    # A deleted task still answers (status DELETED), as the service may: the list is the truth.
    return task_detail(emulator(request), _live_task(request, project_id, task_id))


@router.get(BASE + "/migration-task/{task_id}/stats")
def show_migration_task_stats(project_id: str, task_id: str, request: Request):
    emu = emulator(request)
    task = _live_task(request, project_id, task_id)
    stats = emu.runner.stats(task)
    result = {name: str(stats.get(name, "0")) for name in STATS_FIELDS}
    result["is_migrating"] = task["status"] in RUNNING_STATUSES
    return result


@router.get(BASE + "/migration-task/{task_id}/logs")
def list_migration_task_logs(project_id: str, task_id: str, request: Request):
    emu = emulator(request)
    _live_task(request, project_id, task_id)
    level = enum_param(request, "log_level", LOG_LEVELS)
    offset = int_param(request, "offset", 0, 0)
    limit = int_param(request, "limit", 10, 1, 1000)
    count, logs = emu.storage.list_logs(task_id, level, offset, limit)
    return {"log_num": count, "migration_logs": [
        {"created_at": e["created_at"], "log_level": e["log_level"], "message": e["message"],
         "log_code": e["log_code"], "keyword": e["keyword"]} for e in logs]}
