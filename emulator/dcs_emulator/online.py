# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Online migration: the API's operations on it (``OnlineBackend``) and its work (``OnlineWork``).

The work is a real migration: the emulator connects to the source as a replica (``dcs_emulator.replication``),
loads the snapshot into the target with the import engine (``import_backup``: a managed target's own loader,
an external one through pipelined RESTOREs), then, for ``incremental_migration``, applies the replication stream
to the target until the task is stopped, acknowledging the offset every second.

A broken source connection: with ``resume_mode: auto`` the work reconnects (forever, until stopped) and asks
for a partial resync from the offset it applied (``PSYNC <replid> <offset+1>``); only when the source's backlog
no longer holds that offset does the source answer with a full resync, which is logged (WARN) and loads a new
snapshot. With ``manual`` the task fails, keeping its position: a restart resumes from it.

Passwords are kept in memory only (never stored): after an emulator restart a task whose source needs a
password fails with a message saying to configure it again.
"""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path
from typing import Optional

import redis

from dcs_emulator import errors
from dcs_emulator.importer.binaries import rdb_version_of
from dcs_emulator.importer.common import dump_rdb_version, keyspace
from dcs_emulator.importer.engine import ImportFailed, ImportStopped, import_backup, local_source
from dcs_emulator.importer.servers import ExternalServer, client_options
from dcs_emulator.importer.progress import Sampler
from dcs_emulator.models import INCRMIGRATING, TERMINATED, OnlineMigrationTask, each_task
from dcs_emulator.replication import (ACK_PERIOD, ReplicaLink, SourceGone, StreamApplier, SyncRefused, Throttle,
                                      parse_addr)
from dcs_emulator.runner import TaskFailed

INCREMENTAL = "incremental_migration"
RESUME_MODES = ("auto", "manual")
MAX_BATCH_RESTART = 50
SYNC_STOP_WAIT = 60.0
STATS_PERIOD = 1.0
RECONNECT_DELAYS = (1.0, 1.0, 2.0, 5.0)  # a Redis replica, too, tries again about every second


# the API's operations ----------------------------------------------------------------------------------------


class OnlineBackend:
    """create, configure, restart, resume-mode update and synchronous stop of online migrations; the shared
    calls (show, list, stats, logs, stop, delete) are ``TaskBackend``'s."""

    def __init__(self, tasks):
        self.tasks = tasks
        self.storage = tasks.storage
        self.runner = tasks.runner
        self._secrets = {}
        self._lock = threading.Lock()

    def secrets(self, task_id: str) -> dict:
        """{"source": password or None, "target": password or None}, or {} when unknown (emulator restarted)."""
        with self._lock:
            return dict(self._secrets.get(task_id, {}))

    def create(self, project_id: str, request: dict) -> OnlineMigrationTask:
        task = OnlineMigrationTask.new(project_id, request, time.time(), storage=self.storage)
        self.storage.insert_task(task.row)
        task.log("INFO", "Online migration task %s created; waiting for its configuration." % task.row["name"])
        return task

    def online_task(self, project_id: str, task_id: str) -> OnlineMigrationTask:
        task = self.tasks.get(project_id, task_id, allow_deleted=False)
        if not isinstance(task, OnlineMigrationTask):
            raise errors.operation_not_allowed("The task %s is not an online migration task." % task_id)
        return task

    def configure(self, project_id: str, task_id: str, config: dict, passwords: dict) -> OnlineMigrationTask:
        task = self.online_task(project_id, task_id)
        target_id = config["target_instance"].get("id")
        password_ok = True
        if target_id:
            password_ok = self.tasks.check_instance(project_id, target_id, passwords.get("target"))
        source_id = config["source_instance"].get("id")
        if source_id and self.tasks.instances.get(source_id, project_id) is None:
            raise errors.instance_not_found(source_id)
        with self._lock:
            previous = self._secrets.get(task_id)
            self._secrets[task_id] = dict(passwords)
        if not task.configure(config, password_ok, time.time()):
            with self._lock:
                self._restore_secrets(task_id, previous)
            raise errors.task_state_conflict("The task %s is %s; it can be configured while %s."
                                             % (task_id, task.status, " or ".join(task.CONFIGURABLE)))
        task.log("INFO", "Configured: %s from %s to %s, resume_mode %s%s." % (
            config["migration_method"], _endpoint(config["source_instance"]), _endpoint(config["target_instance"]),
            config["resume_mode"],
            ", bandwidth limit %s MB/s" % config["bandwidth_limit_mb"] if config.get("bandwidth_limit_mb") else ""))
        self.runner.submit(task.id)
        return task

    def _restore_secrets(self, task_id: str, previous: Optional[dict]) -> None:
        if previous is None:
            self._secrets.pop(task_id, None)
        else:
            self._secrets[task_id] = previous

    def batch_restart(self, project_id: str, task_ids: list) -> list:
        """(task ID, the ApiError or None) per ID."""
        if len(task_ids) > MAX_BATCH_RESTART:
            raise errors.invalid_field("migration_tasks")
        return each_task(task_ids, lambda task_id: self.restart(project_id, task_id))

    def restart(self, project_id: str, task_id: str) -> OnlineMigrationTask:
        task = self.online_task(project_id, task_id)
        if not task.config:
            raise errors.task_state_conflict("The task %s has not been configured yet." % task_id)
        if not task.restart(time.time()):
            raise errors.task_state_conflict("The task %s is %s; only a %s task can be restarted."
                                             % (task_id, task.status, " or ".join(task.RESTARTABLE)))
        task.log("INFO", "Restart requested: %s." % ("resuming from offset %d" % task.position[1]
                                                     if task.status == INCRMIGRATING else "full synchronisation"))
        self.runner.submit(task.id)
        return task

    def set_resume_mode(self, project_id: str, task_id: str, mode: str) -> None:
        task = self.online_task(project_id, task_id)
        task.set_resume_mode(mode, time.time())
        task.log("INFO", "resume_mode set to %s." % mode)

    def sync_stop(self, project_id: str, task_id: str) -> None:
        """Stop and answer once the task has stopped (TERMINATED)."""
        task = self.tasks.stop(project_id, task_id)
        deadline = time.monotonic() + SYNC_STOP_WAIT
        while task.status != TERMINATED and time.monotonic() < deadline:
            time.sleep(0.05)
            task.reload()
        if task.status != TERMINATED:
            raise errors.task_state_conflict("The task %s did not stop within %.0f s (status %s)."
                                             % (task_id, SYNC_STOP_WAIT, task.status))


