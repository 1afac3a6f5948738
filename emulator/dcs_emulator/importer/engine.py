# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The import: download, check, load, copy, done -- with the service's semantics.

Semantics (DCS "backup import", full_amount_migration): keys in both the backup and the target take the
backup's value and TTL; keys only in the target stay; databases keep their numbers; files apply in order.

Two paths, chosen by the target:

* managed target (a server the emulator runs): the target's own loader takes each file directly with
  ``DEBUG RELOAD MERGE NOFLUSH NOSAVE`` (duplicates replaced by the loaded value).  Before the first file the
  target is snapshotted with SAVE; if anything fails (corrupt or truncated file, the server dying, a stop
  request) the server is restarted from that snapshot, so the task is all-or-nothing: the target keeps exactly
  what it had at the start of the import (writes made by other clients during the import are lost too).
  AOF files are first loaded by a staging server of the same binary and saved as RDB.
* external target (an address): a staging server loads each file with its own loader, then the keys move
  with ``MIGRATE COPY REPLACE`` batches (functions with FUNCTION DUMP/RESTORE REPLACE).  Each key arrives
  whole (RESTORE is atomic), so a failure leaves the target's own keys plus whole keys of the backup copied
  so far, never a half-written key.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import redis

from dcs_emulator.importer import formats
from dcs_emulator.importer.binaries import BinaryNotFound, ServerBinary, candidate_binaries, default_binary
from dcs_emulator.importer.buckets import BucketError
from dcs_emulator.importer.progress import Reporter, Sampler
from dcs_emulator.importer.servers import SNAPSHOT_FILE, ServerFailed, StagingServer, warnings_in

FULL_MIGRATION = "full_amount_migration"
MIGRATE_BATCH = 1000
MIGRATE_TIMEOUT_MS = 60000
_EXTERNAL_LOCKS = {}
_EXTERNAL_LOCKS_GUARD = threading.Lock()


class ImportFailed(Exception):
    """The import failed; the message is one line for the task's error_message."""


class ImportStopped(Exception):
    """The import was asked to stop and did."""


@dataclass
class Source:
    """A backup file to import: ``fetch(dest_dir) -> Path`` gives a local copy (or the file in place)."""

    name: str
    fetch: Callable[[Path], Path]


def local_source(path) -> Source:
    path = Path(path)
    return Source(path.name, lambda _dest: path)


def keyspace(client: redis.Redis) -> dict:
    """{db number: key count} from INFO keyspace (allowed while a server is loading)."""
    info = client.info("keyspace")
    return {int(name[2:]): int(stats.get("keys", 0)) for name, stats in info.items() if name.startswith("db")}


def dump_rdb_version(client: redis.Redis) -> Optional[int]:
    """The RDB version a server writes (and so loads at most), read from a DUMP payload's footer."""
    key = "dcs-emulator:probe:%s" % uuid.uuid4().hex
    try:
        pipe = client.pipeline(transaction=True)
        pipe.set(key, "x")
        pipe.dump(key)
        pipe.delete(key)
        payload = pipe.execute()[1]
    except redis.RedisError:
        return None
    # DUMP payload = value, 2-byte little-endian RDB version, 8-byte CRC64.
    return struct.unpack("<H", payload[-10:-8])[0] if payload and len(payload) >= 10 else None


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
    def __init__(self, target, reporter: Reporter, workdir: Path):
        self.target = target
        self.reporter = reporter
        self.workdir = workdir
        self.units = []
        self.source_keys = 0
        self.done_units = 0

    # steps ---------------------------------------------------------------------------------------------------

    def run(self, sources: list) -> dict:
        started = time.monotonic()
        self._check_auth()
        if not self.target.is_running():
            raise ImportFailed("The target instance's Redis server (%s:%s) is not running." % (self.target.host, self.target.port))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._download(sources)
        target_rdb, target_label = self._target_rdb_version()
        self._check(target_rdb, target_label)
        if self.target.managed:
            path = "reload"
            _ReloadPath(self).run()
        else:
            path = "migrate"
            _MigratePath(self, target_rdb).run()
        client = self.target.client(socket_timeout=30)
        try:
            target_keys = sum(keyspace(client).values())
        finally:
            client.close()
        seconds = time.monotonic() - started
        self.reporter.progress(source_dbsize=self.source_keys, target_dbsize=target_keys, full_migration_progress="100.00")
        self.reporter.info("done: %d keys from %d file(s) imported in %.2f s (%.0f keys/s); the target now holds %d keys."
                           % (self.source_keys, len(self.units), seconds, self.source_keys / seconds if seconds else 0, target_keys))
        return {"path": path, "files": len(self.units), "source_dbsize": self.source_keys, "target_dbsize": target_keys,
                "seconds": seconds}

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


