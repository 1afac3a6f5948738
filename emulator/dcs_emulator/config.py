# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator's YAML configuration: loading, defaults, and the Config the emulator runs with.

The schema (config_schema.py) validates the file; every problem is reported on a line of its own that names
the key path (``instances[0].pasword: unknown key``). Relative paths (``data_dir``, bucket ``path``) are
resolved against the directory of the config file. Secrets (``secret_key``, instance ``password``) are kept in memory only and never written to logs.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import yaml

from dcs_emulator import config_schema as schema
from dcs_emulator import fidelity as fidelity_mod
from dcs_emulator.config_schema import ConfigError  # noqa: F401  # re-exported


# Shards of a cluster or proxy instance when the config names none (the smallest DCS cluster has 3).
DEFAULT_SHARDS = 3


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
    fidelity: fidelity_mod.Fidelity = field(default_factory=fidelity_mod.Fidelity)

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


def _account(model: schema.Account) -> Account:
    return Account(access_key=model.access_key, secret_key=model.secret_key,
                   projects=[{"id": p.id, "name": p.name} for p in model.projects])


def _bucket(model: schema.Bucket, base_dir: Path) -> dict:
    if model.s3 is not None:
        # The S3 kind is served by the import engine.
        return {"s3": model.s3.model_dump(exclude_none=True)}
    path = Path(model.path).expanduser()
    return {"path": path if path.is_absolute() else (base_dir / path)}


def _backup(model: schema.Backup) -> dict:
    backup_id = model.id or str(uuid.uuid5(uuid.NAMESPACE_URL, "%s/%s" % (model.bucket, model.file)))
    return {"id": backup_id, "name": model.name or model.file, "bucket": model.bucket, "file": model.file,
            "created_at": model.created_at,
            "backup_format": model.backup_format or ("aof" if model.file.endswith(".aof") else "rdb")}


def _instance(model: schema.Instance) -> dict:
    redis = model.redis.model_dump(exclude_none=True) if model.redis is not None else {}
    return {
        "id": model.id,
        "name": model.name,
        "project_id": model.project_id,
        "password": model.password,
        "engine_version": model.engine_version,
        "status": model.status,
        "max_memory": model.max_memory,
        "type": model.type,
        "shards": model.shards or (DEFAULT_SHARDS if model.type in schema.SHARDED_TYPES else 1),
        "enable_ssl": model.enable_ssl,
        "tags": dict(model.tags),
        "redis": redis or {"managed": True},
        "backups": [_backup(b) for b in model.backups],
    }


def parse(raw: Any, base_dir: Path) -> Config:
    """Validate a loaded YAML document and return a Config; raises ConfigError naming each bad key."""
    model = schema.validate(raw)
    data_dir = Path(model.data_dir).expanduser()
    data_dir = data_dir if data_dir.is_absolute() else base_dir / data_dir
    if data_dir.exists() and not data_dir.is_dir():
        raise ConfigError("data_dir: %s is not a directory" % data_dir)
    return Config(
        data_dir=data_dir,
        region=model.region,
        accounts=[_account(a) for a in model.accounts],
        buckets={name: _bucket(bucket, base_dir) for name, bucket in model.buckets.items()},
        instances=[_instance(i) for i in model.instances],
        admin_enabled=model.admin.enabled,
        min_duration_seconds=float(model.tasks.min_duration_seconds),
        workers=model.tasks.workers,
        on_restart=model.tasks.on_restart,
        importer=model.importer.model_dump(exclude_none=True),
        base_dir=base_dir,
        fidelity=fidelity_mod.resolve(**model.fidelity.model_dump()),
    )


class _UniqueKeyLoader(yaml.SafeLoader):  # pylint: disable=too-many-ancestors
    """SafeLoader that refuses a key given twice in one mapping (PyYAML keeps the last one silently)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, (str, int, float, bool)):
                continue  # an unhashable key: SafeLoader itself reports it
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, "the key %s is given twice" % key,
                                                        key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load(path: str) -> Config:
    """Read and validate the YAML file at ``path``."""
    config_path = Path(path).expanduser().resolve()
    try:
        with open(config_path, encoding="utf-8") as handle:
            raw = yaml.load(handle, Loader=_UniqueKeyLoader)  # nosec B506 - a SafeLoader
    except OSError as exc:
        raise ConfigError("cannot read config file %s: %s" % (config_path, exc.strerror)) from None
    except yaml.YAMLError as exc:
        raise ConfigError("config file %s is not valid YAML%s" % (config_path, _yaml_where(exc))) from None
    return parse(raw, config_path.parent)


def _yaml_where(exc: yaml.YAMLError) -> str:
    """One line: where the parser stopped and why (PyYAML's own text spans several lines)."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None)
    if mark is None:
        return ""
    return " at line %d, column %d%s" % (mark.line + 1, mark.column + 1, ": %s" % problem if problem else "")


def with_overrides(config: Config, data_dir: Optional[str] = None, admin: Optional[bool] = None) -> Config:
    """Apply command-line overrides (relative --data-dir is relative to the working directory)."""
    if data_dir:
        config.data_dir = Path(os.path.abspath(os.path.expanduser(data_dir)))
    if admin:
        config.admin_enabled = True
    return config
