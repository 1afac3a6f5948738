# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Managed target: SAVE a snapshot, then the target's own loader merges each file (DEBUG RELOAD MERGE NOFLUSH NOSAVE).

Any failure after the first load began (corrupt or truncated file, the server dying, a stop request) restarts the
server from the snapshot: the task is all-or-nothing.

Why no separate validation pass (staging server or check-rdb mode) before the load: it would read the whole file
once more (about the cost of the load itself, halving the speed), and it would not make the load safe anyway (the
server can still die mid-load). The loader is the validator (structure, and the RDB's CRC64 at its end); the
snapshot makes any failure, wherever it happens, leave the target exactly as it was. A valid file costs a SAVE of
the target (proportional to the target's size, nothing for an empty one) plus the server's own load.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
import uuid
from pathlib import Path

import redis

from dcs_emulator.importer import formats
from dcs_emulator.importer.common import ImportFailed, ImportStopped, keyspace, save
from dcs_emulator.importer.progress import Sampler
from dcs_emulator.importer.servers import SNAPSHOT_FILE, ServerFailed, warnings_in


class ReloadPath:
    """Managed target: snapshot, then the target's own loader merges each file (see the module docstring)."""

    def __init__(self, job):
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
                save(client)
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
        # An AOF was first loaded by a staging server (the first half of its progress): the load is the second.
        self.fraction_base = 0.0 if unit.kind == "rdb" else 0.5
        self.log_offset = self.target.log_size()
        started = time.monotonic()
        self.last = {"t": started, "bytes": 0, "keys": sum(before.values())}
        self.touched = True
        client.config_set("dbfilename", link.name)
        sampler = Sampler(self._sample, reporter=self.reporter, on_stop=self._stop_now)
        # A master/standby target: the standby loads the same file at the same time (topology.HaServers).
        mirror = getattr(self.target, "mirror_load", None)
        try:
            with (mirror(Path(rdb)) if mirror else contextlib.nullcontext()), sampler:
                client.execute_command("DEBUG", "RELOAD", "MERGE", "NOFLUSH", "NOSAVE")
        finally:
            if self.target.alive():
                try:
                    client.config_set("dbfilename", SNAPSHOT_FILE)
                except redis.RedisError:
                    pass
        seconds = time.monotonic() - started
        loaded, expired, counted = self._load_counts(client, before)
        self.job.source_keys += loaded + expired
        skipped = " (%d already expired, skipped)" % expired if expired else ""
        if counted:
            self.reporter.info("load: %s merged into the target by its own loader (DEBUG RELOAD MERGE): %d keys%s in %.2f s (%.0f keys/s)."
                               % (unit.label, loaded, skipped, seconds, loaded / seconds if seconds else 0))
        else:
            self.reporter.info("load: %s merged into the target by its own loader (DEBUG RELOAD MERGE) in %.2f s: %d new keys; "
                               "this server (%s) does not count loaded keys, so keys that replaced existing ones are not "
                               "counted." % (unit.label, seconds, loaded, self.target.binary.label))
        self.reporter.progress(source_dbsize=self.job.source_keys, full_migration_progress=self.job.fraction_done(1.0))

    @staticmethod
    def _load_counts(client: redis.Redis, before: dict) -> tuple:
        """(keys loaded, keys skipped as expired, whether the server counted them)."""
        info = client.info("persistence")
        if "rdb_last_load_keys_loaded" in info:
            return int(info["rdb_last_load_keys_loaded"]), int(info.get("rdb_last_load_keys_expired", 0)), True
        # Redis < 7 does not count: new keys is the best it tells.
        return max(0, sum(keyspace(client).values()) - sum(before.values())), 0, False

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
                               full_migration_progress=self.job.fraction_done(
                                   self.fraction_base + (1 - self.fraction_base) * float(info.get("loading_loaded_perc", 0)) / 100.0),
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
    fraction_base = 0.0
