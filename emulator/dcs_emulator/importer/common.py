# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every import path shares: its outcomes, the source of a file, and two questions asked of a server."""

from __future__ import annotations

import struct
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import redis


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


def save(client: redis.Redis, timeout: float = 120.0) -> None:
    """SAVE, after any background save under way (a replica's full sync forks one, which may still be exiting when
    the replica already reports itself in sync): SAVE is refused while it runs."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            client.save()
            return
        except redis.ResponseError as exc:
            if "in progress" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


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


def function_libraries(client: redis.Redis) -> tuple:
    """(number of function libraries, FUNCTION DUMP payload) of a server; (0, None) when it has none or no
    functions at all (Redis < 7). Functions live per server: a copy restores the payload where it is needed."""
    try:
        libraries = client.execute_command("FUNCTION", "LIST")
    except redis.ResponseError:
        return 0, None
    if not libraries:
        return 0, None
    return len(libraries), client.execute_command("FUNCTION", "DUMP")
