# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Redis Cluster target: every key goes to the shard that owns its hash slot, each shard all-or-nothing.

The service's rules (DCS user guide, "Importing backup files"): AOF files cannot be imported into a Redis Cluster
instance (the task fails before anything is loaded); a cluster source gives one RDB file per shard, and a task
may hold several files; a Redis Cluster has database 0 only.

How: each RDB file is read by the streaming reader (rdb_stream.py, as for an external target); ``CRC16 mod
16384`` of each key (of its hash tag if it has one, as redis-py's ``key_slot``) and the cluster's own slot table
(CLUSTER SLOTS) give its shard, and its command (``RESTORE key expiry payload REPLACE ABSTTL``; plain strings in
MSETs of one slot, since a cluster refuses an MSET across slots, or with a TTL ``SET key value PXAT expiry``)
goes pipelined to that shard's master on a connection of its own (restore.py's Pipe). Each key arrives whole
with its TTL, and replication carries it to the shard's replica. Functions are loaded on every master (they
live per node).

What the reader does not read (AOF is refused anyway; module types, newer hash types, a file without checksum)
is loaded by a staging server of the target's binary instead: a SCAN of it gives the keys, and ``MIGRATE COPY
REPLACE KEYS`` batches go to one relay per shard (relay.py), which streams them to that shard's master.

Why not the masters' own loaders (``DEBUG RELOAD MERGE``, as for a single server): a loader takes every key of
the file, whatever its slot.

