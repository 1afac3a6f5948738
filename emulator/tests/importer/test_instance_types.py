# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Master/standby and Redis Cluster instances, through the official SDK: real replicas, real shards, and imports
that follow the service's rules for each (keys on the shard that owns their slot, AOF refused by a cluster)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import redis
from huaweicloudsdkdcs.v2 import (ConfigMigrationInstanceBody, CreateOnlineMigrationTaskBody, CreateOnlineMigrationTaskRequest,
                                  ListMigrationTaskLogsRequest, SetOnlineMigrationTaskBody, SetOnlineMigrationTaskRequest,
                                  ShowInstanceRequest)
from redis.crc import key_slot

from dcs_emulator.importer import rdb_stream
from dcs_emulator.testing import import_request, wait_final

from .conftest import EngineEmulator, Source, assert_same_data, engine_config, make_tar, populate, snapshot

AK, SK = "AKTYPESTEST01", "sk-types-test-secret"
PROJECT = "abcdefabcdefabcdefabcdefabcdef34"
HA = "6c1f0d3e-2222-4333-8444-9555666677a1"
CLUSTER = "6c1f0d3e-2222-4333-8444-9555666677a2"
PASSWORD = "types-pass-4e1b"
SHARD_BACKUP = "cluster-backup-0001"
IMPORT_TIMEOUT = 120  # seconds: real imports into real servers, on a shared machine


def raw_config(root):
    return engine_config(root, AK, SK, PROJECT, [
        {"id": HA, "name": "orders-ha", "password": PASSWORD, "type": "ha"},
        {"id": CLUSTER, "name": "orders-cluster", "password": PASSWORD, "type": "cluster", "shards": 3, "max_memory": 4096,
         "backups": [{"id": SHARD_BACKUP, "bucket": "local", "file": "cluster-backup.tar.gz"}]},
    ])


class Served(EngineEmulator):
    def __init__(self, root):
        super().__init__(root, raw_config(root))

    def show(self, instance_id):
        return self.sdk().show_instance(ShowInstanceRequest(instance_id=instance_id))

    def masters(self) -> list:
        """The cluster's masters at the addresses the API shows (backend_addrs), in shard order."""
        return [Node(address) for address in self.show(CLUSTER).backend_addrs.split(",")]

    def ha_master(self) -> "Node":
        shown = self.show(HA)
        return Node("%s:%d" % (shown.ip, shown.port))


class Node:
    """A server by address, with the ``client(db=...)`` that snapshot() uses."""

    def __init__(self, address: str, cluster_replica: bool = False):
        self.host, port = address.split(":")
        self.port = int(port)
        self.cluster_replica = cluster_replica

    def client(self, db=0, **kwargs) -> redis.Redis:
        if not self.cluster_replica:
            return redis.Redis(host=self.host, port=self.port, password=PASSWORD, db=db, **kwargs)
        # A cluster replica answers reads only on a connection that said READONLY (else MOVED to its master).
        client = redis.Redis(host=self.host, port=self.port, password=PASSWORD, single_connection_client=True, **kwargs)
        client.execute_command("READONLY")
        return client

    def replica(self) -> "Node":
        """Its replica, as the master's INFO replication names it."""
        with self.client() as client:
            info = client.info("replication")
            cluster = bool(client.info("cluster").get("cluster_enabled"))
        return Node("%s:%s" % (info["slave0"]["ip"], info["slave0"]["port"]), cluster_replica=cluster)

    def slots(self) -> set:
        with self.client() as client:
            return {slot for first, last, master, *_replicas in client.execute_command("CLUSTER", "SLOTS") if master[1] == self.port
                    for slot in range(first, last + 1)}


@pytest.fixture(name="served", scope="module")
def served_fixture(tmp_path_factory):
    root = tmp_path_factory.mktemp("types")
    (root / "bucket").mkdir()
    served = Served(root)
    yield served
    served.stop()


def create(served, instance_id, *files, backup_id=None):
    request = import_request("types-%d" % time.monotonic_ns(), instance_id, password=PASSWORD, bucket="local",
                             files=files, backup_id=backup_id)
    task_id = served.sdk().create_migration_task(request).id
    return task_id, wait_final(served.sdk(), task_id, timeout=IMPORT_TIMEOUT)


def logs_of(served, task_id):
    listed = served.sdk().list_migration_task_logs(ListMigrationTaskLogsRequest(task_id=task_id, limit=100))
    return [(entry.log_level, entry.message) for entry in listed.migration_logs]


