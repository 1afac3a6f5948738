# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Online migrations move real data: a full migration of every type, and an incremental one with writers running."""

from __future__ import annotations

import threading
import time

from huaweicloudsdkdcs.v2 import (BatchRestartOnlineMigrationTasksBody, BatchRestartOnlineMigrationTasksRequest,
                                  ConfigMigrationInstanceBody, ListMigrationTaskRequest, SetOnlineMigrationTaskBody,
                                  SetOnlineMigrationTaskRequest, StopMigrationTaskSyncRequest)
from importer.conftest import assert_same_data, populate, snapshot  # pylint: disable=wrong-import-order

from .conftest import (OLD_TARGET, TARGET_PASSWORD, addr, configure, create_task, flush, log_messages, start_source, stats, target_server,
                       wait_caught_up, wait_status)


class _Populated:
    """``populate()`` of the import tests wants a ``db(n)`` client factory."""

    def __init__(self, server):
        self.server = server

    def db(self, number):
        return self.server.client(db=number)


def test_full_migration_moves_every_type_ttl_database_and_function(client, source):
    populate(_Populated(source))
    target = target_server(client)
    flush(target)
    task_id = create_task(client, "online-full")
    answer = configure(client, task_id, addr(source), method="full_amount_migration")
    assert answer.status == "FULLMIGRATING"
    shown = wait_status(client, task_id, ("SUCCESS", "FAILED"))
    assert shown.status == "SUCCESS", log_messages(client, task_id)
    assert_same_data(snapshot(target), snapshot(source))
    final = stats(client, task_id)
    assert final.full_migration_progress == "100.00" and final.is_migrating is False
    assert int(final.source_dbsize) == int(final.target_dbsize) > 0


LUA = "redis.call('set', KEYS[1], ARGV[1]); redis.call('incr', KEYS[2]); return 1"
LIBRARY = ("#!lua name=onlinelib\n"
           "redis.register_function('bump', function(keys, args) return redis.call('incrby', keys[1], args[1]) end)\n")


class Writer(threading.Thread):
    """Writes to the source until stopped: sets with and without TTLs, deletes, short expiries, MULTI/EXEC,
    Lua, a function, several databases, and a FLUSHDB of database 2 now and then."""

    def __init__(self, source):
        super().__init__(daemon=True)
        self.source = source
        self.done = threading.Event()
        self.rounds = 0
        self.failure = None

    def run(self):
        clients = {db: self.source.client(db=db) for db in (0, 1, 2)}
        try:
            clients[0].execute_command("FUNCTION", "LOAD", "REPLACE", LIBRARY)
            while not self.done.is_set():
                self._round(clients, self.rounds)
                self.rounds += 1
                time.sleep(0.002)
        except Exception as exc:  # pylint: disable=broad-except  # reported by the test
            self.failure = exc
        finally:
            for one in clients.values():
                one.close()

    @staticmethod
    def _round(clients, n):
        db0, db1, db2 = clients[0], clients[1], clients[2]
        db0.set("w:str:%d" % (n % 500), "v%d" % n)
        db0.set("w:ttl:%d" % (n % 200), "t%d" % n, ex=3600)
        db0.set("w:short:%d" % n, "gone soon", px=150)
        db0.hset("w:hash:%d" % (n % 50), "f%d" % (n % 7), n)
        db0.rpush("w:list", n)
        db0.ltrim("w:list", -100, -1)
        db0.zadd("w:zset", {"m%d" % (n % 300): n})
        db0.sadd("w:set", n % 400)
        if n % 3 == 0:
            db0.delete("w:str:%d" % ((n * 7) % 500))
        pipe = db1.pipeline(transaction=True)  # MULTI/EXEC
        pipe.incr("w:counter")
        pipe.set("w:db1:%d" % (n % 100), n)
        pipe.expire("w:db1:%d" % (n % 100), 600)
        pipe.execute()
        db1.eval(LUA, 2, "w:lua:%d" % (n % 50), "w:lua:count", n)
        db0.fcall("bump", 1, "w:fn", 3)
        db2.set("w:db2:%d" % n, n)
        if n % 40 == 39:
            db2.flushdb()


