# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A local stand-in for an external target that MIGRATE writes to, so that copying overlaps with restoring.

MIGRATE straight into the target is a lock-step: the staging server serializes a batch, waits while the target
restores it, reads the replies one byte per system call, and only then serializes the next batch.  The relay
acknowledges each batch as soon as its first bytes arrive and streams every command, unchanged, to the target on
one connection of its own; a reader checks each of the target's replies.  So the staging server serializes the
next batch while the target restores the previous one.  Each key still arrives whole (the target runs one
RESTORE per key); the relay counts the keys the target confirmed, and on the target's first error or a lost
connection it stops acknowledging, so the staging server's next MIGRATE fails at once.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Optional

OK = b"+OK\r\n"
# Bytes in flight between the staging server and the target are bounded by these buffers (about 1 MB): MIGRATE
# sends relative TTLs, so a key's TTL drifts by no more than the time the target takes to restore that much.
BUFFER_BYTES = 256 * 1024
CHUNK = 256 * 1024


def command(*args) -> bytes:
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg if isinstance(arg, bytes) else str(arg).encode("utf-8")
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


class RelayFailed(Exception):
    """The target refused a command or the connection to it broke; the message says which."""


class MigrateRelay:
    """Listens on 127.0.0.1 for one database's MIGRATE connections and relays them to ``target``."""

    def __init__(self, target, timeout: float):
        self.timeout = timeout
        self.error: Optional[str] = None
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._pending = 0  # acknowledgements owed to the staging server, sent when its next bytes arrive
        self._selects = 0  # SELECT commands MIGRATE sent (one per connection it opens): their replies are not keys
        self._replies = 0  # +OK replies the target sent
        self._expected = 0  # key commands handed to MIGRATE
        self._clients = []
        self._target = self._connect(target)
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, BUFFER_BYTES)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(4)
        self.host, self.port = self._listener.getsockname()
        self._threads = [threading.Thread(target=self._accept, name="dcs-relay-accept", daemon=True),
                         threading.Thread(target=self._read_replies, name="dcs-relay-replies", daemon=True)]
        for thread in self._threads:
            thread.start()

    # what the copy loop asks ----------------------------------------------------------------------------

    @property
    def confirmed(self) -> int:
        """Keys the target has confirmed (each one restored whole)."""
        with self._lock:
            return max(0, self._replies - self._selects)

    def expect(self, keys: int) -> None:
        """The next MIGRATE carries ``keys`` keys: acknowledge them when its bytes arrive."""
        with self._lock:
            if self.error:
                raise RelayFailed(self.error)
            self._pending += keys
            self._expected += keys

    @property
    def handed(self) -> int:
        """Keys handed to MIGRATE so far."""
        return self._expected

    def drain(self) -> None:
        """Wait until the target has confirmed every key handed over; fail if it stops confirming for ``timeout``."""
        seen, since = self.confirmed, time.monotonic()
        while self.confirmed < self._expected and not self.error:
            if self.confirmed != seen:
                seen, since = self.confirmed, time.monotonic()
            elif time.monotonic() - since > self.timeout:
                self._fail("the target confirmed none of the last %d keys within %d s" % (self._expected - seen, self.timeout))
            time.sleep(0.002)
        if self.error:
            raise RelayFailed(self.error)

    def close(self) -> None:
        for sock in [self._listener, self._target] + self._clients:
            _close(sock)

    # threads ----------------------------------------------------------------------------------------------

    def _connect(self, target) -> socket.socket:
        sock = socket.create_connection((target.host, target.port), timeout=self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, BUFFER_BYTES)
        if target.password:
            sock.sendall(command("AUTH", target.password))
            reply = _read_line(sock)
            if reply != OK:
                _close(sock)
                raise RelayFailed("the target refused the password (%s)" % reply.strip().decode("utf-8", "replace")[:200])
        sock.settimeout(None)
        return sock

    def _accept(self) -> None:
        while True:
            try:
                client, _address = self._listener.accept()
            except OSError:
                return  # closed
            with self._lock:
                if self.error:
                    _close(client)
                    continue
                self._clients.append(client)
                # A new connection starts with SELECT <db>; its reply is owed too.
                self._selects += 1
                self._pending += 1
            threading.Thread(target=self._forward, args=(client,), name="dcs-relay-forward", daemon=True).start()

    def _forward(self, client: socket.socket) -> None:
        try:
            while True:
                data = client.recv(CHUNK)
                if not data:
                    return
                with self._lock:
                    if self.error:
                        break
                    owed, self._pending = self._pending, 0
                if owed:
                    client.sendall(OK * owed)
                with self._send_lock:
                    self._target.sendall(data)
        except OSError as exc:
            self._fail("the connection to the target broke (%s)" % (exc.strerror or exc))
        _close(client)  # the staging server's MIGRATE then fails at once

    def _read_replies(self) -> None:
        pending = b""
        try:
            while True:
                data = self._target.recv(CHUNK)
                if not data:
                    self._fail("the target closed the connection")
                    return
                pending += data
                whole = len(pending) // len(OK)
                if pending[:whole * len(OK)] != OK * whole:
                    self._fail_with_reply(pending)
                    return
                with self._lock:
                    self._replies += whole
                pending = pending[whole * len(OK):]
        except OSError as exc:
            self._fail("the connection to the target broke (%s)" % (exc.strerror or exc))

    def _fail_with_reply(self, pending: bytes) -> None:
        """Count the +OK before the first other reply, and keep that reply (one line) as the error."""
        good = 0
        while pending[good * len(OK):(good + 1) * len(OK)] == OK:
            good += 1
        with self._lock:
            self._replies += good
        line = pending[good * len(OK):].split(b"\r\n", 1)[0].lstrip(b"-+")
        self._fail("the target answered: %s" % line.decode("utf-8", "replace")[:300].rstrip("."))

    def _fail(self, message: str) -> None:
        with self._lock:
            if self.error:
                return
            self.error = message
            clients = list(self._clients)
        for sock in clients + [self._listener]:
            _close(sock)


def _read_line(sock: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\r\n"):
        chunk = sock.recv(1024)
        if not chunk:
            break
        data += chunk
    return data


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass
