# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The import: download, check, load, copy, done -- with the service's semantics.

Semantics (DCS "backup import", full_amount_migration): keys in both the backup and the target take the
backup's value and TTL; keys only in the target stay; databases keep their numbers; files apply in order.

Three paths, chosen by the target (``reload.py``, ``migrate.py`` and ``cluster.py``):

* managed target (a server the emulator runs): the target's own loader takes each file directly with
  ``DEBUG RELOAD MERGE NOFLUSH NOSAVE`` (duplicates replaced by the loaded value).  Before the first file the
  target is snapshotted with SAVE; if anything fails (corrupt or truncated file, the server dying, a stop
  request) the server is restarted from that snapshot, so the task is all-or-nothing: the target keeps exactly
  what it had at the start of the import (writes made by other clients during the import are lost too).
  AOF files are first loaded by a staging server of the same binary and saved as RDB.
* master/standby target (topology.py): the reload path on the master, the standby loading the same files at the
  same time (the load bypasses the replication stream); after a failure, or when the two disagree, the standby
  takes a full copy of the master through replication.
* Redis Cluster target: keys routed to the shard that owns their slot, each shard all-or-nothing (cluster.py).
* external target (an address): an RDB file is read by a streaming reader and its keys are sent as pipelined
  ``RESTORE ... REPLACE ABSTTL`` (``restore.py``, ``rdb_stream.py``; functions with FUNCTION LOAD REPLACE);
  what the reader does not read (AOF files, module types, ...) is loaded by a staging server with its own
  loader, then moved with ``MIGRATE COPY REPLACE`` batches through a local relay (``migrate.py``,
  ``relay.py``).  Each key arrives whole (RESTORE is atomic), so a failure leaves the target's own
  keys plus whole keys of the backup copied so far, never a half-written key; its message says which.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path
from typing import Callable, Optional

import redis

from dcs_emulator.importer import formats
from dcs_emulator.importer.binaries import ServerBinary
from dcs_emulator.importer.buckets import BucketError
from dcs_emulator.importer.cluster import ClusterPath
from dcs_emulator.importer.common import ImportFailed, ImportStopped, Source, dump_rdb_version, keyspace, local_source
from dcs_emulator.importer.progress import Reporter, Sampler
from dcs_emulator.importer.reload import ReloadPath
from dcs_emulator.importer.restore import RestorePath
from dcs_emulator.importer.servers import ServerFailed, StagingServer

__all__ = ["FULL_MIGRATION", "ImportFailed", "ImportStopped", "Source", "import_backup", "local_source"]

FULL_MIGRATION = "full_amount_migration"
_EXTERNAL_LOCKS = {}
_EXTERNAL_LOCKS_GUARD = threading.Lock()


def import_backup(target, sources: list, workdir, log: Optional[Callable] = None, progress: Optional[Callable] = None,
                  should_stop: Optional[Callable] = None, migration_method: str = FULL_MIGRATION, log_failure: bool = True) -> dict:
    """Import ``sources`` (in order) into ``target`` (a ManagedServer or ExternalServer).

    ``log(level, message)`` receives each step with its timing; ``progress(**stats)`` receives
    source_dbsize, target_dbsize, full_migration_progress, target_input_kbps and target_ops.
    Raises ImportFailed (with a one-line message, also logged at ERROR unless ``log_failure`` is false, for a
    caller that logs it itself) or ImportStopped.
    Returns a summary: path (reload or migrate), files, source_dbsize, target_dbsize, seconds.
    """
    reporter = Reporter(log, progress, should_stop)
    workdir = Path(workdir)
    try:
        if migration_method != FULL_MIGRATION:
            raise ImportFailed("Migration method %s is not supported by the emulator: only full_amount_migration is." % migration_method)
        with _target_lock(target):
            return _Import(target, reporter, workdir).run(sources)
    except ImportFailed as exc:
        if log_failure:
            reporter.error(str(exc))
        raise
    except ImportStopped as exc:
        reporter.warn(str(exc))
        raise
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _target_lock(target):
    """One import at a time per target: two loads into one server would interleave their snapshots."""
    lock = getattr(target, "_lock", None)
    if lock is None:
        with _EXTERNAL_LOCKS_GUARD:
            lock = _EXTERNAL_LOCKS.setdefault((target.host, target.port), threading.RLock())
    return lock