All-or-nothing per shard: every master is snapshotted (SAVE) first. A shard that fails (its master refuses a key
or dies) takes no more keys and is restored from its snapshot at the end, its replica made to copy it again; the
other shards finish. A failure of the file itself (corrupt, keys outside db0) or a stop request restores every
shard. The error message names what each shard holds.
"""

from __future__ import annotations

import time

import redis
from redis.crc import key_slot

from dcs_emulator.importer.common import ImportFailed, ImportStopped, function_libraries, keyspace, save
from dcs_emulator.importer.rdb_stream import Corrupt, RdbFile, Unreadable
from dcs_emulator.importer.relay import MigrateRelay, RelayFailed
from dcs_emulator.importer.restore import ABSTTL_SINCE, CHUNK_BYTES, TICK, Pipe, TargetFailed, why_not_streamed
from dcs_emulator.importer.servers import ServerFailed
from dcs_emulator.importer.topology import SLOTS, resync, wait_replicas

SCAN_BATCH = 3000
MIGRATE_TIMEOUT_MS = 60000


class Shard:
    """One master (with its replica) as the import sees it."""

    def __init__(self, number: int, master, replica):
        self.number = number
        self.master = master
        self.replica = replica
        self.copied = 0  # keys the master confirmed
        self.base = 0  # keys confirmed before the current relay opened
        self.error = None  # why this shard failed
        self.relay = None

    @property
    def name(self) -> str:
        return "shard %d (%s:%d)" % (self.number, self.master.host, self.master.port)


class ClusterPath:
    """Cluster target: staging server per file, keys routed by slot to each shard through a relay per shard."""

    def __init__(self, job):
        self.job = job
        self.target = job.target
        self.reporter = job.reporter
        self.shards = [Shard(n + 1, m, r) for n, (m, r) in enumerate(zip(self.target.masters, self.target.replicas))]
        self.owner = None  # slot -> Shard
        self.snapshotted = False
        self.touched = False  # keys were sent to a shard: a failure of the whole import restores every shard

    # the import ------------------------------------------------------------------------------------------

    def run(self) -> None:
        self._refuse_aof()
        self.owner = self._slot_owners()
        self._snapshot()
        try:
            for index, unit in enumerate(self.job.units):
                if not self._stream(unit):
                    staging = self.job.start_staging(unit, self.target.binary, index)
                    try:
                        self._copy(staging, unit)
                    finally:
                        staging.stop()
                self.job.done_units += 1
        except ImportStopped:
            if not self.touched:
                raise
            self._restore(self.shards)
            raise ImportStopped("The task was stopped; every shard of the cluster was restored to its state before the import.") from None
        except ImportFailed as exc:
            if not self.touched:
                raise
            self._restore(self.shards)
            raise ImportFailed("%s Every shard of the cluster was restored to its state before the import." % exc) from None
        failed = [shard for shard in self.shards if shard.error]
        if failed:
            self._restore(failed)
            raise ImportFailed(self._partial_failure(failed))
        started = time.monotonic()
        for shard in self.shards:
            wait_replicas(shard.master, [shard.replica])
        self.reporter.info("replicas: every shard's replica holds its master's data (checked in %.2f s)." % (time.monotonic() - started))

    def _refuse_aof(self) -> None:
        aof = [unit.label for unit in self.job.units if unit.kind != "rdb"]
        if aof:
            raise ImportFailed("AOF files cannot be imported into a Redis Cluster instance: %s %s AOF; import RDB files "
                               "(one per source shard) instead. Nothing was imported."
                               % (", ".join(aof), "is" if len(aof) == 1 else "are"))

    def _slot_owners(self) -> list:
        owner = [None] * SLOTS
        for first, last, index in self.target.slot_ranges():
            for slot in range(first, last + 1):
                owner[slot] = self.shards[index]
        if None in owner:
            raise ImportFailed("The cluster does not serve every hash slot (slot %d has no owner); nothing was imported."
                               % owner.index(None))
        return owner

    def _snapshot(self) -> None:
        started = time.monotonic()
        for shard in self.shards:
            with shard.master.client(socket_timeout=None) as client:
                try:
                    save(client)
                except redis.RedisError as exc:
                    raise ImportFailed("Saving the snapshot of %s before the import failed (%s); nothing was imported."
                                       % (shard.name, exc)) from None
        self.snapshotted = True
        self.reporter.info("snapshot: %d shards saved in %.2f s (a shard that fails is restored from it)."
                           % (len(self.shards), time.monotonic() - started))
        self.reporter.progress(full_migration_progress="0.00")

    # the streaming path -----------------------------------------------------------------------------------

    def _stream(self, unit) -> bool:
        """Send ``unit``'s keys straight from the file; False (with the reason in the log) if the reader cannot."""
        reason = why_not_streamed(unit, self.target, self.target.binary.rdb_version)
        if reason is None:
            before = {shard.number: shard.copied for shard in self.shards}
            try:
                with RdbFile(unit.path) as rdb:
                    rdb.verify()
                    self._stream_file(rdb, unit)
                return True
            except Corrupt as exc:
                raise ImportFailed("Loading %s failed: the file is corrupt, truncated or not loadable by %s (%s)."
                                   % (unit.label, self.target.binary.label, exc)) from None
            except Unreadable as exc:
                reason = "the streaming reader cannot read it: %s" % exc
                sent = sum(shard.copied - before[shard.number] for shard in self.shards)
                if sent:
                    reason += " (the %d keys it sent are sent again, each replacing itself)" % sent
                for shard in self.shards:
                    shard.copied = before[shard.number]
        self.reporter.info("copy: %s goes through a staging server: %s." % (unit.label, reason))
        return False

    def _stream_file(self, rdb: RdbFile, unit) -> None:
        started = time.monotonic()
        before = {shard.number: shard.copied for shard in self.shards}
        pipes = self._open_pipes()
        keys, functions, last = 0, [], 0.0
        route = [shard.number - 1 for shard in self.owner]
        binary = self.target.binary
        try:
            events = rdb.restores(absolute=binary.rdb_version >= ABSTTL_SINCE, chunk_bytes=CHUNK_BYTES, route=route,
                                  set_pxat=binary.has_set_pxat)
            for event in events:
                if event[0] == "keys":
                    keys += event[3]
                    self._send_chunk(self.shards[event[4]], pipes, event)
                    now = time.monotonic()
                    if now - last >= TICK:
                        last = now
                        self._settle_pipes(pipes)
                        self.reporter.progress(full_migration_progress=self.job.fraction_done(rdb.position / max(1, rdb.size)),
                                               target_dbsize=self._target_keys())
                        if self.reporter.should_stop():
                            raise ImportStopped("stopped")
                elif event[0] == "db":
                    if event[1] != 0:
                        others = [event[1]] + [other[1] for other in events if other[0] == "db"]
                        raise ImportFailed(self._other_dbs(unit, others))
                else:
                    functions.append(event[1])
            self._settle_pipes(pipes, wait=True)
        finally:
            for pipe in pipes.values():
                pipe.close()
        self.job.source_keys += keys
        self.reporter.progress(source_dbsize=self.job.source_keys)
        self._load_functions(functions)
        self._log_copy(unit, started, before, "read from the file and sent to each shard's master as pipelined MSET (one slot "
                       "each)%s and RESTORE ... REPLACE, without a staging server"
                       % (", SET ... PXAT (strings with a TTL)" if binary.has_set_pxat else ""))

    def _open_pipes(self) -> dict:
        pipes = {}
        for shard in self.shards:
            if shard.error:
                continue
            try:
                pipes[shard.number] = Pipe(shard.master)
                shard.base = shard.copied
            except (OSError, TargetFailed) as exc:
                shard.error = "cannot connect to its master (%s)" % (getattr(exc, "strerror", None) or exc)
        return pipes

    def _send_chunk(self, shard: Shard, pipes: dict, event: tuple) -> None:
        if shard.error:
            return
        self.touched = True
        pipe = pipes[shard.number]
        try:
            pipe.send(event[1], event[2], event[3])
        except TargetFailed as exc:
            self._pipe_failed(shard, pipe, exc)

    def _pipe_failed(self, shard: Shard, pipe: Pipe, exc: Exception) -> None:
        pipe.read_rest()  # count what the master still confirms of what was sent, so the message is exact
        shard.copied = shard.base + pipe.confirmed_keys
        shard.error = str(exc)
        self.reporter.error("copy: %s failed after %d keys: %s; it takes no more keys and is restored at the end."
                            % (shard.name, shard.copied, shard.error))

    def _settle_pipes(self, pipes: dict, wait: bool = False) -> None:
        """Count what each shard's master confirmed (after waiting for all of it when ``wait``)."""
        for number, pipe in pipes.items():
            shard = self.shards[number - 1]
            if shard.error:
                continue
            try:
                if wait:
                    pipe.drain()
            except TargetFailed as exc:
                self._pipe_failed(shard, pipe, exc)
                continue
            shard.copied = shard.base + pipe.confirmed_keys

    @staticmethod
    def _other_dbs(unit, numbers: list) -> str:
        return ("The backup file %s holds keys in %s, but a Redis Cluster instance has database 0 only."
                % (unit.label, ", ".join("db%d" % db for db in sorted(set(numbers)))))

    def _load_functions(self, libraries: list) -> None:
        if libraries:
            self._on_every_master(len(libraries), [("FUNCTION", "LOAD", "REPLACE", code) for code in libraries])

    # the staging path -------------------------------------------------------------------------------------

    def _copy(self, staging, unit) -> None:
        source = staging.client()
        started = time.monotonic()
        try:
            counts = keyspace(source)
            other_dbs = sorted(db for db, count in counts.items() if db != 0 and count)
            if other_dbs:
                raise ImportFailed(self._other_dbs(unit, other_dbs))
            total = counts.get(0, 0)
            self.job.source_keys += total
            self.reporter.progress(source_dbsize=self.job.source_keys)
            before = {shard.number: shard.copied for shard in self.shards}
            self._open_relays()
            try:
                self._scan_and_route(source, total)
            finally:
                self._close_relays()
            self._copy_functions(source)
        except redis.RedisError as exc:
            raise ImportFailed("Reading %s from its staging server failed: %s." % (unit.label, exc)) from None
        finally:
            source.close()
        self._log_copy(unit, started, before, "loaded by a staging server and moved with MIGRATE COPY REPLACE")

    def _log_copy(self, unit, started: float, before: dict, how: str) -> None:
        seconds = time.monotonic() - started
        moved = {shard.number: shard.copied - before[shard.number] for shard in self.shards}
        self.reporter.info("copy: %s: %d keys routed by hash slot in %.2f s (%.0f keys/s): %s; %s."
                           % (unit.label, sum(moved.values()), seconds, sum(moved.values()) / seconds if seconds else 0,
                              ", ".join("%d to shard %d" % (moved[n], n) for n in sorted(moved)), how))

    def _open_relays(self) -> None:
        for shard in self.shards:
            if shard.error:
                continue
            try:
                shard.relay = MigrateRelay(shard.master, MIGRATE_TIMEOUT_MS / 1000.0)
                shard.base = shard.copied
            except (OSError, RelayFailed) as exc:
                shard.error = "cannot connect to its master (%s)" % (getattr(exc, "strerror", None) or exc)

    def _close_relays(self) -> None:
        for shard in self.shards:
            if shard.relay is None:
                continue
            self._settle(shard, wait=not shard.error)
            shard.relay.close()
            shard.relay = None

    def _scan_and_route(self, source: redis.Redis, total: int) -> None:
        cursor, routed, last = 0, 0, 0.0
        while True:
            if self.reporter.should_stop():
                raise ImportStopped("stopped")
            cursor, keys = source.scan(cursor, count=SCAN_BATCH)
            groups = {}
            for key in keys:
                groups.setdefault(self.owner[key_slot(key)], []).append(key)
            for shard, batch in groups.items():
                self._send(source, shard, batch)
            routed += len(keys)
            now = time.monotonic()
            if now - last >= 0.25:
                last = now
                self.reporter.progress(full_migration_progress=self.job.fraction_done(routed / max(1, total)),
                                       target_dbsize=self._target_keys())
            if cursor == 0:
                return

    def _send(self, source: redis.Redis, shard: Shard, keys: list) -> None:
        if shard.error:
            return
        self.touched = True
        try:
            shard.relay.expect(len(keys))
            source.execute_command("MIGRATE", shard.relay.host, shard.relay.port, "", 0, MIGRATE_TIMEOUT_MS, "COPY", "REPLACE",
                                   "KEYS", *keys)
            self._settle(shard)
        except (redis.RedisError, RelayFailed) as exc:
            self._settle(shard)
            shard.error = shard.relay.error or str(exc)
            self.reporter.error("copy: %s failed after %d keys: %s; it takes no more keys and is restored at the end."
                                % (shard.name, shard.copied, shard.error))

    @staticmethod
    def _settle(shard: Shard, wait: bool = False) -> None:
        """Count what the shard's master confirmed (after waiting for all of it when ``wait``)."""
        try:
            if wait:
                shard.relay.drain()
        except RelayFailed as exc:
            shard.error = shard.error or str(exc)
        finally:
            shard.copied = shard.base + shard.relay.confirmed

    def _copy_functions(self, source: redis.Redis) -> None:
        count, payload = function_libraries(source)
        if count:
            self._on_every_master(count, [("FUNCTION", "RESTORE", payload, "REPLACE")])

    def _on_every_master(self, count: int, commands: list) -> None:
        """Functions live per node: ``commands`` (which restore ``count`` libraries) run on every shard's master."""
        self.touched = True
        for shard in self.shards:
            if shard.error:
                continue
            try:
                with shard.master.client(socket_timeout=60) as client:
                    for args in commands:
                        client.execute_command(*args)
            except redis.RedisError as exc:
                shard.error = "restoring the functions failed (%s)" % exc
        self.reporter.info("copy: %d function librar%s restored on every master."
                           % (count, "y" if count == 1 else "ies"))

    def _target_keys(self):
        try:
            return self.target.key_count()
        except redis.RedisError:
            return None

    # failures --------------------------------------------------------------------------------------------

    def _restore(self, shards: list) -> None:
        """Restart each shard's master from its snapshot and make its replica copy it again."""
        if not self.snapshotted:
            return
        for shard in shards:
            started = time.monotonic()
            try:
                shard.master.restart()
                resync(shard.master, [shard.replica])
            except (ServerFailed, redis.RedisError) as exc:
                raise ImportFailed("%s could not be restored from its snapshot (%s); the cluster needs attention."
                                   % (shard.name, exc)) from None
            self.reporter.info("restore: %s restored to its state before the import in %.2f s."
                               % (shard.name, time.monotonic() - started))
        try:
            self.target.wait_healthy()
        except ServerFailed as exc:
            raise ImportFailed("After restoring %s from %s snapshot%s: %s; the cluster needs attention."
                               % (", ".join(s.name for s in shards), "its" if len(shards) == 1 else "their",
                                  "" if len(shards) == 1 else "s", exc)) from None
        self.reporter.progress(target_dbsize=self._target_keys())

    def _partial_failure(self, failed: list) -> str:
        done = [shard for shard in self.shards if not shard.error]
        said = "; ".join("%s: %s" % (shard.name, shard.error) for shard in failed)
        kept = ("%s hold%s every key of the backup that belongs to %s (%d keys)"
                % (", ".join("shard %d" % s.number for s in done), "s" if len(done) == 1 else "",
                   "it" if len(done) == 1 else "them", sum(s.copied for s in done))) if done else "no shard kept any key"
        return ("The import into the cluster failed on %s. %s %s restored to %s state before the import; %s."
                % (said, ", ".join("Shard %d" % s.number for s in failed), "was" if len(failed) == 1 else "were",
                   "its" if len(failed) == 1 else "their", kept))
