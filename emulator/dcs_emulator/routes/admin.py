# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The admin API under ``/_emulator/`` for tests and rehearsals (served only when enabled; no signature).

    GET    /_emulator/health                       {"status": "ok", "tasks": N}
    GET    /_emulator/fidelity                     the reading of every fidelity point (and a random set's seed)
    POST   /_emulator/reset                        forget tasks, logs, faults, counters, instance overrides
    POST   /_emulator/instances/{id}/status        {"status": "FROZEN"}   ({"status": null} clears the override)
    POST   /_emulator/faults                       {"kind": "status"|"latency"|"drop", "count": N, "when": "before"|"after",
                                                    "method": "POST", "path": "regex", "status": 429, "seconds": 2}
    GET    /_emulator/faults                       active rules;  DELETE /_emulator/faults clears them
    GET    /_emulator/stats                        {"total", "operations": {op: n}, "requests": [...]}
    POST   /_emulator/stats/reset
    POST   /_emulator/tasks/{task_id}/duration     {"seconds": 3.5}   minimum duration of that task
    POST   /_emulator/settings                     {"min_duration_seconds": 1.0}   default for tasks
    GET    /_emulator/tasks/{task_id}              internal view: timestamps (created/started/finished), flags
    GET    /_emulator/openapi.json                 OpenAPI description of the DCS calls, from the SDK's models
                                                   (for API fuzzers; 404 without huaweicloudsdkdcs installed)
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from dcs_emulator import openapi
from dcs_emulator.config_schema import INSTANCE_STATUSES
from dcs_emulator.faults import FaultError
from dcs_emulator.routes.common import emulator, json_body

router = APIRouter(prefix="/_emulator")


def _bad(message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=400)


def _number(body: dict, key: str):
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        return None
    return float(value)


@router.get("/health")
def health(request: Request):
    return {"status": "ok", "tasks": emulator(request).storage.count_tasks()}


@router.get("/fidelity")
def fidelity(request: Request):
    return emulator(request).config.fidelity.as_dict()


@router.post("/reset")
def reset(request: Request):
    emu = emulator(request)
    emu.reset()
    return {"reset": True}


@router.post("/instances/{instance_id}/status")
def set_instance_status(instance_id: str, request: Request):
    emu = emulator(request)
    if emu.instances.configured(instance_id) is None:
        return JSONResponse({"error": "unknown instance %s" % instance_id}, status_code=404)
    status = (json_body(request, required=False) or {}).get("status")
    if status is not None and status not in INSTANCE_STATUSES:
        return _bad("status must be null or one of %s" % ", ".join(INSTANCE_STATUSES))
    emu.instances.set_override(instance_id, status)
    return {"instance_id": instance_id, "status": emu.instances.get(instance_id)["status"]}


@router.post("/faults")
def add_fault(request: Request):
    try:
        fault = emulator(request).faults.add(json_body(request))
    except FaultError as exc:
        return _bad(str(exc))
    return fault.public()


@router.get("/faults")
def list_faults(request: Request):
    return {"faults": emulator(request).faults.active()}


@router.delete("/faults")
def clear_faults(request: Request):
    emulator(request).faults.clear()
    return {"faults": []}


@router.get("/stats")
def stats(request: Request):
    return emulator(request).counters.snapshot()


@router.post("/stats/reset")
def reset_stats(request: Request):
    emulator(request).counters.reset()
    return {"total": 0, "operations": {}, "requests": []}


@router.post("/tasks/{task_id}/duration")
def set_task_duration(task_id: str, request: Request):
    emu = emulator(request)
    seconds = _number(json_body(request), "seconds")
    if seconds is None:
        return _bad("seconds must be a number >= 0")
    if not emu.storage.update_task(task_id, duration=seconds):
        return JSONResponse({"error": "unknown task %s" % task_id}, status_code=404)
    return {"task_id": task_id, "seconds": seconds}


@router.post("/settings")
def settings(request: Request):
    emu = emulator(request)
    seconds = _number(json_body(request), "min_duration_seconds")
    if seconds is None:
        return _bad("min_duration_seconds must be a number >= 0")
    emu.runner.default_duration = seconds
    return {"min_duration_seconds": seconds}


@router.get("/tasks/{task_id}")
def task_internals(task_id: str, request: Request):
    task = emulator(request).storage.get_task(task_id)
    if task is None:
        return JSONResponse({"error": "unknown task %s" % task_id}, status_code=404)
    keys = ("id", "name", "project_id", "status", "error_message", "deleted", "created_ts", "started_ts",
            "finished_ts", "duration", "target_instance_id", "data_source", "request", "stats")
    return {k: task[k] for k in keys}


@router.get("/openapi.json")
def openapi_document(request: Request):
    if not openapi.sdk_available():
        return JSONResponse({"error": "the OpenAPI description is built from huaweicloudsdkdcs: install it"},
                            status_code=404)
    return openapi.document(str(request.base_url).rstrip("/"))