def _endpoint(instance: dict) -> str:
    return "instance %s" % instance["id"] if instance.get("id") else instance.get("addrs", "")


# the work ------------------------------------------------------------------------------------------------


class OnlineWork:
    """The work of an online migration task (``Runner.set_work(work.run, kind=OnlineMigrationTask.KIND)``).

    ``server_of(instance) -> server`` gives the server of an emulator instance: the import engine's (managed
    servers) when it is loaded, else an ExternalServer at the instance's configured address.
    """

    def __init__(self, emulator):
        self.emulator = emulator
        self.server_of = None

    def run(self, task_row: dict, ctx) -> None:
        storage = self.emulator.storage
        task = OnlineMigrationTask(task_row, storage)
        secrets = self.emulator.online.secrets(task.id)
        config = task.config
        if not secrets and config.get("source_password_set"):
            raise TaskFailed("The emulator restarted since the task was configured and keeps passwords in memory "
                             "only: configure the task again.")
        if not task.row["password_ok"]:
            raise TaskFailed("Failed to authenticate to the target instance: invalid password.")
        source = self._source(config["source_instance"], secrets.get("source"), task.row["project_id"])
        target = self._target(config["target_instance"], secrets.get("target"), task.row["project_id"])
        workdir = Path(self.emulator.config.data_dir) / "online" / task.id
        try:
            _Migration(task, ctx, source, target, workdir).run()
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def _instance_server(self, instance_id: str, project_id: str, role: str):
        instance = self.emulator.instances.configured(instance_id)
        if instance is None or instance["project_id"] != project_id:
            raise TaskFailed("The %s instance %s does not exist." % (role, instance_id))
        if instance.get("type") == "cluster":  # one replication stream cannot feed or come from several shards
            raise TaskFailed("The %s instance %s is a Redis Cluster: the emulator migrates online only between "
                             "single-address instances." % (role, instance_id))
        if self.server_of is not None:
            return self.server_of(instance)
        spec = instance.get("redis") or {}
        return ExternalServer(spec.get("host", "127.0.0.1"), int(spec.get("port", 6379)),
                              password=spec.get("password", instance.get("password")))

    def _source(self, spec: dict, password: Optional[str], project_id: str) -> tuple:
        """(host, port, password) of the source."""
        if spec.get("id"):
            server = self._instance_server(spec["id"], project_id, "source")
            return server.host, server.port, password if password is not None else server.password
        addrs = [a for a in spec["addrs"].split(",") if a.strip()]
        if len(addrs) != 1:
            raise TaskFailed("The source has %d addresses (%s): the emulator migrates from one source node."
                             % (len(addrs), spec["addrs"]))
        try:
            host, port = parse_addr(addrs[0])
        except ValueError:
            raise TaskFailed("The source address %s is not host:port." % addrs[0]) from None
        return host, port, password

    def _target(self, spec: dict, password: Optional[str], project_id: str):
        if spec.get("id"):
            return self._instance_server(spec["id"], project_id, "target")
        try:
            host, port = parse_addr(spec["addrs"].split(",")[0])
        except ValueError:
            raise TaskFailed("The target address %s is not host:port." % spec["addrs"]) from None
        return ExternalServer(host, port, password=password)