def test_incremental_migration_with_writers_ends_equal_key_by_key(client, source):
    populate(_Populated(source))
    target = target_server(client)
    flush(target)
    writer = Writer(source)
    writer.start()
    try:
        task_id = create_task(client, "online-incr")
        configure(client, task_id, addr(source))
        wait_status(client, task_id, ("INCRMIGRATING",))
        time.sleep(2.5)  # the stream, not only the snapshot, carries writes
    finally:
        writer.done.set()
        writer.join()
    assert writer.failure is None and writer.rounds > 50
    time.sleep(0.3)  # the last short TTLs expire on the source: their DELs are in the stream
    wait_caught_up(client, task_id)
    client.stop_migration_task_sync(StopMigrationTaskSyncRequest(task_id=task_id))
    assert wait_status(client, task_id, ("TERMINATED",)).status == "TERMINATED"
    expected = snapshot(source, databases=range(4))
    assert_same_data(snapshot(target, databases=range(4)), expected)
    assert expected[0] and expected[1] and expected["functions"]
    messages = [m for _level, m in log_messages(client, task_id)]
    assert any("applying the replication stream" in m for m in messages)


def kill_replica_link(source) -> None:
    admin = source.client()
    try:
        assert admin.execute_command("CLIENT", "KILL", "TYPE", "replica") >= 1
    finally:
        admin.close()


def source_syncs(source) -> tuple:
    """(full syncs, accepted partial resyncs) the source has served."""
    admin = source.client()
    try:
        info = admin.info("stats")
    finally:
        admin.close()
    return int(info["sync_full"]), int(info["sync_partial_ok"])


def write_some(source, prefix, count=200, db=0):
    db0 = source.client(db=db)
    try:
        pipe = db0.pipeline(transaction=False)
        for i in range(count):
            pipe.set("%s:%d" % (prefix, i), i)
        pipe.execute()
    finally:
        db0.close()


def test_auto_resume_after_a_killed_link_is_a_partial_resync(client, source):
    target = target_server(client)
    flush(target)
    write_some(source, "before")
    task_id = create_task(client, "online-auto")
    configure(client, task_id, addr(source), resume_mode="auto")
    wait_status(client, task_id, ("INCRMIGRATING",))
    write_some(source, "stream-1")
    wait_caught_up(client, task_id)
    kill_replica_link(source)
    write_some(source, "while-down")  # held by the source's backlog
    deadline = time.monotonic() + 30
    while source_syncs(source)[1] < 1:
        assert time.monotonic() < deadline, log_messages(client, task_id)
        time.sleep(0.1)
    write_some(source, "stream-2")
    wait_caught_up(client, task_id)
    assert wait_status(client, task_id, ("INCRMIGRATING",)).status == "INCRMIGRATING"
    client.stop_migration_task_sync(StopMigrationTaskSyncRequest(task_id=task_id))
    assert_same_data(snapshot(target, databases=range(2)), snapshot(source, databases=range(2)))
    assert source_syncs(source) == (1, 1)
    logs = log_messages(client, task_id)
    assert any(level == "WARN" and "resume_mode auto" in m for level, m in logs)
    assert any("Partial resync accepted" in m for _level, m in logs)
    assert not any("full resync (replication ID" in m for _level, m in logs)


def test_manual_resume_mode_fails_on_a_killed_link_and_restart_resumes(client, source):
    target = target_server(client)
    flush(target)
    task_id = create_task(client, "online-manual")
    configure(client, task_id, addr(source), resume_mode="manual")
    wait_status(client, task_id, ("INCRMIGRATING",))
    write_some(source, "stream-1", db=1)  # the stream has selected database 1 when the link breaks ...
    wait_caught_up(client, task_id)
    kill_replica_link(source)
    failed = wait_status(client, task_id, ("FAILED",))
    listed = [t for t in client.list_migration_task(ListMigrationTaskRequest(name="online-manual")).migration_tasks
              if t.task_id == task_id][0]
    assert "resume_mode is manual" in listed.error_message and "restart the task" in listed.error_message
    assert failed.resume_mode == "manual"
    write_some(source, "while-failed", db=1)  # ... and resumes there without a new SELECT
    answer = client.batch_restart_online_migration_tasks(BatchRestartOnlineMigrationTasksRequest(
        body=BatchRestartOnlineMigrationTasksBody(migration_tasks=[task_id])))
    assert [(r.task_id, r.result) for r in answer.migration_tasks] == [(task_id, "success")]
    wait_status(client, task_id, ("INCRMIGRATING",))
    deadline = time.monotonic() + 30
    while source_syncs(source)[1] < 1:
        assert time.monotonic() < deadline, log_messages(client, task_id)
        time.sleep(0.1)
    wait_caught_up(client, task_id)
    client.stop_migration_task_sync(StopMigrationTaskSyncRequest(task_id=task_id))
    assert_same_data(snapshot(target, databases=range(2)), snapshot(source, databases=range(2)))
    assert source_syncs(source) == (1, 1)