def cluster_backup(source, bucket, name, keys=1000):
    """An RDB of database 0 only (a Redis Cluster has no other): every type, TTLs, functions, hash tags, and
    ``keys`` more keys spread over every slot."""
    populate(source)
    source.db(3).flushdb()
    source.db(15).flushdb()
    pipe = source.client.pipeline(transaction=False)
    for number in range(keys):
        pipe.set("spread:%d" % number, "value-%d" % number)
    pipe.sadd("{user:7}:roles", "admin", "ops")
    pipe.set("{user:7}:name", "seven", ex=9000)
    pipe.execute()
    return source.save_rdb(bucket / name)


def cluster_snapshot(served) -> tuple:
    """(the data of every master merged, per master: the keys whose slot it does not own)."""
    merged, misplaced = {0: {}}, {}
    for master in served.masters():
        data = snapshot(master, databases=[0])
        owned = master.slots()
        merged[0].update(data.get(0, {}))
        misplaced[master.port] = [key for key in data.get(0, {}) if key_slot(key) not in owned]
        merged.setdefault("functions", data["functions"])
        assert data["functions"] == merged["functions"], "functions differ between masters"
    return merged, misplaced


def digests(nodes) -> list:
    """Each server's DEBUG DIGEST: equal digests, equal data (keys, values, TTLs)."""
    result = []
    for node in nodes:
        with node.client() as client:
            result.append(client.execute_command("DEBUG", "DIGEST"))
    return result


def write_own_key(node, value) -> None:
    """Writes a key that this node owns (a cluster node answers MOVED for other slots) and waits for its replica."""
    with node.client() as client:
        for attempt in range(1000):
            try:
                client.set("restart:%d" % attempt, value)
                break
            except redis.exceptions.MovedError:
                continue
        assert client.execute_command("WAIT", 1, 5000) == 1


def assert_replicas_match(masters) -> None:
    masters = list(masters)
    assert digests(master.replica() for master in masters) == digests(masters)


def test_show_reports_shards_and_addresses(served):
    cluster, ha = served.show(CLUSTER), served.show(HA)
    assert (cluster.cache_mode, cluster.sharding_count, cluster.replica_count, cluster.status) == ("cluster", 3, 2, "RUNNING")
    assert cluster.ip == "127.0.0.1,127.0.0.1,127.0.0.1" and len(set(cluster.backend_addrs.split(","))) == 3
    assert (ha.cache_mode, ha.replica_count, ha.readonly_domain_name, ha.status) == ("ha", 2, "127.0.0.1", "RUNNING")
    with served.masters()[0].client() as client:
        info = client.execute_command("CLUSTER", "INFO")
    info = info.decode() if isinstance(info, bytes) else info
    assert "cluster_state:ok" in str(info) and "cluster_size:3" in str(info)


def test_cluster_import_puts_every_key_on_the_shard_that_owns_its_slot(served, source):
    bucket = served.config["buckets"]["local"]["path"]
    cluster_backup(source, Path(bucket), "cluster.rdb")
    expected = snapshot(source.server, databases=[0])
    owner = next(m for m in served.masters() if key_slot(b"kept:own") in m.slots())
    owner.client().set("kept:own", "the target's own key")
    task_id, shown = create(served, CLUSTER, "cluster.rdb")
    assert shown.status == "SUCCESS", logs_of(served, task_id)
    actual, misplaced = cluster_snapshot(served)
    assert all(not keys for keys in misplaced.values()), misplaced
    assert actual[0].pop(b"kept:own")[1] == ("string", b"the target's own key")
    assert_same_data(actual, expected)
    assert_replicas_match(served.masters())
    assert any(m.startswith("copy: cluster.rdb: %d keys routed by hash slot" % len(expected[0])) for _l, m in logs_of(served, task_id))


def test_strings_batched_by_slot_reach_the_shard_of_their_slot_with_their_ttls(served, source, monkeypatch):
    """Plain strings wait for an MSET of their slot, the slots taking turns: with many turns in this small file
    (a cycle of 256 KiB) and hash tags that fill one slot with more keys than an MSET takes, every key still lands
    whole on the shard that owns its slot, with its TTL, and the replicas hold the same."""
    monkeypatch.setattr(rdb_stream, "SLOT_CYCLE_BYTES", 256 * 1024)
    bucket = Path(served.config["buckets"]["local"]["path"])
    pipe = source.client.pipeline(transaction=False)
    for number in range(20000):
        pipe.set("spread:%d" % number, "value-%d" % number)
    for tag in range(5):
        for number in range(1000):
            pipe.set("{tag-%d}:%d" % (tag, number), "tagged-%d" % number, px=3_600_000 + number if number % 7 == 0 else None)
    pipe.execute()
    source.save_rdb(bucket / "batched.rdb")
    expected = snapshot(source.server, databases=[0])
    assert len({key_slot(b"{tag-%d}:x" % tag) for tag in range(5)}) == 5
    for master in served.masters():  # the earlier tests' keys and functions gone: the shards hold this file only
        with master.client() as client:
            client.flushall()
            client.function_flush()
    task_id, shown = create(served, CLUSTER, "batched.rdb")
    assert shown.status == "SUCCESS", logs_of(served, task_id)
    actual, misplaced = cluster_snapshot(served)
    assert all(not keys for keys in misplaced.values()), misplaced
    assert_same_data(actual, expected)
    assert_replicas_match(served.masters())