class _Import:
    """One run of import_backup: the files, the steps, and what the two paths share (staging servers, progress)."""

    def __init__(self, target, reporter: Reporter, workdir: Path):
        self.target = target
        self.reporter = reporter
        self.workdir = workdir
        self.units = []
        self.source_keys = 0
        self.done_units = 0

    def _target_keys(self) -> int:
        if hasattr(self.target, "key_count"):  # a cluster: every master's keys
            return self.target.key_count()
        client = self.target.client(socket_timeout=30)
        try:
            return sum(keyspace(client).values())
        finally:
            client.close()

    # steps ---------------------------------------------------------------------------------------------------

    def run(self, sources: list) -> dict:
        started = time.monotonic()
        self._check_auth()
        if not self.target.is_running():
            raise ImportFailed("The target instance's Redis server (%s:%s) is not running." % (self.target.host, self.target.port))
        # Like the service's stats, target_dbsize is the target's key count from the start: an import that fails
        # before it touches the target (a missing file) still reports what the target holds, not 0.
        self.reporter.progress(target_dbsize=self._target_keys())
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._download(sources)
        target_rdb, target_label = self._target_rdb_version()
        self._check(target_rdb, target_label)
        if getattr(self.target, "kind", None) == "cluster":
            path = "cluster"
            ClusterPath(self).run()
        elif self.target.managed:
            path = "reload"
            try:
                ReloadPath(self).run()
            except (ImportFailed, ImportStopped):
                self._sync_replicas(after_failure=True)
                raise
            self._sync_replicas()
        else:
            path = "migrate"
            RestorePath(self, target_rdb).run()
        target_keys = self._target_keys()
        seconds = time.monotonic() - started
        self.reporter.progress(source_dbsize=self.source_keys, target_dbsize=target_keys, full_migration_progress="100.00")
        self.reporter.info("done: %d keys from %d file(s) imported in %.2f s (%.0f keys/s); the target now holds %d keys."
                           % (self.source_keys, len(self.units), seconds, self.source_keys / seconds if seconds else 0, target_keys))
        return {"path": path, "files": len(self.units), "source_dbsize": self.source_keys, "target_dbsize": target_keys,
                "seconds": seconds}

    def _sync_replicas(self, after_failure: bool = False) -> None:
        """A master/standby target: the load bypassed replication, so the standby either loaded the same files
        alongside the master, or (a failure restored the master from its snapshot) takes a full copy of it."""
        if not hasattr(self.target, "sync_replicas"):
            return
        try:
            what = self.target.sync_replicas(after_failure)
        except (ServerFailed, redis.RedisError) as exc:
            if after_failure:  # the import's own failure is the task's message
                self.reporter.error("replica: the standby server did not take a copy of the master: %s." % exc)
                return
            raise ImportFailed("The standby server did not take a copy of the master after the import: %s." % exc) from None
        self.reporter.info("replica: %s." % what)

    def _check_auth(self) -> None:
        client = self.target.client(socket_timeout=10, socket_connect_timeout=10)
        try:
            client.ping()
        except redis.AuthenticationError:
            raise ImportFailed("The target server (%s:%s) refused the instance's password." % (self.target.host, self.target.port)) from None
        except redis.RedisError:
            pass  # not running: reported next, in the same words for both kinds of target
        finally:
            client.close()

    def _download(self, sources: list) -> None:
        for index, source in enumerate(sources):
            if self.reporter.should_stop():
                raise ImportStopped("The task was stopped before its files were loaded; the target is unchanged.")
            started = time.monotonic()
            try:
                path = Path(source.fetch(self.workdir / "download"))
            except BucketError as exc:
                raise ImportFailed(str(exc)) from None
            size = path.stat().st_size
            self.reporter.info("download: %s (%.1f MB) ready in %.2f s." % (source.name, size / 1e6, time.monotonic() - started))
            try:
                units, skipped = formats.expand(path, source.name, self.workdir / ("unpack-%d" % index))
            except formats.FormatError as exc:
                raise ImportFailed(str(exc)) from None
            for name in skipped:
                self.reporter.warn("check: %s is neither RDB nor AOF; skipped." % name)
            self.units.extend(units)

    def _target_rdb_version(self) -> tuple:
        binary = getattr(self.target, "binary", None)
        if binary is not None:
            return binary.rdb_version, binary.label
        client = self.target.client(socket_timeout=30)
        try:
            version = dump_rdb_version(client)
            label = "%s:%s" % (self.target.host, self.target.port)
            try:
                info = client.info("server")
                label = "%s %s" % ("valkey" if info.get("valkey_version") else "redis", info.get("valkey_version") or info.get("redis_version"))
            except redis.RedisError:
                pass
        finally:
            client.close()
        return version, label

    def _check(self, target_rdb: Optional[int], target_label: str) -> None:
        started = time.monotonic()
        for unit in self.units:
            kind = {"rdb": "RDB", "aof": "AOF", "aofdir": "multi-part AOF"}[unit.kind]
            if unit.rdb_version is not None and target_rdb is not None and unit.rdb_version > target_rdb:
                raise ImportFailed("The backup file %s is RDB version %d (written by %s) but the target server (%s) loads RDB "
                                   "versions up to %d: the target's Redis version must be at least the source's."
                                   % (unit.label, unit.rdb_version, formats.rdb_producer(unit.rdb_version), target_label, target_rdb))
            version = " (RDB version %d)" % unit.rdb_version if unit.rdb_version is not None else ""
            self.reporter.info("check: %s is %s%s, loadable by the target (%s); checked in %.2f s."
                               % (unit.label, kind, version, target_label, time.monotonic() - started))

    # shared helpers ------------------------------------------------------------------------------------------

    def fraction_done(self, fraction: float) -> str:
        total = max(1, len(self.units))
        return "%.2f" % (100.0 * (self.done_units + max(0.0, min(1.0, fraction))) / total)

    def staging_settings(self, unit: formats.Unit, binary: ServerBinary, stage_dir: Path) -> tuple:
        """(directory, settings) for a staging server that loads ``unit`` with its own loader."""
        settings = {"dbfilename": "staged.rdb", "aof-load-truncated": "no"}
        if unit.kind == "rdb":
            stage_dir.mkdir(parents=True, exist_ok=True)
            os.symlink(unit.path.resolve(), stage_dir / "source.rdb")
            settings["dbfilename"] = "source.rdb"
            return stage_dir, settings
        settings["appendonly"] = "yes"
        if unit.kind == "aof":
            stage_dir.mkdir(parents=True, exist_ok=True)
            # A copy: Redis 7 "upgrades" a single AOF into a multi-part directory by renaming it.
            shutil.copyfile(unit.path, stage_dir / "appendonly.aof")
            settings["appendfilename"] = "appendonly.aof"
            return stage_dir, settings
        if binary.flavor == "redis" and binary.version < (7, 0, 0):
            raise ImportFailed("The backup %s is a multi-part AOF (Redis 7 or newer) but the server (%s) cannot load it."
                               % (unit.label, binary.label))
        settings["appenddirname"] = unit.path.name
        settings["appendfilename"] = unit.manifest[:-len(".manifest")]
        return unit.path.parent, settings

    def start_staging(self, unit: formats.Unit, binary: ServerBinary, index: int) -> StagingServer:
        directory, settings = self.staging_settings(unit, binary, self.workdir / ("stage-%d" % index))
        staging = StagingServer(binary, directory, settings)
        started = time.monotonic()
        sampler = Sampler(lambda: self._sample_staging(staging), reporter=self.reporter, on_stop=staging.kill)
        try:
            with sampler:
                staging.start()
        except ServerFailed as exc:
            staging.stop()
            if sampler.stop_fired:
                raise ImportStopped("The task was stopped while %s was loading; the target is unchanged." % unit.label) from None
            raise ImportFailed("Loading %s failed: the file is corrupt, truncated or not loadable by %s (%s)."
                               % (unit.label, binary.label, exc)) from None
        client = staging.client()
        try:
            keys = sum(keyspace(client).values())
        finally:
            client.close()
        self.reporter.info("load: %s loaded by a staging %s: %d keys in %.2f s." % (unit.label, binary.label, keys, time.monotonic() - started))
        return staging

    def _sample_staging(self, staging: StagingServer) -> None:
        if not staging.alive():
            return
        client = staging.client(socket_timeout=2)
        try:
            info = client.info("persistence")
        except (redis.ConnectionError, FileNotFoundError):
            return
        finally:
            client.close()
        if int(info.get("loading", 0)):
            self.reporter.progress(full_migration_progress=self.fraction_done(float(info.get("loading_loaded_perc", 0)) / 200.0))