def test_auto_resume_after_the_backlog_moved_on_is_a_logged_full_resync(client, tmp_path):
    source = start_source(tmp_path / "small-backlog", repl_backlog_size=16384)
    try:
        target = target_server(client)
        flush(target)
        task_id = create_task(client, "online-resync")
        configure(client, task_id, addr(source), resume_mode="auto")
        wait_status(client, task_id, ("INCRMIGRATING",))
        kill_replica_link(source)
        # Far more than the backlog holds, written before the link's first reconnection (a second later).
        write_some(source, "overflow", 3000)
        deadline = time.monotonic() + 30
        while source_syncs(source)[0] < 2:
            assert time.monotonic() < deadline, log_messages(client, task_id)
            time.sleep(0.1)
        wait_status(client, task_id, ("INCRMIGRATING",))
        wait_caught_up(client, task_id)
        client.stop_migration_task_sync(StopMigrationTaskSyncRequest(task_id=task_id))
        assert_same_data(snapshot(target, databases=range(1)), snapshot(source, databases=range(1)))
        logs = log_messages(client, task_id)
        assert any(level == "WARN" and "no longer holds offset" in m for level, m in logs)
    finally:
        source.stop(save=False)


def test_a_dcs_instance_as_source_into_a_target_given_by_address(client):
    """Instance to instance (DCS -> DCS): the source named by its ID (its configured password is used when
    none is given), the target by its address and password; an older source (6.2) into a newer target."""
    old = target_server(client, OLD_TARGET)
    target = target_server(client)
    flush(old)
    flush(target)
    populate_old = old.client(db=4)
    try:
        populate_old.set("from-old", "6.2", ex=3600)
        populate_old.rpush("old-list", *range(20))
    finally:
        populate_old.close()
    task_id = create_task(client, "online-dcs2dcs")
    client.set_online_migration_task(SetOnlineMigrationTaskRequest(task_id=task_id, body=SetOnlineMigrationTaskBody(
        migration_method="full_amount_migration", resume_mode="auto",
        source_instance=ConfigMigrationInstanceBody(id=OLD_TARGET),
        target_instance=ConfigMigrationInstanceBody(addrs=addr(target), password=TARGET_PASSWORD))))
    assert wait_status(client, task_id, ("SUCCESS", "FAILED")).status == "SUCCESS", log_messages(client, task_id)
    assert_same_data(snapshot(target, databases=range(6)), snapshot(old, databases=range(6)))
    listed = client.list_migration_task(ListMigrationTaskRequest(name="online-dcs2dcs")).migration_tasks[0]
    assert (listed.source_instance_id, listed.data_source, listed.target_instance_addrs) == (OLD_TARGET, OLD_TARGET, addr(target))


def test_the_bandwidth_limit_holds_for_the_snapshot(client, source):
    admin = source.client()
    try:
        admin.config_set("rdbcompression", "no")
        admin.execute_command("DEBUG", "POPULATE", 12000, "bw", 200)  # about 2.7 MB of snapshot
    finally:
        admin.close()
    flush(target_server(client))
    task_id = create_task(client, "online-bandwidth")
    configure(client, task_id, addr(source), method="full_amount_migration", bandwidth="1")
    assert wait_status(client, task_id, ("SUCCESS", "FAILED")).status == "SUCCESS"
    line = next(m for _level, m in log_messages(client, task_id) if m.startswith("Snapshot received: "))
    size, seconds = int(line.split()[2]), float(line.split()[5])
    assert size > 2_000_000 and size / seconds <= 1.1 * 1024 * 1024, line