def test_backup_record_of_a_cluster_restores_shard_by_shard(served, binary, tmp_path):
    bucket = Path(served.config["buckets"]["local"]["path"])
    files, expected = {}, {0: {}}
    for shard in range(3):  # one RDB per source shard, as a cluster's backup holds
        source = Source(tmp_path / ("shard-%d" % shard), binary)
        try:
            source.client.execute_command("DEBUG", "POPULATE", 500, "shard%d" % shard, 16)
            files["shard-%d.rdb" % shard] = source.save_rdb(tmp_path / ("shard-%d.rdb" % shard))
            expected[0].update(snapshot(source.server, databases=[0]).get(0, {}))
        finally:
            source.stop()
    make_tar(bucket / "cluster-backup.tar.gz", files)
    task_id, shown = create(served, CLUSTER, backup_id=SHARD_BACKUP)
    assert shown.status == "SUCCESS", logs_of(served, task_id)
    actual, misplaced = cluster_snapshot(served)
    assert all(not keys for keys in misplaced.values()), misplaced
    for key, value in expected[0].items():
        assert actual[0][key][1] == value[1]
    copied = [m for _l, m in logs_of(served, task_id) if m.startswith("copy: cluster-backup.tar.gz:shard-")]
    assert len(copied) == 3, copied


def test_aof_into_a_cluster_fails_with_the_documented_reason(served, source):
    bucket = Path(served.config["buckets"]["local"]["path"])
    source.client.set("from-aof", "x")
    source.rewrite_aof(preamble=False)
    source.single_aof(bucket / "appendonly.aof")
    before = digests(served.masters())
    task_id, shown = create(served, CLUSTER, "appendonly.aof")
    assert shown.status == "FAILED"
    errors = [m for level, m in logs_of(served, task_id) if level == "ERROR"]
    assert errors == ["AOF files cannot be imported into a Redis Cluster instance: appendonly.aof is AOF; import RDB "
                      "files (one per source shard) instead. Nothing was imported."]
    assert digests(served.masters()) == before


