# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The configured DCS instances and their current status.

Status resolution, first answer wins:
1. a status set through the admin API (``POST /_emulator/instances/{id}/status``; persists across restarts);
2. ``status_provider(instance) -> str | None`` if one is installed (the import engine makes the status
   follow the real Redis server this way);
3. the status from the config file.

``details_provider(instance) -> dict | None`` may add live fields to the instance views
(``ip``, ``port``, ``used_memory``, ``max_memory``).
"""

from __future__ import annotations

import copy
from typing import Callable, Optional

from dcs_emulator.config import Config
from dcs_emulator.storage import Storage

StatusProvider = Callable[[dict], Optional[str]]
DetailsProvider = Callable[[dict], Optional[dict]]


# Specification codes by type (DCS product specifications; x86, 2 replicas, 2 proxies), {capacity in GB}.
SPEC_CODES = {"single": "redis.single.xu1.large.%d", "ha": "redis.ha.xu1.large.r2.%d",
              "cluster": "redis.cluster.xu1.large.r2.%d", "proxy": "redis.proxy.xu1.large.%d",
              "ha_rw_split": "redis.ha.xu1.large.p2.%d"}


def spec_code(instance: dict) -> str:
    """The flavour name the emulator gives an instance of its ``type`` and ``max_memory`` (MB)."""
    capacity_gb = max(1, int(instance.get("max_memory", 1024)) // 1024)
    return SPEC_CODES[instance.get("type", "single")] % capacity_gb


class InstanceRegistry:
    """Read access to configured instances, with status resolution and hooks."""

    def __init__(self, config: Config, storage: Storage):
        self._by_id = {i["id"]: i for i in config.instances}
        self._storage = storage
        self.status_provider: Optional[StatusProvider] = None
        self.details_provider: Optional[DetailsProvider] = None
        storage.sync_instances({i["id"]: i["status"] for i in config.instances})

    def configured(self, instance_id: str) -> Optional[dict]:
        """The instance's config (including its password: for the engine only, never for a response)."""
        return self._by_id.get(instance_id)

    def status(self, instance: dict) -> str:
        override = self._storage.instance_override(instance["id"])
        if override:
            return override
        if self.status_provider is not None:
            live = self.status_provider(instance)
            if live:
                return live
        return instance["status"]

    def get(self, instance_id: str, project_id: Optional[str] = None) -> Optional[dict]:
        """A copy of the instance with ``status`` resolved and live details merged, or None."""
        instance = self._by_id.get(instance_id)
        if instance is None or (project_id is not None and instance["project_id"] != project_id):
            return None
        view = copy.deepcopy(instance)
        view["status"] = self.status(instance)
        view["ip"] = instance["redis"].get("host", "127.0.0.1")
        view["port"] = instance["redis"].get("port", 6379)
        view["used_memory"] = 0
        if self.details_provider is not None:
            view.update(self.details_provider(instance) or {})
        return view

    def list(self, project_id: str) -> list:
        return [self.get(i) for i in self._by_id if self._by_id[i]["project_id"] == project_id]

    def all(self) -> list:
        return [copy.deepcopy(i) for i in self._by_id.values()]

    def set_override(self, instance_id: str, status: Optional[str]) -> None:
        self._storage.set_instance_override(instance_id, status)

    def find_backup(self, project_id: str, backup_id: str) -> Optional[dict]:
        """A configured backup record of any instance in the project."""
        for instance in self._by_id.values():
            if instance["project_id"] != project_id:
                continue
            for backup in instance["backups"]:
                if backup["id"] == backup_id:
                    return dict(backup, instance_id=instance["id"])
        return None