class _Migration:
    """One run of an online migration task's work."""

    def __init__(self, task: OnlineMigrationTask, ctx, source: tuple, target, workdir: Path):
        self.task = task
        self.ctx = ctx
        self.host, self.port, self.password = source
        self.target = target
        self.workdir = workdir
        self.incremental = task.config["migration_method"] == INCREMENTAL
        limit = task.config.get("bandwidth_limit_mb")
        self.throttle = Throttle(float(limit) if limit else None)
        self.position = task.position if task.status == INCRMIGRATING else None
        self.db = task.position_db if self.position else 0
        self.last_sample = {"t": time.monotonic(), "bytes": 0, "commands": 0}

    @property
    def where(self) -> str:
        return "%s:%d" % (self.host, self.port)

    def run(self) -> None:
        self._check_versions()
        link = self._connect(first=True)
        while True:
            try:
                self._replicate(link)
                return
            except SyncRefused as exc:
                raise TaskFailed(str(exc)) from None
            except SourceGone as exc:
                link.close()
                if self.ctx.should_stop():
                    return
                link = self._reconnect(str(exc))
                if link is None:
                    return

    # connecting -------------------------------------------------------------------------------------------

    def _source_client(self) -> redis.Redis:
        return redis.Redis(host=self.host, port=self.port, password=self.password or None,
                           **client_options({"socket_timeout": 10, "socket_connect_timeout": 10}))

    def _check_versions(self) -> None:
        """Reachability, password and versions, with the source's own words: before any replication."""
        client = self._source_client()
        try:
            info = client.info("server")
        except redis.AuthenticationError as exc:
            raise TaskFailed("The source %s refused the password (%s)." % (self.where, str(exc).rstrip("."))) from None
        except redis.ConnectionError as exc:
            raise TaskFailed("Cannot connect to the source %s: %s." % (self.where, str(exc).rstrip("."))) from None
        except redis.ResponseError as exc:
            raise TaskFailed("The source %s refused INFO (%s)." % (self.where, exc)) from None
        finally:
            client.close()
        flavor = "valkey" if info.get("valkey_version") else "redis"
        version = str(info.get("valkey_version") or info.get("redis_version"))
        source_rdb = rdb_version_of(flavor, tuple(int(part) for part in version.split(".")[:3]))
        target_rdb, target_label = self._target_version()
        self.ctx.log("INFO", "Source %s is %s %s (RDB version %d); target %s (RDB version %s)."
                     % (self.where, flavor, version, source_rdb, target_label, target_rdb))
        if target_rdb is not None and source_rdb > target_rdb:
            raise TaskFailed("The source %s (%s %s, RDB version %d) is newer than the target (%s, RDB version %d): "
                             "the target's Redis version must be at least the source's."
                             % (self.where, flavor, version, source_rdb, target_label, target_rdb))

    def _target_version(self) -> tuple:
        binary = getattr(self.target, "binary", None)
        if binary is not None:
            return binary.rdb_version, binary.label
        client = self.target.client(socket_timeout=10, socket_connect_timeout=10)
        try:
            return dump_rdb_version(client), "%s:%s" % (self.target.host, self.target.port)
        finally:
            client.close()

    def _connect(self, first: bool) -> ReplicaLink:
        """A link that passed the handshake. A source that cannot be reached fails a first connection, and is
        tried again (SourceGone) on a reconnection; a refusal (password, REPLCONF) always fails the task."""
        link = ReplicaLink(self.host, self.port, self.password)
        try:
            link.connect()
            link.handshake()
            return link
        except SyncRefused as exc:
            link.close()
            if first or link.sock is not None:
                raise TaskFailed(str(exc)) from None
            raise SourceGone(str(exc)) from None
        except SourceGone as exc:
            link.close()
            if first:
                raise TaskFailed(str(exc)) from None
            raise

    def _reconnect(self, why: str) -> Optional[ReplicaLink]:
        offset = self.position[1] if self.position else None
        if self.task_resume_mode() != "auto":
            self._save_position()
            raise TaskFailed("%s resume_mode is manual: the migration stopped at offset %s; restart the task to "
                             "resume it." % (why, offset if offset is not None else "-"))
        self.ctx.log("WARN", "%s resume_mode auto: reconnecting for a partial resync from offset %s."
                     % (why, offset if offset is not None else "-"))
        attempt = 0
        while not self.ctx.should_stop():
            if self.ctx.sleep(RECONNECT_DELAYS[min(attempt, len(RECONNECT_DELAYS) - 1)]):
                return None
            attempt += 1
            try:
                return self._connect(first=False)
            except SourceGone as exc:
                if attempt == 1 or attempt % 10 == 0:
                    self.ctx.log("WARN", "Reconnection attempt %d failed: %s" % (attempt, exc))
        return None

    def task_resume_mode(self) -> str:
        self.task.reload()
        return self.task.config.get("resume_mode", "auto")

    # replicating -------------------------------------------------------------------------------------------

    def _replicate(self, link: ReplicaLink) -> None:
        if self.position is not None:
            answer = link.psync(self.position[0], self.position[1] + 1)
        else:
            answer = link.psync()
        applied = {"offset": self.position[1] if self.position else 0}
        # REPLCONF ACK about every second, from its own thread: the source drops a replica that stays silent for
        # repl-timeout, also while the replica is busy loading the snapshot.
        with Sampler(lambda: link.ack(applied["offset"]), interval=ACK_PERIOD):
            if answer[0] == "continue":
                repl_id = answer[1] or self.position[0]
                self.ctx.log("INFO", "Partial resync accepted by the source: continuing from offset %d "
                             "(no full resync)." % self.position[1])
                self.position = (repl_id, self.position[1])
            else:
                _full, repl_id, offset = answer
                if self.position is not None:
                    self.ctx.log("WARN", "The source's backlog no longer holds offset %d: full resync (replication ID "
                                 "%s, offset %d). Keys deleted on the source meanwhile may remain in the target."
                                 % (self.position[1], repl_id, offset))
                    self.task.enter("resync", time.time())
                self._full_sync(link, repl_id, offset)
                applied["offset"] = offset
                self.position = (repl_id, offset)
                self.db = 0
                if not self.incremental:
                    link.close()
                    return
                if self.ctx.should_stop():
                    return
                self.task.enter("steady", time.time())
                self.ctx.log("INFO", "Full synchronisation done; applying the replication stream from offset %d."
                             % offset)
            self._stream(link, applied)

    def _full_sync(self, link: ReplicaLink, repl_id: str, offset: int) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        rdb = self.workdir / "snapshot.rdb"
        self.ctx.log("INFO", "Full resync: replication ID %s, offset %d; receiving the snapshot." % (repl_id, offset))
        self.ctx.progress(full_migration_progress="0.00")
        started = time.monotonic()
        received = {"bytes": 0}

        def limit(total: int) -> None:  # bandwidth_limit_mb holds for the snapshot too
            self.throttle.spend(total - received["bytes"])
            received["bytes"] = total

        size = link.receive_snapshot(rdb, progress=limit, should_stop=self.ctx.should_stop)
        seconds = time.monotonic() - started
        seconds = max(seconds, 1e-6)
        self.ctx.log("INFO", "Snapshot received: %d bytes in %.2f s (%.1f MB/s)." % (size, seconds, size / 1e6 / seconds))
        self.ctx.progress(full_migration_progress="50.00", target_input_kbps="%.1f" % (size / 1024.0 / seconds))
        try:
            summary = import_backup(self.target, [local_source(rdb)], self.workdir / "load", log=self.ctx.log,
                                    progress=self._load_progress, should_stop=self.ctx.should_stop, log_failure=False)
        except ImportFailed as exc:
            raise TaskFailed(str(exc)) from None
        except ImportStopped:
            raise SourceGone("Stopped during the snapshot load.") from None
        finally:
            rdb.unlink(missing_ok=True)
        self.ctx.progress(full_migration_progress="100.00", source_dbsize=summary["source_dbsize"],
                          target_dbsize=summary["target_dbsize"])

    def _load_progress(self, **values) -> None:
        if "full_migration_progress" in values:
            values["full_migration_progress"] = "%.2f" % (50 + float(values["full_migration_progress"]) / 2)
        self.ctx.progress(**values)

    def _stream(self, link: ReplicaLink, applied: dict) -> None:
        try:
            applier = StreamApplier(self.target.host, self.target.port, self.target.password, self.position[1], self.db)
        except (OSError, redis.RedisError) as exc:
            raise TaskFailed("Cannot apply the replication stream to the target: %s." % exc) from None
        try:
            while not self.ctx.should_stop():
                try:
                    commands, sizes, raw = link.commands(wait=0.2)
                    applier.apply(commands, sizes, raw, link)
                except redis.RedisError as exc:
                    raise TaskFailed("The target stopped accepting the replication stream: %s." % exc) from None
                finally:
                    self.throttle.spend(applier.offset - applied["offset"])
                    applied["offset"] = applier.offset
                    self.position = (self.position[0], applier.offset)
                    self.db = applier.db
                self._sample(applier)
        finally:
            self._report_errors(applier)
            applier.close()
            self._save_position()
        link.close()

    def _report_errors(self, applier: StreamApplier) -> None:
        if applier.errors:
            self.ctx.log("WARN", "The target refused %d command(s) of the stream; the last said: %s"
                         % (applier.errors, applier.last_error))

    def _sample(self, applier: StreamApplier) -> None:
        """About every second: the lag (source offset - applied offset) and the rates, for the stats call."""
        now = time.monotonic()
        elapsed = now - self.last_sample["t"]
        if elapsed < STATS_PERIOD:
            return
        client = self._source_client()
        try:
            source_offset = int(client.info("replication").get("master_repl_offset", applier.offset))
            source_keys = sum(keyspace(client).values())
        except redis.RedisError:
            source_offset, source_keys = applier.offset, None
        finally:
            client.close()
        target = self.target.client(socket_timeout=5)
        try:
            target_keys = sum(keyspace(target).values())
        except redis.RedisError:
            target_keys = None
        finally:
            target.close()
        self.ctx.progress(offset=max(0, source_offset - applier.offset), source_dbsize=source_keys,
                          target_dbsize=target_keys,
                          target_input_kbps="%.1f" % ((applier.bytes - self.last_sample["bytes"]) / 1024.0 / elapsed),
                          target_ops="%.0f" % ((applier.commands - self.last_sample["commands"]) / elapsed))
        self.last_sample = {"t": now, "bytes": applier.bytes, "commands": applier.commands}
        self._save_position()

    def _save_position(self) -> None:
        if self.position is not None:
            self.task.save_position(self.position[0], self.position[1], self.db)
