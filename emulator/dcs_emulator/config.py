# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator's YAML configuration: loading, defaults and validation with messages that name the key.

Relative paths (``data_dir``, bucket ``path``) are resolved against the directory of the config file.
Secrets (``secret_key``, instance ``password``) are kept in memory only and never written to logs.
"""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import yaml

INSTANCE_STATUSES = ("CREATING", "CREATEFAILED", "RUNNING", "ERROR", "RESTARTING", "FROZEN", "EXTENDING",
                     "RESTORING", "FLUSHING")
TOP_LEVEL_KEYS = ("data_dir", "region", "accounts", "buckets", "instances", "admin", "tasks", "importer")
PROJECT_ID_RE = re.compile(r"^[0-9a-f]{32}$")


class ConfigError(ValueError):
    """A config file problem; the message names the offending key."""


@dataclass
class Account:
    access_key: str
    secret_key: str = field(repr=False)
    projects: list  # [{"id": ..., "name": ...}]

    def owns(self, project_id: str) -> bool:
        return any(p["id"] == project_id for p in self.projects)


@dataclass
class Config:
    data_dir: Path
    region: str
    accounts: list
    buckets: dict  # name -> {"path": Path} or {"s3": {...}}
    instances: list  # dicts, see _instance()
    admin_enabled: bool = False
    min_duration_seconds: float = 0.0
    workers: int = 8
    on_restart: str = "resume"
    importer: dict = field(default_factory=dict)
    base_dir: Path = field(default_factory=Path.cwd)

    def account(self, access_key: str) -> Optional[Account]:
        for account in self.accounts:
            if account.access_key == access_key:
                return account
        return None

    def projects(self) -> list:
        seen = {}
        for account in self.accounts:
            for project in account.projects:
                seen[project["id"]] = project
        return list(seen.values())


def _require(mapping: dict, key: str, where: str) -> Any:
    if key not in mapping or mapping[key] is None:
        raise ConfigError("%s.%s is required" % (where, key) if where else "%s is required" % key)
    return mapping[key]


def _string(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError("%s must be a non-empty string" % where)
    return value


def _mapping(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise ConfigError("%s must be a mapping" % where)
    return value


def _list(value: Any, where: str) -> list:
    if not isinstance(value, list):
        raise ConfigError("%s must be a list" % where)
    return value


def _number(value: Any, where: str, minimum: float = 0) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
        raise ConfigError("%s must be a number >= %s" % (where, minimum))
    return float(value)


def _account(raw: Any, where: str) -> Account:
    raw = _mapping(raw, where)
    projects = []
    for index, project in enumerate(_list(_require(raw, "projects", where), where + ".projects")):
        pwhere = "%s.projects[%d]" % (where, index)
        project = _mapping(project, pwhere)
        project_id = _string(_require(project, "id", pwhere), pwhere + ".id")
        if not PROJECT_ID_RE.match(project_id):
            raise ConfigError("%s.id must be 32 lowercase hex characters" % pwhere)
        projects.append({"id": project_id, "name": _string(_require(project, "name", pwhere), pwhere + ".name")})
    if not projects:
        raise ConfigError("%s.projects must list at least one project" % where)
    return Account(access_key=_string(_require(raw, "access_key", where), where + ".access_key"),
                   secret_key=_string(_require(raw, "secret_key", where), where + ".secret_key"),
                   projects=projects)


def _bucket(name: str, raw: Any, base_dir: Path) -> dict:
    where = "buckets.%s" % name
    raw = _mapping(raw, where)
    if "s3" in raw:
        # The S3 kind is validated by the import engine that serves it.
        return {"s3": _mapping(raw["s3"], where + ".s3")}
    path = Path(_string(_require(raw, "path", where), where + ".path")).expanduser()
    return {"path": path if path.is_absolute() else (base_dir / path)}


def _backup(raw: Any, where: str, buckets: dict) -> dict:
    raw = _mapping(raw, where)
    bucket = _string(_require(raw, "bucket", where), where + ".bucket")
    if bucket not in buckets:
        raise ConfigError("%s.bucket names an unknown bucket %r" % (where, bucket))
    file_name = _string(_require(raw, "file", where), where + ".file")
    backup_id = str(raw.get("id") or uuid.uuid5(uuid.NAMESPACE_URL, "%s/%s" % (bucket, file_name)))
    return {"id": backup_id, "name": str(raw.get("name") or file_name), "bucket": bucket, "file": file_name,
            "created_at": str(raw["created_at"]) if raw.get("created_at") else None,
            "backup_format": str(raw.get("backup_format") or ("aof" if file_name.endswith(".aof") else "rdb"))}


def _instance(raw: Any, where: str, project_ids: set, buckets: dict) -> dict:
    raw = _mapping(raw, where)
    instance_id = _string(_require(raw, "id", where), where + ".id")
    try:
        uuid.UUID(instance_id)
    except ValueError:
        raise ConfigError("%s.id must be a UUID" % where) from None
    project_id = _string(_require(raw, "project_id", where), where + ".project_id")
    if project_id not in project_ids:
        raise ConfigError("%s.project_id %s belongs to no configured account" % (where, project_id))
    status = str(raw.get("status", "RUNNING"))
    if status not in INSTANCE_STATUSES:
        raise ConfigError("%s.status must be one of %s" % (where, ", ".join(INSTANCE_STATUSES)))
    password = raw.get("password")
    if password is not None and not isinstance(password, str):
        raise ConfigError("%s.password must be a string" % where)
    redis = _mapping(raw.get("redis") or {"managed": True}, where + ".redis")
    if "port" in redis and (isinstance(redis["port"], bool) or not isinstance(redis["port"], int)):
        raise ConfigError("%s.redis.port must be an integer" % where)
    backups = [_backup(b, "%s.backups[%d]" % (where, i), buckets)
               for i, b in enumerate(_list(raw.get("backups") or [], where + ".backups"))]
    return {
        "id": instance_id,
        "name": _string(_require(raw, "name", where), where + ".name"),
        "project_id": project_id,
        "password": password,
        "engine_version": str(raw.get("engine_version", "7.0")),
        "status": status,
        "max_memory": int(raw.get("max_memory", 1024)),
        "redis": redis,
        "backups": backups,
    }


def parse(raw: Any, base_dir: Path) -> Config:
    """Validate a loaded YAML document and return a Config; raises ConfigError naming the key."""
    raw = _mapping(raw, "the config file")
    unknown = sorted(set(raw) - set(TOP_LEVEL_KEYS))
    if unknown:
        raise ConfigError("unknown top-level key(s) %s; allowed: %s" % (", ".join(unknown), ", ".join(TOP_LEVEL_KEYS)))
    accounts = [_account(a, "accounts[%d]" % i) for i, a in enumerate(_list(_require(raw, "accounts", ""), "accounts"))]
    if not accounts:
        raise ConfigError("accounts must list at least one access key")
    keys = [a.access_key for a in accounts]
    if len(set(keys)) != len(keys):
        raise ConfigError("accounts: an access_key is listed twice")
    buckets = {str(n): _bucket(str(n), b, base_dir) for n, b in _mapping(raw.get("buckets") or {}, "buckets").items()}
    project_ids = {p["id"] for a in accounts for p in a.projects}
    instances = [_instance(r, "instances[%d]" % i, project_ids, buckets)
                 for i, r in enumerate(_list(raw.get("instances") or [], "instances"))]
    ids = [i["id"] for i in instances]
    if len(set(ids)) != len(ids):
        raise ConfigError("instances: an id is listed twice")
    admin = _mapping(raw.get("admin") or {}, "admin")
    tasks = _mapping(raw.get("tasks") or {}, "tasks")
    on_restart = str(tasks.get("on_restart", "resume"))
    if on_restart not in ("resume", "fail"):
        raise ConfigError("tasks.on_restart must be resume or fail")
    data_dir = Path(str(raw.get("data_dir") or "./emulator-data")).expanduser()
    return Config(
        data_dir=data_dir if data_dir.is_absolute() else base_dir / data_dir,
        region=_string(raw.get("region", "cn-north-4"), "region"),
        accounts=accounts,
        buckets=buckets,
        instances=instances,
        admin_enabled=bool(admin.get("enabled", False)),
        min_duration_seconds=_number(tasks.get("min_duration_seconds", 0), "tasks.min_duration_seconds"),
        workers=int(_number(tasks.get("workers", 8), "tasks.workers", 1)),
        on_restart=on_restart,
        importer=_mapping(raw.get("importer") or {}, "importer"),
        base_dir=base_dir,
    )


def load(path: str) -> Config:
    """Read and validate the YAML file at ``path``."""
    config_path = Path(path).expanduser().resolve()
    try:
        with open(config_path, encoding="utf-8") as handle:
            raw = yaml.safe_load(handle)
    except OSError as exc:
        raise ConfigError("cannot read config file %s: %s" % (config_path, exc.strerror)) from None
    except yaml.YAMLError as exc:
        raise ConfigError("config file %s is not valid YAML: %s" % (config_path, exc)) from None
    return parse(raw, config_path.parent)


def with_overrides(config: Config, data_dir: Optional[str] = None, admin: Optional[bool] = None) -> Config:
    """Apply command-line overrides (relative --data-dir is relative to the working directory)."""
    if data_dir:
        config.data_dir = Path(os.path.abspath(os.path.expanduser(data_dir)))
    if admin:
        config.admin_enabled = True
    return config