def test_a_bad_second_file_restores_every_shard(served, source):
    bucket = Path(served.config["buckets"]["local"]["path"])
    source.client.execute_command("DEBUG", "POPULATE", 300, "first", 10)
    good = source.save_rdb(bucket / "first.rdb")
    (bucket / "second.rdb").write_bytes(good.read_bytes()[:len(good.read_bytes()) // 2])
    before = digests(served.masters())
    task_id, shown = create(served, CLUSTER, "first.rdb", "second.rdb")
    assert shown.status == "FAILED"
    errors = [m for level, m in logs_of(served, task_id) if level == "ERROR"]
    assert errors[-1].startswith("Loading second.rdb failed: the file is corrupt, truncated or not loadable by ")
    assert errors[-1].endswith(" Every shard of the cluster was restored to its state before the import."), errors
    assert digests(served.masters()) == before
    assert digests(m.replica() for m in served.masters()) == before


def test_a_shard_that_fails_is_restored_and_the_others_keep_their_keys(served, source):
    bucket = Path(served.config["buckets"]["local"]["path"])
    source.client.execute_command("DEBUG", "POPULATE", 3000, "bulk", 200)
    source.save_rdb(bucket / "bulk.rdb")
    masters = served.masters()
    slots = [master.slots() for master in masters]
    bulk_keys = [{b"bulk:%d" % n for n in range(3000) if key_slot(b"bulk:%d" % n) in owned} for owned in slots]
    before = digests(masters)
    with masters[1].client() as client:  # shard 2 runs out of memory part way
        client.config_set("maxmemory", int(client.info("memory")["used_memory"]) + 100 * 1024)
    task_id, shown = create(served, CLUSTER, "bulk.rdb")
    assert shown.status == "FAILED"
    errors = [m for level, m in logs_of(served, task_id) if level == "ERROR"]
    assert errors[-1] == ("The import into the cluster failed on shard 2 (127.0.0.1:%d): the target answered: OOM command not "
                          "allowed when used memory > 'maxmemory'. Shard 2 was restored to its state before the import; "
                          "shard 1, shard 3 hold every key of the backup that belongs to them (%d keys)."
                          % (masters[1].port, len(bulk_keys[0]) + len(bulk_keys[2]))), errors
    assert digests(masters)[1] == before[1]
    for number in (0, 2):
        with masters[number].client() as client:
            assert bulk_keys[number] <= set(client.scan_iter(match="bulk:*", count=1000))
    assert_replicas_match(masters)


def test_ha_import_lands_on_the_master_and_the_standby_follows(served, source, tmp_path):
    bucket = Path(served.config["buckets"]["local"]["path"])
    populate(source)
    source.save_rdb(bucket / "ha.rdb")
    expected = snapshot(source.server)
    master = served.ha_master()
    task_id, shown = create(served, HA, "ha.rdb")
    assert shown.status == "SUCCESS", logs_of(served, task_id)
    assert_same_data(snapshot(master), expected)
    assert_same_data(snapshot(master.replica()), expected)
    assert ("INFO", "replica: the standby loaded the same files alongside the master and holds the same keys") in [
        (level, m.split(" (checked in")[0]) for level, m in logs_of(served, task_id)]
    with master.client() as client:  # and the link is live: a later write reaches the standby
        client.set("after-import", "written on the master")
        assert client.execute_command("WAIT", 1, 5000) == 1
    assert master.replica().client().get("after-import") == b"written on the master"


def test_online_migration_into_a_cluster_fails_saying_why(served):
    sdk = served.sdk()
    body = CreateOnlineMigrationTaskBody(name="into-cluster", vpc_id="vpc-1", subnet_id="subnet-1", security_group_id="sg-1")
    task_id = sdk.create_online_migration_task(CreateOnlineMigrationTaskRequest(body=body)).instance_id
    master = served.ha_master()
    sdk.set_online_migration_task(SetOnlineMigrationTaskRequest(task_id=task_id, body=SetOnlineMigrationTaskBody(
        migration_method="full_amount_migration", resume_mode="manual",
        source_instance=ConfigMigrationInstanceBody(addrs="%s:%d" % (master.host, master.port), password=PASSWORD),
        target_instance=ConfigMigrationInstanceBody(id=CLUSTER, password=PASSWORD))))
    assert wait_final(sdk, task_id, timeout=IMPORT_TIMEOUT).status in ("FAILED", "MIGRATION_FAILED")
    assert ("ERROR", "The target instance %s is a Redis Cluster: the emulator migrates online only between "
            "single-address instances." % CLUSTER) in logs_of(served, task_id)


def test_a_failed_ha_import_restores_the_master_and_the_standby_copies_it(served, source):
    bucket = Path(served.config["buckets"]["local"]["path"])
    source.client.execute_command("DEBUG", "POPULATE", 2000, "half", 50)
    whole = source.save_rdb(bucket / "whole.rdb").read_bytes()
    (bucket / "half.rdb").write_bytes(whole[:len(whole) // 2])
    master = served.ha_master()
    master.client().set("ha:kept", "before the import")
    before = snapshot(master)
    task_id, shown = create(served, HA, "half.rdb")
    assert shown.status == "FAILED"
    messages = [m for _level, m in logs_of(served, task_id)]
    assert any(m.startswith("replica: the standby server took a full copy of the master in ") for m in messages), messages
    assert_same_data(snapshot(master), before)
    assert_same_data(snapshot(master.replica()), before)


def test_restart_keeps_the_cluster_and_the_pair(served):
    masters = served.masters()
    # Every server holds data of its own (also when this test runs alone or first), so equal digests after the
    # restart mean each server came back with its own data, not an empty or a swapped one.
    for number, server in enumerate(masters + [served.ha_master()]):
        write_own_key(server, "kept by server %d" % number)
    before = digests(masters + [served.ha_master()])
    assert len(set(before)) == len(before)
    root = Path(served.config["data_dir"]).parent
    served.stop()
    again = Served(root)
    try:
        assert again.show(CLUSTER).status == "RUNNING" and again.show(HA).status == "RUNNING"
        assert [m.port for m in again.masters()] == [m.port for m in masters]
        assert digests(again.masters() + [again.ha_master()]) == before
        assert_replicas_match(again.masters() + [again.ha_master()])
    finally:
        again.stop()
