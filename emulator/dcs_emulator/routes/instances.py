# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Instance calls the module needs: list and show instances, list backup records. No password is echoed."""

from __future__ import annotations

import time
from typing import Optional

from fastapi import APIRouter, Request

from dcs_emulator import errors
from dcs_emulator.instances import spec_code
from dcs_emulator.routes.common import compact_time_param, emulator, int_param, str_param
from dcs_emulator.timeutil import iso, parse_iso

router = APIRouter()
BASE = "/v2/{project_id}"
STARTED = time.time()


def instance_view(instance: dict) -> dict:
    """The fields of ShowInstanceResponse / InstanceListInfo the emulator can answer truthfully."""
    max_memory = int(instance.get("max_memory", 1024))
    cache_mode = instance.get("type", "single")
    return {
        "instance_id": instance["id"], "name": instance["name"], "engine": "Redis",
        "engine_version": instance["engine_version"], "status": instance["status"], "ip": str(instance["ip"]),
        "port": int(instance["port"]), "domain_name": str(instance["ip"]), "max_memory": max_memory,
        "used_memory": int(instance.get("used_memory", 0)), "capacity": max(1, max_memory // 1024),
        "capacity_minor": "" if max_memory >= 1024 else str(max_memory / 1024.0),
        "spec_code": spec_code(instance), "charging_mode": 0,
        "no_password_access": "false" if instance.get("password") else "true", "access_user": "",
        "enable_ssl": bool(instance.get("enable_ssl")), "enable_publicip": False, "service_upgrade": False,
        "description": "", "created_at": iso(STARTED), "updated_at": iso(STARTED), "sub_status": "normal",
        "az_codes": [], "cache_mode": cache_mode, "db_number": 16, "replica_count": 1, "sharding_count": 0,
        "tags": [{"key": key, "value": value} for key, value in sorted((instance.get("tags") or {}).items())],
        **type_fields(instance, cache_mode),
    }


def type_fields(instance: dict, cache_mode: str) -> dict:
    """What differs by type (ShowInstanceResponse field texts): a Redis Cluster's ``ip`` lists one address per shard,
    comma-separated, and ``backend_addrs`` its shards' servers; ``readonly_domain_name`` is the standby of a
    master/standby instance; ``replica_count`` counts the master (spec codes' r2: master and replica)."""
    shards = int(instance.get("shards") or 1)
    # The servers' addresses come from the import engine (details_provider); without it, the configured one.
    masters = instance.get("masters") or [(str(instance["ip"]), int(instance["port"]))] * shards
    fields = {"replica_count": 1 if cache_mode == "single" else 2}
    if cache_mode in ("cluster", "proxy"):
        fields.update(sharding_count=shards, db_number=1,
                      backend_addrs=",".join("%s:%d" % address for address in masters))
    if cache_mode == "cluster":
        fields["ip"] = ",".join(host for host, _port in masters)
    if cache_mode == "ha" and instance.get("replicas"):
        fields["readonly_domain_name"] = instance["replicas"][0][0]
    return fields


def has_tags(instance: dict, query: Optional[str]) -> bool:
    """The list call's tags filter: key=value pairs separated by commas, all of which the instance must carry."""
    if not query:
        return True
    tags = instance.get("tags") or {}
    pairs = [pair.split("=", 1) + [""] for pair in query.split(",")]
    return all(pair[0] in tags and tags[pair[0]] == pair[1] for pair in pairs)


@router.get(BASE + "/instances")
def list_instances(project_id: str, request: Request):
    emu = emulator(request)
    offset = int_param(request, "offset", 0, 0)
    limit = int_param(request, "limit", 10, 1, 2000)
    wanted_id, name = str_param(request, "instance_id"), str_param(request, "name")
    name_equal, status = str_param(request, "name_equal"), str_param(request, "status")
    tags = str_param(request, "tags")
    selected = [i for i in emu.instances.list(project_id)
                if (wanted_id is None or i["id"] == wanted_id) and (name is None or name in i["name"])
                and (name_equal is None or i["name"] == name_equal) and (status is None or i["status"] == status)
                and has_tags(i, tags)]
    return {"instance_num": len(selected), "instances": [instance_view(i) for i in selected[offset:offset + limit]]}


@router.get(BASE + "/instances/{instance_id}")
def show_instance(project_id: str, instance_id: str, request: Request):
    instance = emulator(request).instances.get(instance_id, project_id)
    if instance is None:
        raise errors.instance_not_found(instance_id)
    return instance_view(instance)


def _backup_record(emu, instance: dict, backup: dict) -> dict:
    mtime = emu.buckets.mtime(backup["bucket"], backup["file"])
    created_ts = parse_iso(backup["created_at"]) if backup["created_at"] else (mtime or STARTED)
    size = emu.buckets.size(backup["bucket"], backup["file"])
    return {
        "backup_id": backup["id"], "period": "", "backup_name": backup["name"], "instance_id": instance["id"],
        "size": size or 0, "backup_type": "manual", "created_at": iso(created_ts), "updated_at": iso(created_ts),
        "progress": "100.00", "error_code": "", "remark": "", "status": "succeed" if size is not None else "failed",
        "is_support_restore": "TRUE" if size is not None else "FALSE", "backup_format": backup["backup_format"],
        "execution_at": iso(created_ts), "_ts": created_ts,
    }


@router.get(BASE + "/instances/{instance_id}/backups")
def list_backup_records(project_id: str, instance_id: str, request: Request):
    emu = emulator(request)
    instance = emu.instances.get(instance_id, project_id)
    if instance is None:
        raise errors.instance_not_found(instance_id)
    begin, end = compact_time_param(request, "begin_time"), compact_time_param(request, "end_time")
    offset = int_param(request, "offset", 0, 0)
    limit = int_param(request, "limit", 10, 1, 1000)
    records = [_backup_record(emu, instance, b) for b in instance["backups"]]
    records = [r for r in records if (begin is None or r["_ts"] >= begin) and (end is None or r["_ts"] <= end)]
    records.sort(key=lambda r: r["_ts"], reverse=True)
    for record in records:
        del record["_ts"]
    return {"total_num": len(records), "backup_record_response": records[offset:offset + limit]}
