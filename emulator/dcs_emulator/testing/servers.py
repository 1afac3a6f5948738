# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plain Redis servers for tests, outside any emulator: the self-built Redis an online migration copies from."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from dcs_emulator.importer.servers import ManagedServer


@contextmanager
def source_redis(directory, password, binary=None):
    """A Redis server on 127.0.0.1 (a free port, ``password``) for online migrations to replicate from; stopped on
    the way out. ``binary`` is a ``ServerBinary`` (the newest found when None)."""
    server = ManagedServer(Path(directory), password=password, binary=binary, label="source server")
    server.start()
    try:
        yield server
    finally:
        server.stop()
