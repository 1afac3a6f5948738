# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""External target, the fast way: each RDB file is read by the streaming reader (rdb_stream.py) and its keys go to
the target as pipelined ``RESTORE key expiry payload REPLACE ABSTTL`` (plain strings without expiry: ``MSET``),
database by database; no staging server.

Why: a staging server must first load the whole file (as long as the target's own load would take), and MIGRATE
then serializes every key again; streaming the file's own encoding skips both.  The merge is the same as the
staging path's (MIGRATE COPY REPLACE): a key of the backup replaces the target's key of that name, other keys
stay, expired keys are skipped as a loader skips them; each RESTORE is atomic, so every key arrives whole.

The file's checksum is verified before the first key is sent, so a corrupt or truncated file changes nothing.
What the reader does not read (AOF files, module types, newer hash types, a file without checksum, a target whose
RDB version is unknown) goes through the staging path (migrate.py), with the reason in the task log.
"""

from __future__ import annotations

import collections
import select
import socket
import time
from typing import Optional

import redis

from dcs_emulator.importer import formats
from dcs_emulator.importer.common import ImportFailed
from dcs_emulator.importer.migrate import MigratePath
from dcs_emulator.importer.rdb_stream import Corrupt, RdbFile, Unreadable
from dcs_emulator.importer.relay import command

OK = b"+OK\r\n"
CHUNK_BYTES = 512 * 1024  # commands are written in chunks of about this size
WINDOW = 100_000  # commands sent but not yet confirmed, at most
SOCKET_BUFFER = 4 * 1024 * 1024
REPLY_TIMEOUT = 60.0  # no confirmation for this long: the target is stuck
TICK = 0.25  # progress and stop requests, every TICK seconds
FOREIGN_VERSIONS = range(12, 80)  # Redis 7.4+ files: Valkey 9 refuses their payloads unless relaxed
ABSTTL_SINCE = 9  # RESTORE ... ABSTTL: Redis 5.0 (RDB 9)


class TargetFailed(Exception):
    """The target refused a command or the connection broke; the message says which."""


def why_not_streamed(unit: formats.Unit, target, target_rdb: Optional[int]) -> Optional[str]:
    """Why ``unit`` cannot be streamed into ``target`` (whose RDB version is ``target_rdb``), or None if it can."""
    if getattr(target, "staging_only", False):
        return "the target asks for the staging path"  # the benchmark's before-and-after comparison
    if unit.kind != "rdb":
        return "it is an AOF file, which only a server's AOF loader reads"
    if target_rdb is None:
        return "the target's RDB version is unknown (it refused DUMP), so its RESTORE payloads cannot be chosen"
    if unit.rdb_version in FOREIGN_VERSIONS and target_rdb >= 80:
        return "RDB version %d is foreign to the target (%s)" % (unit.rdb_version, formats.rdb_producer(target_rdb))
    return None


class RestorePath(MigratePath):
    """External target: RDB files streamed as pipelined RESTOREs; anything else through a staging server."""

    copied_of_unit = 0  # keys of the current file the target confirmed

    def copy_unit(self, index: int, unit: formats.Unit) -> None:
        self.copied_of_unit = 0
        base = self.copied
        reason = self._why_not_streamed(unit)
        if reason is None:
            try:
                with RdbFile(unit.path) as rdb:
                    try:
                        rdb.verify()
                    except Corrupt as exc:
                        raise self._corrupt(unit, exc) from None
                    self._stream(rdb, unit)
                return
            except Unreadable as exc:
                reason = "the streaming reader cannot read it: %s" % exc
                if self.copied_of_unit:
                    reason += " (the %d keys it sent are sent again, each replacing itself)" % self.copied_of_unit
                self.copied, self.in_flight = base, 0
            except Corrupt as exc:
                raise self._corrupt(unit, exc) from None
        self.reporter.info("copy: %s goes through a staging server: %s." % (unit.label, reason))
        self.dbs_done, self.db_in_progress = [], None
        super().copy_unit(index, unit)

    def _why_not_streamed(self, unit: formats.Unit):
        return why_not_streamed(unit, self.target, self.target_rdb)

    def _corrupt(self, unit: formats.Unit, exc: Exception) -> ImportFailed:
        held, in_flight = self.left_behind(), self._in_flight()
        if held == "none yet" and not in_flight:
            return ImportFailed("Loading %s failed: the file is corrupt or truncated (%s). The target is unchanged." % (unit.label, exc))
        return ImportFailed("Loading %s failed: the file is corrupt or truncated (%s). Keys already copied stay in the target "
                            "(each one whole): %s%s; no other key was changed." % (unit.label, exc, held, in_flight))

    # streaming ---------------------------------------------------------------------------------------------

    def _stream(self, rdb: RdbFile, unit: formats.Unit) -> None:
        started = time.monotonic()
        try:
            pipe = Pipe(self.target)
        except OSError as exc:
            raise self.failed(unit, "cannot connect to the target (%s)" % (exc.strerror or exc)) from None
        except TargetFailed as exc:
            raise self.failed(unit, exc) from None
        base = self.copied
        sender = _Sender(self, pipe, rdb, base)
        try:
            functions = sender.run()
        except TargetFailed as exc:
            sender.settle_after_failure()
            raise self.failed(unit, exc) from None
        finally:
            pipe.close()
        self.job.source_keys += sender.keys
        self.reporter.progress(source_dbsize=self.job.source_keys)
        self._load_functions(unit, functions)
        seconds = time.monotonic() - started
        moved = self.copied - base
        self.reporter.info("copy: %s: %d keys copied into the target in %.2f s (%.0f keys/s): read from the file and sent as "
                           "pipelined MSET (plain strings) and RESTORE ... REPLACE%s, without a staging server or MIGRATE."
                           % (unit.label, moved, seconds, moved / seconds if seconds else 0,
                              " ABSTTL" if self.target_rdb >= ABSTTL_SINCE else ""))

    def _load_functions(self, unit: formats.Unit, libraries: list) -> None:
        if not libraries:
            return
        client = self.target.client(socket_timeout=60)
        try:
            for code in libraries:
                client.execute_command("FUNCTION", "LOAD", "REPLACE", code)
        except redis.RedisError as exc:
            raise self.failed(unit, "loading its functions failed: %s" % exc) from None
        finally:
            client.close()
        self.reporter.info("copy: %d function librar%s loaded into the target." % (len(libraries), "y" if len(libraries) == 1 else "ies"))


class _Sender:
    """One file's keys into one connection: the loop, the per-database bookkeeping and progress."""

    def __init__(self, path: RestorePath, pipe: "Pipe", rdb: RdbFile, base: int):
        self.path = path
        self.pipe = pipe
        self.rdb = rdb
        self.base = base  # keys copied before this file
        self.keys = 0  # keys of this file sent
        self.db = None
        self.db_base = 0  # keys of this file confirmed before the current database

    def run(self) -> list:
        """Send every key; return the function libraries of the file (loaded after its keys, as MIGRATE's path does)."""
        functions = []
        last = (time.monotonic(), self.path.copied)
        first = True
        for event in self.rdb.restores(absolute=self.path.target_rdb >= ABSTTL_SINCE, chunk_bytes=CHUNK_BYTES):
            if event[0] == "keys":
                self.pipe.send(event[1], event[2], event[3])
                self.keys += event[3]
                now = time.monotonic()
                if first or now - last[0] >= TICK:  # the first chunk is reported at once
                    self._settle()
                    self._report(now, last)
                    last, first = (now, self.path.copied), False
                    if self.path.reporter.should_stop():
                        self._wait()  # the database under way is named with the keys the target confirmed
                        raise self.path.stopped()
            elif event[0] == "db":
                self._switch_db(event[1], event[2])
            else:
                functions.append(event[1])
        self._finish_db()
        return functions

    def _switch_db(self, number: int, size) -> None:
        """Everything of the previous database confirmed first: a stop or failure then names it as copied in full."""
        self._finish_db()
        if self.path.reporter.should_stop():
            raise self.path.stopped()
        self.db = number
        self.db_base = self.pipe.confirmed_keys
        self.path.db_in_progress = (number, 0, size if size is not None else 0)
        self.pipe.select(number)

    def _wait(self) -> None:
        """Wait for the target's answer to everything sent."""
        self.pipe.drain()
        self._settle()

    def _finish_db(self) -> None:
        if self.db is None:
            return
        self._wait()
        self.path.dbs_done.append(self.db)
        self.path.db_in_progress, self.db = None, None

    def _settle(self) -> None:
        pipe = self.pipe
        self.path.copied = self.base + pipe.confirmed_keys
        if self.db is not None:
            _db, _done, total = self.path.db_in_progress
            self.path.db_in_progress = (self.db, pipe.confirmed_keys - self.db_base, total)
        self.path.in_flight = pipe.sent_keys - pipe.confirmed_keys - pipe.refused_keys
        self.path.copied_of_unit = pipe.confirmed_keys

    def settle_after_failure(self) -> None:
        """After the target's first error: count what it still confirms of what was sent, so the message is exact."""
        self.pipe.read_rest()
        self._settle()

    def _report(self, now: float, last: tuple) -> None:
        path = self.path
        path.reporter.progress(full_migration_progress=path.job.fraction_done(self.rdb.position / max(1, self.rdb.size)),
                               target_dbsize=path._target_keys(),  # pylint: disable=protected-access
                               target_ops="%.0f" % ((path.copied - last[1]) / max(1e-6, now - last[0])))


class Pipe:
    """One connection to the target: commands written in large chunks, replies counted as they come back.

    Each command carries a number of keys (RESTORE one, MSET several, AUTH and SELECT none), so the keys the
    target confirmed are known exactly.  Every reply is a line (+OK, or -ERR for a refused command): a chunk of
    replies that holds only +OK lines is counted without parsing; the first other line is the target's error.
    """

    def __init__(self, target):
        self.sock = socket.create_connection((target.host, target.port), timeout=REPLY_TIMEOUT)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SOCKET_BUFFER)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SOCKET_BUFFER)
        self.sent = 0  # commands written to the socket
        self.answered = 0  # commands the target answered
        self.sent_keys = 0
        self.confirmed_keys = 0  # keys of the commands answered +OK
        self.refused_keys = 0  # keys of the commands answered with an error
        self.waiting = collections.deque()  # key counts of the commands sent, not answered, by chunk
        self.offset = 0  # commands of waiting[0] already answered
        self.error = None
        self.pending = b""
        if target.password:
            self.send(command("AUTH", target.password), [0])
            try:
                self.drain()
            except TargetFailed as exc:
                self.close()
                raise TargetFailed(str(exc).replace("the target answered", "the target refused the password")) from None

    # writing ------------------------------------------------------------------------------------------------

    def send(self, commands: bytes, keys: list, count: Optional[int] = None) -> None:
        """Write ``commands`` (RESP bytes; ``keys[i]`` keys in the i-th, ``count`` of them in all) once fewer than
        WINDOW commands wait for their replies."""
        while self.sent + len(keys) - self.answered > WINDOW:
            self._read(block=True)
        try:
            self.sock.sendall(commands)
        except OSError as exc:
            self._fail("the connection to the target broke (%s)" % (exc.strerror or exc))
        self.sent += len(keys)
        self.sent_keys += sum(keys) if count is None else count
        self.waiting.append(keys)
        self._read(block=False)

    def select(self, db: int) -> None:
        self.send(command("SELECT", db), [0])

    def drain(self) -> None:
        """Wait until the target answered every command sent."""
        while self.answered < self.sent:
            self._read(block=True)

    # reading ------------------------------------------------------------------------------------------------

    def _answer(self, count: int) -> int:
        """The next ``count`` commands were answered: how many keys they carried."""
        keys = 0
        while count:
            head = self.waiting[0]
            take = min(count, len(head) - self.offset)
            keys += sum(head[self.offset:self.offset + take]) if take < len(head) else sum(head)
            count -= take
            self.answered += take
            self.offset += take
            if self.offset == len(head):
                self.waiting.popleft()
                self.offset = 0
        return keys

    def _read(self, block: bool) -> None:
        if self.error:
            raise TargetFailed(self.error)
        if not block:
            ready, _w, _x = select.select([self.sock], [], [], 0)
            if not ready:
                return
        else:
            ready, _w, _x = select.select([self.sock], [], [], REPLY_TIMEOUT)
            if not ready:
                self._fail("the target confirmed none of the last %d keys within %d s"
                           % (self.sent_keys - self.confirmed_keys - self.refused_keys, REPLY_TIMEOUT))
        try:
            data = self.sock.recv(1 << 20)
        except OSError as exc:
            self._fail("the connection to the target broke (%s)" % (exc.strerror or exc))
        if not data:
            self._fail("the target closed the connection")
        self._count(self.pending + data if self.pending else data)

    def _count(self, data: bytes) -> None:
        end = data.rfind(b"\n") + 1  # whole lines; the rest waits for the next read
        whole, self.pending = data[:end], data[end:]
        oks = whole.count(OK)
        if oks * len(OK) == end:
            self.confirmed_keys += self._answer(oks)
            return
        lines = whole.split(b"\r\n")[:-1]
        first = next(number for number, line in enumerate(lines) if line != b"+OK")
        self.confirmed_keys += self._answer(first)
        self.refused_keys += self._answer(1)
        self.pending = b"".join(line + b"\r\n" for line in lines[first + 1:]) + self.pending  # for read_rest
        self._fail("the target answered: %s" % lines[first][1:].decode("utf-8", "replace")[:300].rstrip("."))

    def _fail(self, message: str) -> None:
        self.error = self.error or message
        raise TargetFailed(self.error)

    def read_rest(self, timeout: float = 10.0) -> None:
        """After an error reply: count the replies to the commands sent after it (each +OK carries whole keys), so
        the failure names exactly the keys that arrived; a broken connection leaves the rest unconfirmed."""
        if not self.error or not self.error.startswith("the target answered"):
            return
        deadline = time.monotonic() + timeout
        data, self.pending = self.pending, b""
        while True:
            end = data.rfind(b"\n") + 1
            for line in data[:end].split(b"\r\n")[:-1]:
                if line == b"+OK":
                    self.confirmed_keys += self._answer(1)
                else:
                    self.refused_keys += self._answer(1)
            data = data[end:]
            if self.answered >= self.sent:
                return
            ready, _w, _x = select.select([self.sock], [], [], max(0.0, deadline - time.monotonic()))
            try:
                more = self.sock.recv(1 << 20) if ready else b""
            except OSError:
                more = b""
            if not more:
                return
            data += more

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass
