# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Acting as a replica of a source Redis: the handshake, the snapshot, and the replication stream.

``ReplicaLink`` speaks the replica side of the protocol on a plain socket: ``AUTH``, ``REPLCONF listening-port``,
``REPLCONF capa eof capa psync2``, ``PSYNC <replid> <offset>`` (``PSYNC ? -1`` for a first, full sync), then the
snapshot (``$<length>`` or the diskless ``$EOF:<mark>`` framing) and the stream of write commands, parsed by
hiredis's ``Reader``. ``StreamApplier`` sends those commands to the target, pipelined and in order, and counts
the replication offset the way the source does (the byte length of every command after the snapshot).

Errors are one line each, for a task's ``error_message``: ``SyncRefused`` (the source said no: password,
PSYNC refused, not reachable) and ``SourceGone`` (an established link broke: a replica may resume it).
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Callable, Optional

import hiredis
import redis

EOF_MARK_LEN = 40
CHUNK = 1 << 16
ACK_PERIOD = 1.0


class SyncRefused(Exception):
    """The source cannot be replicated from (unreachable, wrong password, PSYNC refused ...)."""


class SourceGone(Exception):
    """The link to the source broke after it was established."""


def encode(args) -> bytes:
    """A command as a RESP array of bulk strings (how a source sends it, and how it is counted)."""
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg if isinstance(arg, bytes) else str(arg).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


def command_size(args: list) -> int:
    """Bytes of ``args`` as the source sent them (``*<n>\\r\\n`` then ``$<len>\\r\\n<arg>\\r\\n`` each): the offset it
    adds to the replication stream. On the hot path: plain arithmetic, no encoding."""
    size = 3 + len(str(len(args)))
    for arg in args:
        length = len(arg)
        size += length + 5 + len(str(length))
    return size


def parse_addr(addr: str) -> tuple:
    """``host:port`` -> (host, port); the port defaults to 6379."""
    host, _colon, port = addr.strip().rpartition(":")
    if not host:
        return addr.strip(), 6379
    return host.strip("[]"), int(port)


class ReplicaLink:
    """One replica connection to a source (not thread-safe except ``ack``, which has its own lock)."""

    def __init__(self, host: str, port: int, password: Optional[str] = None, timeout: float = 10.0):
        self.host = host
        self.port = port
        self.password = password
        self.timeout = timeout
        self.sock: Optional[socket.socket] = None
        self._buffer = bytearray()  # bytes received and not consumed yet (handshake and snapshot framing)
        self._reader = hiredis.Reader()
        self._raw = bytearray()  # stream bytes fed to the reader and not returned yet
        self._send_lock = threading.Lock()
        self.received = 0  # stream bytes read after the snapshot

    @property
    def where(self) -> str:
        return "%s:%d" % (self.host, self.port)

    # connection and handshake ----------------------------------------------------------------------------

    def connect(self) -> "ReplicaLink":
        try:
            self.sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as exc:
            raise SyncRefused("Cannot connect to the source %s: %s." % (self.where, exc.strerror or exc)) from None
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self

    def handshake(self, listening_port: int = 0) -> None:
        if self.password:
            self._expect_ok(("AUTH", self.password), "The source %s refused the password" % self.where)
        refusal = "The source %s refused REPLCONF" % self.where
        self._expect_ok(("REPLCONF", "listening-port", str(listening_port)), refusal)
        self._expect_ok(("REPLCONF", "capa", "eof", "capa", "psync2"), refusal)

    def psync(self, repl_id: str = "?", offset: int = -1) -> tuple:
        """``("full", replid, offset)`` (a snapshot follows) or ``("continue", replid or None)``."""
        reply = self._request(("PSYNC", repl_id, str(offset)))
        if isinstance(reply, hiredis.ReplyError):
            raise SyncRefused("The source %s refused PSYNC (%s): online migration needs a source that allows "
                              "SYNC/PSYNC (not renamed nor denied by its ACL)." % (self.where, reply))
        text = reply.decode() if isinstance(reply, bytes) else str(reply)
        words = text.split()
        if words and words[0] == "FULLRESYNC" and len(words) == 3:
            return "full", words[1], int(words[2])
        if words and words[0] == "CONTINUE":
            return "continue", words[1] if len(words) > 1 else None
        raise SyncRefused("The source %s answered PSYNC with %r, not a replication start." % (self.where, text[:80]))

    def _expect_ok(self, args: tuple, refusal: str) -> None:
        reply = self._request(args)
        if isinstance(reply, hiredis.ReplyError):
            raise SyncRefused("%s (%s)." % (refusal, str(reply).split("\n", maxsplit=1)[0][:200]))

    def _request(self, args: tuple):
        """Send one command and read its one-line answer (parsed by a hiredis Reader)."""
        self._send(encode(args))
        line = self._readline()
        while line in (b"\n", b"\r\n"):
            # A source preparing the snapshot (diskless sync's delay, a BGSAVE in progress) sends bare newlines
            # before +FULLRESYNC to keep the link alive; Redis's own replicas skip them too.
            line = self._readline()
        reader = hiredis.Reader()
        reader.feed(line)
        reply = reader.gets()
        if reply is False:
            raise SyncRefused("The source %s sent an answer that is not RESP: %r." % (self.where, line[:80]))
        return reply

    def _readline(self) -> bytes:
        while True:
            end = self._buffer.find(b"\n")
            if end >= 0:
                line = bytes(self._buffer[:end + 1])
                del self._buffer[:end + 1]
                return line
            self._buffer += self._recv()

    def _recv(self, should_stop: Optional[Callable[[], bool]] = None) -> bytes:
        """The next bytes from the socket; a timeout is an error unless ``should_stop`` is given (then the wait
        goes on until it says stop)."""
        while True:
            try:
                chunk = self.sock.recv(CHUNK)
            except socket.timeout:
                if should_stop is None:
                    raise SyncRefused("The source %s did not answer within %.0f s."
                                      % (self.where, self.timeout)) from None
                if should_stop():
                    raise SourceGone("Stopped while waiting for the source %s." % self.where) from None
                continue
            except OSError as exc:
                raise self._broken(exc) from None
            if not chunk:
                raise SourceGone("The source %s closed the connection." % self.where)
            return chunk

    def _broken(self, exc: OSError) -> "SourceGone":
        return SourceGone("The connection to the source %s broke: %s." % (self.where, exc.strerror or exc))

    def _send(self, data: bytes) -> None:
        try:
            with self._send_lock:
                self.sock.sendall(data)
        except OSError as exc:
            raise self._broken(exc) from None

    # snapshot ----------------------------------------------------------------------------------------------

    def receive_snapshot(self, dest: Path, progress: Optional[Callable[[int], None]] = None,
                         should_stop: Callable[[], bool] = lambda: False) -> int:
        """Write the RDB snapshot that follows ``+FULLRESYNC`` to ``dest``; returns its size."""
        while True:
            line = self._readline()
            if line.strip():
                break  # newlines are the source's keep-alives while it prepares the snapshot
        if line.startswith(b"-"):
            raise SyncRefused("The source %s could not send its snapshot (%s)."
                              % (self.where, line[1:].strip().decode(errors="replace")))
        if not line.startswith(b"$"):
            raise SyncRefused("The source %s sent %r instead of a snapshot." % (self.where, line[:40]))
        with open(dest, "wb") as out:
            if line.startswith(b"$EOF:"):
                return self._copy_until_mark(out, line[5:5 + EOF_MARK_LEN], progress, should_stop)
            return self._copy_length(out, int(line[1:]), progress, should_stop)

    def _copy_length(self, out, length: int, progress, should_stop) -> int:
        left = length
        while left:
            chunk = self._read(min(left, CHUNK), should_stop)
            out.write(chunk)
            left -= len(chunk)
            if progress:
                progress(length - left)
        return length

    def _copy_until_mark(self, out, mark: bytes, progress, should_stop) -> int:
        """Diskless snapshot: the bytes up to the 40-byte mark; what follows the mark is stream data."""
        tail = b""
        written = 0
        while True:
            data = tail + self._read(CHUNK, should_stop)
            end = data.find(mark)
            if end >= 0:
                out.write(data[:end])
                self._buffer += data[end + EOF_MARK_LEN:]
                return written + end
            keep = max(0, len(data) - EOF_MARK_LEN)
            out.write(data[:keep])
            written += keep
            tail = data[keep:]
            if progress:
                progress(written)

    def _read(self, size: int, should_stop) -> bytes:
        if should_stop():  # a stop must not wait for the end of a large snapshot
            raise SourceGone("Stopped while the snapshot was arriving from %s." % self.where)
        if self._buffer:
            chunk = bytes(self._buffer[:size])
            del self._buffer[:size]
            return chunk
        chunk = self._recv(should_stop)
        if len(chunk) > size:
            self._buffer += chunk[size:]
            chunk = chunk[:size]
        return chunk

    # stream ------------------------------------------------------------------------------------------------

    def commands(self, wait: float) -> tuple:
        """(whole commands received so far, their sizes, their raw bytes as the source sent them), reading for up
        to ``wait`` seconds when none is buffered."""
        if self._buffer:  # stream bytes that came with the snapshot's end
            self._take(bytes(self._buffer))
            self._buffer.clear()
        found = self._drain()
        if found[0]:
            return found
        self.sock.settimeout(wait)
        try:
            chunk = self.sock.recv(CHUNK)
        except socket.timeout:
            return [], [], b""
        except OSError as exc:
            raise self._broken(exc) from None
        if not chunk:
            raise SourceGone("The source %s closed the connection." % self.where)
        self._take(chunk)
        return self._drain()

    def _take(self, data: bytes) -> None:
        self.received += len(data)
        self._raw += data
        self._reader.feed(data)

    def _drain(self) -> tuple:
        """(commands, their sizes, their raw bytes) of the whole commands the reader holds."""
        found = []
        sizes = []
        gets = self._reader.gets  # the hot loop: one lookup, not one per command
        while True:
            item = gets()
            if item is False:
                break
            if item.__class__ is list:
                found.append(item)
                sizes.append(command_size(item))
            elif isinstance(item, hiredis.ReplyError):
                raise SourceGone("The source %s sent an error in the stream: %s." % (self.where, item))
        total = sum(sizes)
        raw = bytes(self._raw[:total])
        del self._raw[:total]
        return found, sizes, raw

    def ack(self, offset: int) -> None:
        self._send(encode(("REPLCONF", "ACK", str(offset))))

    def close(self) -> None:
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass


class StreamApplier:
    """Applies replication-stream commands to the target over one plain connection, in order, pipelined.

    The commands go to the target as the source sent them (the raw bytes, with ``REPLCONF`` taken out), and
    the replies are counted with a hiredis Reader: no re-encoding on the hot path. ``offset`` is the
    replication offset applied so far; ``db`` the database the stream has selected (kept across
    reconnections: a partial resync continues the stream where it was).
    """

    def __init__(self, host: str, port: int, password: Optional[str], offset: int, db: int = 0, timeout: float = 60.0):
        self.where = "%s:%d" % (host, port)
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._replies = hiredis.Reader()
        self.offset = offset
        self.db = db
        self.commands = 0
        self.bytes = 0
        self.errors = 0
        self.last_error = ""
        if password:
            self._send(encode(("AUTH", password)), 1, fatal=True)
        if db:
            self._send(encode(("SELECT", str(db))), 1, fatal=True)

    def apply(self, commands: list, sizes: list, raw: bytes, link: ReplicaLink) -> None:
        """Send ``commands`` (``raw``: their bytes) in runs between the ``REPLCONF``s, which stay out. The offset
        moves only past what the target has answered: a failure leaves it at the last command applied."""
        start = run = count = 0
        for args, size in zip(commands, sizes):
            # Only the names of 8 (REPLCONF) or 6 (SELECT) letters need a look: most commands pass untouched.
            name = args[0].upper() if len(args[0]) in (6, 8) else b""
            if name == b"REPLCONF":
                self._flush(raw, run, start, count)
                self.offset += size
                run, count = start + size, 0
                if len(args) > 1 and args[1].upper() == b"GETACK":
                    link.ack(self.offset - size)
            else:
                if name == b"SELECT":
                    self.db = int(args[1])
                count += 1
            start += size
        self._flush(raw, run, start, count)

    def _flush(self, raw: bytes, begin: int, end: int, count: int) -> None:
        if count:
            self._send(raw[begin:end], count)
            self.commands += count
        self.offset += end - begin
        self.bytes += end - begin

    def _send(self, data: bytes, replies: int, fatal: bool = False) -> None:
        try:
            self.sock.sendall(data)
            while replies:
                item = self._replies.gets()
                if item is False:
                    chunk = self.sock.recv(CHUNK)
                    if not chunk:
                        raise redis.ConnectionError("the target %s closed the connection" % self.where)
                    self._replies.feed(chunk)
                    continue
                replies -= 1
                self._check(item, fatal)
        except OSError as exc:
            raise redis.ConnectionError("the connection to the target %s broke: %s"
                                        % (self.where, exc.strerror or exc)) from None

    def _check(self, reply, fatal: bool) -> None:
        if isinstance(reply, list):
            reply = next((item for item in reply if isinstance(item, hiredis.ReplyError)), None)
        if isinstance(reply, hiredis.ReplyError):
            if fatal:
                raise redis.AuthenticationError("the target %s refused: %s" % (self.where, reply))
            self.errors += 1
            self.last_error = str(reply)

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


class Throttle:
    """Keeps a byte rate under ``mb_per_second`` (None: no limit) by sleeping."""

    def __init__(self, mb_per_second: Optional[float]):
        self.rate = mb_per_second * 1024 * 1024 if mb_per_second else None
        self.started = time.monotonic()
        self.count = 0

    def spend(self, size: int) -> None:
        if self.rate is None:
            return
        self.count += size
        ahead = self.count / self.rate - (time.monotonic() - self.started)
        if ahead > 0:
            time.sleep(min(ahead, 1.0))