class _ReloadPath:
    """Managed target: snapshot, then the target's own loader merges each file (see the module docstring)."""

    def __init__(self, job: _Import):
        self.job = job
        self.target = job.target
        self.reporter = job.reporter
        self.links = []
        self.stopped = False
        self.touched = False
        self.last = {}

    def run(self) -> None:
        client = self.target.client()
        try:
            before = sum(keyspace(client).values())
            started = time.monotonic()
            try:
                client.save()
            except redis.RedisError as exc:
                raise ImportFailed("Saving the target's snapshot before the import failed (%s); nothing was imported." % exc) from None
            self.reporter.info("snapshot: the target's %d keys saved in %.2f s (restored if the import fails)." % (before, time.monotonic() - started))
            self.reporter.progress(target_dbsize=before, full_migration_progress="0.00")
            try:
                for index, unit in enumerate(self.job.units):
                    rdb = unit.path if unit.kind == "rdb" else self._stage_to_rdb(unit, index)
                    self._reload(client, rdb, unit, index)
                    self.job.done_units += 1
            except (redis.RedisError, ImportFailed, ImportStopped, OSError) as exc:
                if self.touched:
                    self._rollback(exc)
                if isinstance(exc, (ImportFailed, ImportStopped)):
                    raise  # nothing reached the target yet: no need to restore it
                raise ImportFailed("The import failed before loading into the target: %s" % exc) from None
        finally:
            client.close()
            for link in self.links:
                try:
                    link.unlink()
                except OSError:
                    pass

    def _stage_to_rdb(self, unit: formats.Unit, index: int) -> Path:
        staging = self.job.start_staging(unit, self.target.binary, index)
        try:
            started = time.monotonic()
            client = staging.client()
            try:
                client.save()
            finally:
                client.close()
            self.reporter.info("load: %s converted to RDB for the target in %.2f s." % (unit.label, time.monotonic() - started))
            return staging.directory / "staged.rdb"
        finally:
            staging.stop()

    def _reload(self, client: redis.Redis, rdb: Path, unit: formats.Unit, index: int) -> None:
        link = self.target.directory / ("import-%s-%d.rdb" % (uuid.uuid4().hex[:8], index))
        os.symlink(Path(rdb).resolve(), link)
        self.links.append(link)
        before = keyspace(client)
        self.label = unit.label
        self.log_offset = self.target.log_size()
        started = time.monotonic()
        self.last = {"t": started, "bytes": 0, "keys": sum(before.values())}
        self.touched = True
        client.config_set("dbfilename", link.name)
        sampler = Sampler(self._sample, reporter=self.reporter, on_stop=self._stop_now)
        try:
            with sampler:
                client.execute_command("DEBUG", "RELOAD", "MERGE", "NOFLUSH", "NOSAVE")
        finally:
            if self.target.alive():
                try:
                    client.config_set("dbfilename", SNAPSHOT_FILE)
                except redis.RedisError:
                    pass
        seconds = time.monotonic() - started
        loaded, expired = self._load_counts(client, before)
        self.job.source_keys += loaded + expired
        skipped = " (%d already expired, skipped)" % expired if expired else ""
        self.reporter.info("load: %s merged into the target by its own loader (DEBUG RELOAD MERGE): %d keys%s in %.2f s (%.0f keys/s)."
                           % (unit.label, loaded, skipped, seconds, loaded / seconds if seconds else 0))
        self.reporter.progress(source_dbsize=self.job.source_keys, full_migration_progress=self.job.fraction_done(1.0))

    @staticmethod
    def _load_counts(client: redis.Redis, before: dict) -> tuple:
        info = client.info("persistence")
        if "rdb_last_load_keys_loaded" in info:
            return int(info["rdb_last_load_keys_loaded"]), int(info.get("rdb_last_load_keys_expired", 0))
        # Redis < 7 does not count: new keys is the best it tells.
        return max(0, sum(keyspace(client).values()) - sum(before.values())), 0

    def _sample(self) -> None:
        client = self.target.client(socket_timeout=2)
        try:
            info = client.info("persistence")
            keys = sum(keyspace(client).values())
        finally:
            client.close()
        if not int(info.get("loading", 0)):
            return
        now = time.monotonic()
        loaded = int(info.get("loading_loaded_bytes", 0))
        elapsed = max(1e-6, now - self.last["t"])
        self.reporter.progress(target_dbsize=keys,
                               full_migration_progress=self.job.fraction_done(float(info.get("loading_loaded_perc", 0)) / 100.0),
                               target_input_kbps="%.1f" % ((loaded - self.last["bytes"]) / 1024.0 / elapsed),
                               target_ops="%.0f" % (max(0, keys - self.last["keys"]) / elapsed))
        self.last = {"t": now, "bytes": loaded, "keys": keys}

    def _stop_now(self) -> None:
        """A blocking load cannot be interrupted: stopping means killing the server and restoring the snapshot."""
        self.stopped = True
        self.target.kill()

    def _rollback(self, exc: BaseException) -> None:
        if isinstance(exc, ImportStopped):
            self.stopped = True
        reason = self._reason(exc)
        self.reporter.error("load: %s; restoring the target from its snapshot." % reason)
        started = time.monotonic()
        try:
            self.target.restart()
        except ServerFailed as restart_exc:
            raise ImportFailed("%s; restarting the target from its snapshot also failed: %s." % (reason, restart_exc)) from None
        client = self.target.client(socket_timeout=30)
        try:
            keys = sum(keyspace(client).values())
        finally:
            client.close()
        self.reporter.info("load: the target was restored to its %d keys from before the import in %.2f s." % (keys, time.monotonic() - started))
        self.reporter.progress(target_dbsize=keys)
        if self.stopped:
            raise ImportStopped("The task was stopped; the target was restored to its state before the import.") from None
        raise ImportFailed("%s. The target was restored to its state before the import." % reason) from None

    def _reason(self, exc: BaseException) -> str:
        if isinstance(exc, (ImportFailed, ImportStopped)):
            return str(exc).rstrip(".")
        if self.stopped:
            return "The task was stopped during the load"
        if isinstance(exc, redis.ResponseError):
            said = warnings_in(self.target.log_since(self.log_offset)) or [str(exc)]
            if "load" in str(exc).lower():
                return "Loading %s failed: the file is corrupt or truncated (target server: %s)" % (self.label, " / ".join(said))
            return "The target server refused to load %s: %s" % (self.label, " / ".join(said))
        code = self.target.returncode()
        if code is None and isinstance(exc, redis.ConnectionError) and self.target.process is not None:
            try:
                code = self.target.process.wait(timeout=10)  # the connection drops a moment before the exit
            except subprocess.TimeoutExpired:
                code = None
        if code == 1:
            return "Loading %s failed: the file is corrupt or truncated (%s)" % (self.label, self.target.exit_reason(self.log_offset))
        if code is not None:
            return "The target server stopped during the import (%s)" % self.target.exit_reason(self.log_offset)
        return "The import failed: %s" % (exc.strerror if isinstance(exc, OSError) and exc.strerror else exc)

    log_offset = 0
    label = ""


