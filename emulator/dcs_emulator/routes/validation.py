# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation of the create-migration-task body, answering DCS.4800 naming the field as the service does.

Returns a normalised copy of the body WITHOUT passwords (the only thing ever stored or echoed).
"""

from __future__ import annotations

import re

from dcs_emulator import errors

# The console's rule for migration task names: 4-64 characters, a letter first, then letters, digits, - and _.
TASK_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{3,63}$")
MIGRATION_TYPES = ("backupfile_import", "online_migration")
MIGRATION_METHODS = ("full_amount_migration", "incremental_migration")
FILE_SOURCES = ("self_build_obs", "backup_record")
MAX_FILES = 100


def _optional_str(data: dict, key: str, field: str, max_len: int = 1024):
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > max_len:
        raise errors.invalid_field(field)
    return value


def _required_str(data: dict, key: str, field: str, max_len: int = 1024) -> str:
    value = _optional_str(data, key, field, max_len)
    if not value or not value.strip():
        raise errors.invalid_field(field)
    return value


def _object(data: dict, key: str, field: str, required: bool) -> dict:
    value = data.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise errors.invalid_field(field)
    return value


def _files(backup: dict) -> list:
    files = backup.get("files")
    if not isinstance(files, list) or not files or len(files) > MAX_FILES:
        raise errors.invalid_field("backup_files.files")
    result = []
    for index, item in enumerate(files):
        where = "backup_files.files[%d]" % index
        if not isinstance(item, dict):
            raise errors.invalid_field(where)
        name = _required_str(item, "file_name", where + ".file_name", 1024)
        if "\x00" in name:
            raise errors.invalid_field(where + ".file_name")
        entry = {"file_name": name}
        for key in ("size", "update_at"):
            value = _optional_str(item, key, "%s.%s" % (where, key), 64)
            if value is not None:
                entry[key] = value
        result.append(entry)
    return result


def _backup_files(body: dict) -> dict:
    backup = _object(body, "backup_files", "backup_files", required=True)
    source = backup.get("file_source") or "self_build_obs"
    if source not in FILE_SOURCES:
        raise errors.invalid_field("backup_files.file_source")
    if source == "backup_record":
        return {"file_source": source, "backup_id": _required_str(backup, "backup_id", "backup_files.backup_id", 64)}
    return {"file_source": source,
            "bucket_name": _required_str(backup, "bucket_name", "backup_files.bucket_name", 63),
            "files": _files(backup)}


def _redis_fields(data: dict, where: str, result: dict) -> dict:
    """The optional fields of TargetInstanceBody / SourceInstanceBody, kept (all but the password) in ``result``."""
    for key in ("name", "db", "addrs", "ip", "port", "task_status"):
        value = _optional_str(data, key, "%s.%s" % (where, key), 255)
        if value is not None:
            result[key] = value
    password = data.get("password")
    if password is not None and not isinstance(password, str):
        raise errors.invalid_field(where + ".password")
    multi_db = data.get("proxy_multi_db")
    if multi_db is not None:
        if not isinstance(multi_db, bool):
            raise errors.invalid_field(where + ".proxy_multi_db")
        result["proxy_multi_db"] = multi_db
    return result


def _target(body: dict) -> dict:
    target = _object(body, "target_instance", "target_instance", required=True)
    return _redis_fields(target, "target_instance", {"id": _required_str(target, "id", "target_instance.id", 64)})


def _online_fields(body: dict) -> dict:
    """``network_type`` and ``source_instance``: online-migration fields, kept as sent (passwords removed)."""
    result = {}
    network_type = _optional_str(body, "network_type", "network_type", 64)
    if network_type is not None:
        result["network_type"] = network_type
    if body.get("source_instance") is not None:
        source = _object(body, "source_instance", "source_instance", required=True)
        result["source_instance"] = _redis_fields(source, "source_instance", {})
        source_id = _optional_str(source, "id", "source_instance.id", 64)
        if source_id is not None:
            result["source_instance"]["id"] = source_id
    return result


def create_body(body: dict) -> tuple:
    """(normalised body without passwords, the target password or None)."""
    name = body.get("task_name")
    if not isinstance(name, str) or not TASK_NAME_RE.match(name):
        raise errors.invalid_field("task_name")
    description = _optional_str(body, "description", "description", 1024) or ""
    if body.get("migration_type") not in MIGRATION_TYPES:
        raise errors.invalid_field("migration_type")
    if body["migration_type"] == "online_migration":
        # Online migrations have their own API now (CreateOnlineMigrationTask); this call refuses them.
        raise errors.invalid_field("migration_type")
    if body.get("migration_method") not in MIGRATION_METHODS:
        raise errors.invalid_field("migration_method")
    normalised = {
        "task_name": name,
        "description": description,
        "migration_type": body["migration_type"],
        "migration_method": body["migration_method"],
        "backup_files": _backup_files(body),
        "target_instance": _target(body),
    }
    normalised.update(_online_fields(body))
    password = (body.get("target_instance") or {}).get("password")
    return normalised, password
