# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Emulator integrity: SIGKILL in the middle of an import, restart, and nothing is lost, stuck or half-written.

The task imports twelve files (copies of one real backup, so the load takes a while) into a managed instance
that already holds keys of its own. The emulator is killed hard at several moments of the import and started
again on the same data directory. Then:
* the task is not lost and not stuck: it ends SUCCESS (``tasks.on_restart: resume``, the default) or FAILED
  with a reason (``on_restart: fail``), within a bounded time;
* the target holds no half-written key: with SUCCESS every key of the backup is there whole (types and
  values equal to those of a server that loaded the file itself), with FAILED each backup key it holds is whole;
  the keys the instance held before the import are there in both cases.
"""

from __future__ import annotations

import os
import shutil
import signal
import time

import pytest
import redis
from huaweicloudsdkdcs.v2 import DcsClient, ListMigrationTaskLogsRequest, ListMigrationTaskRequest

from dcs_emulator import testing
from dcs_emulator.importer.binaries import default_binary
from dcs_emulator.importer.servers import StagingServer
from dcs_emulator.samples import write_sample_backup

PASSWORD = "restart-redis-pw-31c7"
COPIES = 12
KEYS = 30000
PREFIX = "big:"
OWN_KEYS = 200
FINISH_TIMEOUT = 120


@pytest.fixture(scope="module")
def big_bucket(tmp_path_factory):
    """Copies of one real backup, and what a server that loads it holds (key -> type, value, TTL or not)."""
    bucket = tmp_path_factory.mktemp("big-bucket")
    write_sample_backup(bucket / "part0.rdb", keys=KEYS, dbs=2, prefix=PREFIX, seed=7)
    for index in range(1, COPIES):
        shutil.copyfile(bucket / "part0.rdb", bucket / ("part%d.rdb" % index))
    return bucket, expected_dumps(bucket / "part0.rdb", tmp_path_factory.mktemp("staging"))


def expected_dumps(rdb, workdir) -> dict:
    source = workdir / "source"
    source.mkdir()
    os.symlink(rdb, source / "source.rdb")
    server = StagingServer(default_binary(), source, {"dbfilename": "source.rdb"})
    server.start()
    try:
        return {db: dumps(server.client(db=db), PREFIX) for db in (0, 1)}
    finally:
        server.stop()


def dumps(client, prefix: str) -> dict:
    """key -> (type, whole value, has a TTL) of every key under prefix (logical values: a set's DUMP order varies)."""
    try:
        keys = sorted(client.scan_iter(match=prefix + "*", count=5000))
        pipe = client.pipeline(transaction=False)
        for key in keys:
            pipe.type(key)
        types = pipe.execute()
        for key, kind in zip(keys, types):
            READERS[kind.decode()](pipe, key)
            pipe.ttl(key)
        answers = pipe.execute()
        return dict((key, (kind, normalise(value), ttl > 0))
                    for key, kind, value, ttl in zip(keys, types, answers[0::2], answers[1::2]))
    finally:
        client.close()


def normalise(value):
    if isinstance(value, (set, list)) and value and isinstance(next(iter(value)), bytes):
        return sorted(value) if isinstance(value, set) else list(value)
    if isinstance(value, dict):
        return sorted(value.items())
    return value if not isinstance(value, set) else sorted(value)


READERS = {
    "string": lambda pipe, key: pipe.get(key),
    "list": lambda pipe, key: pipe.lrange(key, 0, -1),
    "set": lambda pipe, key: pipe.smembers(key),
    "zset": lambda pipe, key: pipe.zrange(key, 0, -1, withscores=True),
    "hash": lambda pipe, key: pipe.hgetall(key),
    "stream": lambda pipe, key: pipe.xrange(key),
}


def sdk_client(emu) -> DcsClient:
    return testing.sdk_client(emu.url, emu.access_key, emu.secret_key, emu.project_id)


def target(emu, db: int = 0) -> redis.Redis:
    host, port = emu.redis_address(emu.instances[0]["id"])
    return redis.Redis(host=host, port=port, db=db, password=PASSWORD, socket_timeout=30)


def create_task(emu, name: str) -> str:
    request = testing.import_request(name, emu.instances[0]["id"], password=PASSWORD, bucket="big",
                                     files=["part%d.rdb" % index for index in range(COPIES)])
    return sdk_client(emu).create_migration_task(request).id


def wait_for_log(emu, task_id: str, text: str) -> None:
    """Return as soon as the task has logged `text` (the kill then lands in the step that follows)."""
    client = sdk_client(emu)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        logs = client.list_migration_task_logs(ListMigrationTaskLogsRequest(task_id=task_id, limit=1000)).migration_logs
        if any(text in entry.message for entry in logs or []):
            return
        time.sleep(0.005)
    raise AssertionError("the task never logged %r" % text)


# Moments of the import, by the log line that precedes them: before anything is loaded, right after the
# target's snapshot (the first load starting), and half-way through the files.
KILL_POINTS = {"started": "Task started.", "snapshot": "snapshot:", "half-way": "load: part%d.rdb merged" % (COPIES // 2 - 1)}


@pytest.mark.parametrize("on_restart", ["resume", "fail"])
@pytest.mark.parametrize("kill_point", sorted(KILL_POINTS))
def test_sigkill_mid_import(big_bucket, tmp_path, on_restart, kill_point):
    bucket, expected = big_bucket
    config = testing.sample_config(bucket, bucket="big", instances=[{"name": "dcs-restart", "password": PASSWORD}])
    config["tasks"]["on_restart"] = on_restart
    emu = testing.EmulatorProcess(tmp_path / "emu", config, api_only=False, data_dir=tmp_path / "data").start()
    try:
        own = target(emu)
        own.mset({"own:%03d" % index: "kept-%d" % index for index in range(OWN_KEYS)})
        own.set("big:db0:string:000000", "the backup overwrites this one")
        own.close()
        task_id = create_task(emu, "restart-%s-%s" % (on_restart, kill_point))
        wait_for_log(emu, task_id, KILL_POINTS[kill_point])
        emu.stop(signal.SIGKILL)  # no shutdown hook runs: the servers are left as they are
        # The same config and data directory: the same accounts, instance IDs and tasks.
        emu.start()

        task = testing.wait_final(sdk_client(emu), task_id, timeout=FINISH_TIMEOUT, interval=0.1)
        assert testing.is_final(task.status), "task %s stuck in %s after the restart" % (task_id, task.status)
        listed = sdk_client(emu).list_migration_task(ListMigrationTaskRequest(limit=100)).migration_tasks
        assert [t.task_id for t in listed] == [task_id]  # not lost, not duplicated

        held = {db: dumps(target(emu, db), PREFIX) for db in (0, 1)}
        client = target(emu)
        try:
            own_keys = client.mget(["own:%03d" % index for index in range(OWN_KEYS)])
            overlapping = client.get("big:db0:string:000000")
        finally:
            client.close()
        logs = [entry.message for entry in sdk_client(emu).list_migration_task_logs(
            ListMigrationTaskLogsRequest(task_id=task_id, limit=1000)).migration_logs]
    finally:
        emu.stop()
    # The kill really hit the running task (the restart found it MIGRATING).
    assert any("restarted while the task was running" in message for message in logs), logs
    assert own_keys == [("kept-%d" % index).encode() for index in range(OWN_KEYS)]  # the instance's own data survived
    if on_restart == "resume":
        assert task.status == "SUCCESS", task.error_message
        assert held == expected  # every key whole and equal to the backup's
    else:
        assert task.status == "FAILED" and "restarted" in task_error(listed, task_id)
        # No half-written key: whatever the target holds of the backup is whole and equal to the backup's
        # (the one key the instance had itself may still hold its old value).
        overlap = b"big:db0:string:000000"
        for db in (0, 1):
            for key, value in held[db].items():
                assert value == expected[db][key] or (key == overlap and overlapping == b"the backup overwrites this one"), key


def task_error(listed, task_id: str) -> str:
    return [task for task in listed if task.task_id == task_id][0].error_message or ""