class _MigratePath:
    """External target: staging server per file, then MIGRATE COPY REPLACE batches per database."""

    def __init__(self, job: _Import, target_rdb: Optional[int]):
        self.job = job
        self.target = job.target
        self.reporter = job.reporter
        self.target_rdb = target_rdb
        self.copied = 0

    def run(self) -> None:
        for index, unit in enumerate(self.job.units):
            binary = self._staging_binary(unit)
            staging = self.job.start_staging(unit, binary, index)
            try:
                self._copy(staging, unit)
            finally:
                staging.stop()
            self.job.done_units += 1

    def _staging_binary(self, unit: formats.Unit) -> ServerBinary:
        """A server that can read the file and writes RESTORE payloads the target accepts (DUMP carries a version)."""
        explicit = getattr(self.target, "staging_binary", None)
        try:
            candidates = candidate_binaries(explicit) or [default_binary(explicit)]
        except BinaryNotFound as exc:
            raise ImportFailed("No staging server available: %s." % exc) from None
        need = unit.rdb_version or 0
        for binary in candidates:
            if binary.rdb_version >= need and (self.target_rdb is None or binary.rdb_version <= self.target_rdb):
                return binary
        raise ImportFailed("No server binary on this machine can load %s (RDB version %s) and write data the target accepts "
                           "(RDB version %s); installed: %s." % (unit.label, need or "-", self.target_rdb,
                                                                 ", ".join(b.label for b in candidates)))

    def _copy(self, staging: StagingServer, unit: formats.Unit) -> None:
        source = staging.client()
        started = time.monotonic()
        try:
            counts = keyspace(source)
            total = sum(counts.values())
            self.job.source_keys += total
            self.reporter.progress(source_dbsize=self.job.source_keys)
            before = self.copied
            for db, count in sorted(counts.items()):
                if count:
                    self._copy_db(staging, db, total)
            self._copy_functions(source)
        except redis.RedisError as exc:
            raise ImportFailed("Copying %s into the target failed after %d keys: %s. Keys already copied stay in the target "
                               "(each one whole); no other key was changed." % (unit.label, self.copied, exc)) from None
        finally:
            source.close()
        seconds = time.monotonic() - started
        moved = self.copied - before
        self.reporter.info("copy: %s: %d keys copied into the target with MIGRATE COPY REPLACE in %.2f s (%.0f keys/s)."
                           % (unit.label, moved, seconds, moved / seconds if seconds else 0))

    def _copy_db(self, staging: StagingServer, db: int, unit_total: int) -> None:
        source = staging.client(db=db)
        auth = ["AUTH", self.target.password] if self.target.password else []
        last = (time.monotonic(), self.copied)
        try:
            cursor = 0
            while True:
                if self.reporter.should_stop():
                    raise ImportStopped("The task was stopped after %d keys were copied; those keys stay in the target (each one whole)." % self.copied)
                cursor, keys = source.scan(cursor, count=MIGRATE_BATCH)
                if keys:
                    source.execute_command("MIGRATE", self.target.host, self.target.port, "", db, MIGRATE_TIMEOUT_MS,
                                           "COPY", "REPLACE", *auth, "KEYS", *keys)
                    self.copied += len(keys)
                    now = time.monotonic()
                    if now - last[0] >= 0.25 or last[1] == 0:  # the first batch is reported at once
                        self.reporter.progress(full_migration_progress=self.job.fraction_done(0.5 + 0.5 * self.copied / max(1, unit_total)),
                                               target_ops="%.0f" % ((self.copied - last[1]) / (now - last[0])))
                        last = (now, self.copied)
                if cursor == 0:
                    return
        finally:
            source.close()

    def _copy_functions(self, source: redis.Redis) -> None:
        try:
            libraries = source.execute_command("FUNCTION", "LIST")
        except redis.ResponseError:
            return  # a server without functions (Redis < 7)
        if not libraries:
            return
        payload = source.execute_command("FUNCTION", "DUMP")
        target = self.target.client(socket_timeout=60)
        try:
            target.execute_command("FUNCTION", "RESTORE", payload, "REPLACE")
        finally:
            target.close()
        self.reporter.info("copy: %d function librar%s restored into the target." % (len(libraries), "y" if len(libraries) == 1 else "ies"))
