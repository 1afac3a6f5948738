# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""External target: a staging server loads each file with its own loader, then MIGRATE COPY REPLACE batches move
the keys database by database, through a relay that lets the staging server run ahead of the target (relay.py);
functions with FUNCTION DUMP/RESTORE REPLACE. Each key arrives whole."""

from __future__ import annotations

import time
from typing import Optional

import redis

from dcs_emulator.importer import formats
from dcs_emulator.importer.binaries import BinaryNotFound, ServerBinary, candidate_binaries, default_binary
from dcs_emulator.importer.common import ImportFailed, ImportStopped, function_libraries, keyspace
from dcs_emulator.importer.relay import MigrateRelay, RelayFailed
from dcs_emulator.importer.servers import StagingServer

MIGRATE_BATCH = 1000
MIGRATE_TIMEOUT_MS = 60000


class MigratePath:
    """External target: staging server per file, then MIGRATE COPY REPLACE batches per database through a relay."""

    def __init__(self, job, target_rdb: Optional[int]):
        self.job = job
        self.target = job.target
        self.reporter = job.reporter
        self.target_rdb = target_rdb
        self.copied = 0
        self.finished = []  # labels of the files copied in full
        self.dbs_done = []  # databases of the current file copied in full
        self.db_in_progress = None  # (db, keys copied, keys in it) of the current file
        self.in_flight = 0  # keys of the current database sent to the target but not confirmed

    def left_behind(self) -> str:
        """What a failed or stopped import has put into the target so far, for its one-line message."""
        parts = []
        if self.finished:
            parts.append("every key of %s" % ", ".join(self.finished))
        if self.dbs_done:
            parts.append("every key of %s" % ", ".join("db%d" % db for db in self.dbs_done))
        if self.db_in_progress and self.db_in_progress[1]:
            db, copied, total = self.db_in_progress
            parts.append("%d of the %d keys of db%d" % (copied, total, db))
        return "; ".join(parts) or "none yet"

    def run(self) -> None:
        for index, unit in enumerate(self.job.units):
            self.copy_unit(index, unit)
            self.job.done_units += 1
            self.finished.append(unit.label)
            self.dbs_done, self.db_in_progress = [], None

    def copy_unit(self, index: int, unit: formats.Unit) -> None:
        """One file: a staging server loads it, then its keys move."""
        binary = self._staging_binary(unit)
        staging = self.job.start_staging(unit, binary, index)
        try:
            self._copy(staging, unit)
        finally:
            staging.stop()

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
                    self.db_in_progress = (db, 0, count)
                    self._copy_db(staging, db, before, total)
                    self.dbs_done.append(db)
                    self.db_in_progress = None
            self._copy_functions(source)
        except (redis.RedisError, RelayFailed) as exc:
            raise self.failed(unit, exc) from None
        finally:
            source.close()
        seconds = time.monotonic() - started
        moved = self.copied - before
        self.reporter.info("copy: %s: %d keys copied into the target with MIGRATE COPY REPLACE (through a relay) in %.2f s (%.0f keys/s)."
                           % (unit.label, moved, seconds, moved / seconds if seconds else 0))

    def _copy_db(self, staging: StagingServer, db: int, unit_start: int, unit_total: int) -> None:
        """MIGRATE batches into a relay that acknowledges them at once and streams them to the target (relay.py)."""
        source = staging.client(db=db)
        try:
            relay = MigrateRelay(self.target, MIGRATE_TIMEOUT_MS / 1000.0)
        except OSError as exc:
            raise RelayFailed("cannot connect to the target (%s)" % (exc.strerror or exc)) from None
        base = self.copied
        last = (time.monotonic(), self.copied)
        try:
            cursor = 0
            while True:
                if self.reporter.should_stop():
                    self._settle(relay, db, base, wait=True)
                    raise self.stopped()
                cursor, keys = source.scan(cursor, count=MIGRATE_BATCH)
                if keys:
                    relay.expect(len(keys))
                    source.execute_command("MIGRATE", relay.host, relay.port, "", db, MIGRATE_TIMEOUT_MS, "COPY", "REPLACE",
                                           "KEYS", *keys)
                    self._settle(relay, db, base)
                    now = time.monotonic()
                    if now - last[0] >= 0.25 or last[1] == 0:  # the first batch is reported at once
                        done = 0.5 + 0.5 * (self.copied - unit_start) / max(1, unit_total)
                        self.reporter.progress(full_migration_progress=self.job.fraction_done(done), target_dbsize=self._target_keys(),
                                               target_ops="%.0f" % ((self.copied - last[1]) / max(1e-6, now - last[0])))
                        last = (now, self.copied)
                if cursor == 0:
                    break
            self._settle(relay, db, base, wait=True)
        except redis.RedisError:
            self._settle(relay, db, base)
            if relay.error:  # the staging server's MIGRATE failed because the relay gave up: say why
                raise RelayFailed(relay.error) from None
            raise
        finally:
            relay.close()
            source.close()

    def _settle(self, relay: MigrateRelay, db: int, base: int, wait: bool = False) -> None:
        """Count what the target confirmed (after waiting for all of it when ``wait``)."""
        try:
            if wait:
                relay.drain()
        finally:
            confirmed = relay.confirmed
            self.copied = base + confirmed
            self.db_in_progress = (db, confirmed, self.db_in_progress[2])
            self.in_flight = relay.handed - confirmed

    def failed(self, unit: formats.Unit, reason) -> ImportFailed:
        """The one-line failure of copying ``unit``: why, and what the target holds now."""
        return ImportFailed("Copying %s into the target failed after %d keys: %s. Keys already copied stay in the target "
                            "(each one whole): %s%s; no other key was changed."
                            % (unit.label, self.copied, reason, self.left_behind(), self._in_flight()))

    def stopped(self) -> ImportStopped:
        return ImportStopped("The task was stopped after %d keys were copied; those keys stay in the target "
                             "(each one whole): %s." % (self.copied, self.left_behind()))

    def _in_flight(self) -> str:
        """Keys handed to the target but not confirmed when it failed may have arrived (each one whole) or not."""
        if not self.in_flight:
            return ""
        return ", and up to %d more keys of db%d that were sent but not confirmed" % (self.in_flight, self.db_in_progress[0])

    def _target_keys(self):
        client = self.target.client(socket_timeout=5)
        try:
            return sum(keyspace(client).values())
        except redis.RedisError:
            return None  # reported as unknown; the next MIGRATE says what is wrong
        finally:
            client.close()

    def _copy_functions(self, source: redis.Redis) -> None:
        count, payload = function_libraries(source)
        if not count:
            return
        target = self.target.client(socket_timeout=60)
        try:
            target.execute_command("FUNCTION", "RESTORE", payload, "REPLACE")
        finally:
            target.close()
        self.reporter.info("copy: %d function librar%s restored into the target." % (count, "y" if count == 1 else "ies"))
