# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: online migration through the emulator's API, beside a plain REPLICAOF of the same target server.

Full sync: a source holding --keys keys is migrated (full_amount_migration) into an empty managed target;
keys/s from the configure call to SUCCESS, as a ratio of the target's native RDB load of the same data (the
server loading the source's RDB at start-up: its own "DB loaded from disk" time). Goal >= 70 %.

Incremental: an incremental_migration in INCRMIGRATING while a writer does a steady --rate writes/s on the
source for --seconds; the lag is measured end to end (the writer stores its clock in a key every 10 ms, a
reader polls that key on the target every 20 ms: lag = now - the clock read). Goal: p99 <= 1 s. Apply rate:
a burst of Lua scripts on the source (their effects reach the stream at once, faster than any replica applies
them); commands / the time until the target holds the burst's last key. Goal >= 50,000 ops/s. The floor is a
target server made a replica with REPLICAOF, measured the same way.

Usage: python emulator/bench/bench_online.py [--keys N] [--rate W] [--seconds S] [--burst B] [--rounds R]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import redis
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkdcs.v2 import (ConfigMigrationInstanceBody, CreateOnlineMigrationTaskBody,
                                  CreateOnlineMigrationTaskRequest, DcsClient, SetOnlineMigrationTaskBody,
                                  SetOnlineMigrationTaskRequest, ShowMigrationTaskRequest,
                                  StopMigrationTaskSyncRequest)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_import import floor  # noqa: E402  pylint: disable=wrong-import-position

from dcs_emulator.importer.servers import ManagedServer  # noqa: E402  pylint: disable=wrong-import-position
from dcs_emulator.launcher import launch, sample_config  # noqa: E402  pylint: disable=wrong-import-position
from dcs_emulator.samples import preferred_binary  # noqa: E402  pylint: disable=wrong-import-position

SOURCE_PASSWORD = "bench-source"
TARGET_PASSWORD = "bench-target"
CLOCK_KEY = "bench:clock"
BURST_SCRIPT = "for i = 1, tonumber(ARGV[2]) do redis.call('set', ARGV[1] .. i, i) end return 1"


def start_source(directory: Path, binary) -> ManagedServer:
    source = ManagedServer(directory, password=SOURCE_PASSWORD, binary=binary, label="source server")
    source.start()
    admin = source.client()
    admin.config_set("repl-diskless-sync-delay", 0)
    admin.config_set("repl-backlog-size", 64 * 1024 * 1024)
    admin.close()
    return source


def fill(source: ManagedServer, keys: int) -> None:
    admin = source.client()
    admin.execute_command("DEBUG", "POPULATE", keys, "key", 100)
    admin.close()


def sdk_client(emu) -> DcsClient:
    config = HttpConfig.get_default_config()
    config.timeout = (5, 120)
    return DcsClient.new_builder().with_http_config(config).with_endpoints([emu.url]).with_credentials(
        BasicCredentials(emu.access_key, emu.secret_key, emu.project_id)).build()


def start_task(client: DcsClient, source: ManagedServer, target_id: str, method: str) -> tuple:
    """(task ID, monotonic time of the configure call)."""
    task_id = client.create_online_migration_task(CreateOnlineMigrationTaskRequest(body=CreateOnlineMigrationTaskBody(
        name="bench-%d" % int(time.time() * 1000), vpc_id="vpc", subnet_id="subnet", security_group_id="sg"))).instance_id
    started = time.monotonic()
    client.set_online_migration_task(SetOnlineMigrationTaskRequest(task_id=task_id, body=SetOnlineMigrationTaskBody(
        migration_method=method, resume_mode="auto",
        source_instance=ConfigMigrationInstanceBody(addrs="%s:%d" % (source.host, source.port), password=SOURCE_PASSWORD),
        target_instance=ConfigMigrationInstanceBody(id=target_id, password=TARGET_PASSWORD))))
    return task_id, started


def wait_status(client: DcsClient, task_id: str, wanted: tuple, timeout: float = 600) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.show_migration_task(ShowMigrationTaskRequest(task_id=task_id)).status
        if status in wanted or status == "FAILED":
            return status
        time.sleep(0.02)
    raise RuntimeError("task %s did not reach %s" % (task_id, wanted))


class SteadyWriter(threading.Thread):
    """``rate`` SETs per second in batches every 10 ms, each batch ending with the writer's clock."""

    def __init__(self, source: ManagedServer, rate: int, seconds: float):
        super().__init__(daemon=True)
        self.client = source.client()
        self.per_batch = max(1, rate // 100)
        self.seconds = seconds
        self.written = 0

    def run(self) -> None:
        started = time.monotonic()
        batch = 0
        while time.monotonic() - started < self.seconds:
            pipe = self.client.pipeline(transaction=False)
            for i in range(self.per_batch - 1):
                pipe.set("steady:%d" % ((batch * self.per_batch + i) % 100000), batch)
            pipe.set(CLOCK_KEY, repr(time.time()))
            pipe.execute()
            self.written += self.per_batch
            batch += 1
            pause = started + batch * 0.01 - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        self.client.close()


def measure_lag(target_client, writer: SteadyWriter) -> list:
    lags = []
    while writer.is_alive():
        value = target_client.get(CLOCK_KEY)
        if value is not None:
            lags.append(max(0.0, time.time() - float(value)))
        time.sleep(0.02)
    return lags


def steady_lag(source: ManagedServer, target_client, rate: int, seconds: float) -> dict:
    admin = source.client()
    admin.delete(CLOCK_KEY)  # a clock left by an earlier run would read as a lag
    admin.close()
    while target_client.exists(CLOCK_KEY):
        time.sleep(0.005)
    writer = SteadyWriter(source, rate, seconds)
    writer.start()
    lags = sorted(measure_lag(target_client, writer))
    writer.join()
    if not lags:
        raise RuntimeError("no lag sample: the writer's clock never reached the target")
    return {"rate": writer.written / seconds, "p50": statistics.median(lags), "p99": lags[int(len(lags) * 0.99) - 1],
            "max": lags[-1]}


def burst_rate(source: ManagedServer, target_client, burst: int, tag: str) -> float:
    """Commands per second the target applied of a burst that reaches the stream at once."""
    admin = source.client()
    scripts = 10
    started = time.monotonic()
    for n in range(scripts):
        admin.eval(BURST_SCRIPT, 0, "%s%d:" % (tag, n), burst // scripts)
    admin.close()
    last_key = "%s%d:%d" % (tag, scripts - 1, burst // scripts)
    while target_client.get(last_key) is None:
        time.sleep(0.002)
    return burst / (time.monotonic() - started)


def replicaof_floor(source: ManagedServer, binary, workdir: Path, args) -> dict:
    """A fresh server per round made a replica with REPLICAOF: full sync seconds, then lag and burst."""
    fulls, applies, lag = [], [], None
    for round_number in range(args.rounds):
        target = ManagedServer(workdir / ("replica-%d" % round_number), password=TARGET_PASSWORD, binary=binary,
                               label="replica")
        target.start()
        client = target.client()
        try:
            client.config_set("masterauth", SOURCE_PASSWORD)
            started = time.monotonic()
            client.execute_command("REPLICAOF", source.host, source.port)
            while client.info("replication").get("master_link_status") != "up" \
                    or int(client.info("persistence").get("loading", 0)):
                time.sleep(0.005)
            fulls.append(time.monotonic() - started)
            if lag is None:
                lag = steady_lag(source, client, args.rate, args.seconds)
            applies.append(burst_rate(source, client, args.burst, "replica%d-" % round_number))
        finally:
            client.close()
            target.stop(save=False)
            shutil.rmtree(target.directory, ignore_errors=True)
    return dict(lag, full_seconds=statistics.median(fulls), apply=statistics.median(applies))


def emulator_run(source: ManagedServer, binary, workdir: Path, args) -> dict:
    """One emulator: a full migration per round into the emptied target, then one incremental migration."""
    config = sample_config(workdir / "bucket", [{"name": "bench-target", "password": TARGET_PASSWORD}],
                           server_binary=binary.path)
    (workdir / "bucket").mkdir(exist_ok=True)
    with launch(config, workdir=workdir / "emulator") as emu:
        target_id = emu.instances[0]["id"]
        client = sdk_client(emu)
        host, port = emu.redis_address(target_id)
        target_client = redis.Redis(host=host, port=port, password=TARGET_PASSWORD)
        fulls = []
        for _round in range(args.rounds):
            target_client.flushall()
            task_id, started = start_task(client, source, target_id, "full_amount_migration")
            if wait_status(client, task_id, ("SUCCESS",)) != "SUCCESS":
                raise RuntimeError("the full migration failed; see %s" % emu.log_path)
            fulls.append(time.monotonic() - started)
        target_client.flushall()
        task_id, _started = start_task(client, source, target_id, "incremental_migration")
        if wait_status(client, task_id, ("INCRMIGRATING",)) != "INCRMIGRATING":
            raise RuntimeError("the incremental migration failed; see %s" % emu.log_path)
        result = steady_lag(source, target_client, args.rate, args.seconds)
        applies = [burst_rate(source, target_client, args.burst, "emulator%d-" % n) for n in range(args.rounds)]
        client.stop_migration_task_sync(StopMigrationTaskSyncRequest(task_id=task_id))
        target_client.close()
    return dict(result, full_seconds=statistics.median(fulls), apply=statistics.median(applies))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--keys", type=int, default=500_000)
    parser.add_argument("--rate", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--burst", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    binary = preferred_binary()
    workdir = Path(tempfile.mkdtemp(prefix="dcs-bench-online-"))
    source = start_source(workdir / "source", binary)
    try:
        fill(source, args.keys)
        admin = source.client()
        admin.save()
        admin.close()
        shutil.copyfile(source.directory / "dump.rdb", workdir / "source.rdb")
        natives = [floor(workdir / "source.rdb", binary, workdir) for _round in range(args.rounds)]
        native = {"keys": natives[0]["keys"], "seconds": statistics.median(n["seconds"] for n in natives)}
        emu = emulator_run(source, binary, workdir, args)
        replica = replicaof_floor(source, binary, workdir, args)
    finally:
        source.stop(save=False)
        shutil.rmtree(workdir, ignore_errors=True)
    report(args, binary, native, emu, replica)
    return 0


def report(args, binary, native: dict, emu: dict, replica: dict) -> None:
    native_rate = native["keys"] / native["seconds"]
    print("dataset: %d string keys of 100 bytes (DEBUG POPULATE); server %s; load: %s"
          % (args.keys, binary.label, os.getloadavg()))
    print(subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip())
    full_ratio = args.keys / emu["full_seconds"] / native_rate
    rows = [
        ("native RDB load at start-up", "%.2f s" % native["seconds"], "%.0f keys/s" % native_rate, "100%", "", "", "", ""),
        ("REPLICAOF (floor)", "%.2f s" % replica["full_seconds"], "%.0f keys/s" % (args.keys / replica["full_seconds"]),
         "%.0f%%" % (100 * args.keys / replica["full_seconds"] / native_rate), "%.0f/s" % replica["rate"],
         "%.3f / %.3f / %.3f s" % (replica["p50"], replica["p99"], replica["max"]), "%.0f ops/s" % replica["apply"], ""),
        ("emulator online migration", "%.2f s" % emu["full_seconds"], "%.0f keys/s" % (args.keys / emu["full_seconds"]),
         "%.0f%% (goal 70%%: %s)" % (100 * full_ratio, "met" if full_ratio >= 0.7 else "MISSED"), "%.0f/s" % emu["rate"],
         "%.3f / %.3f / %.3f s (goal p99 <= 1 s: %s)" % (emu["p50"], emu["p99"], emu["max"], "met" if emu["p99"] <= 1 else "MISSED"),
         "%.0f ops/s (goal 50,000: %s)" % (emu["apply"], "met" if emu["apply"] >= 50000 else "MISSED"), ""),
    ]
    header = ("path", "full sync", "keys/s", "of native load", "steady writes", "lag p50 / p99 / max", "apply rate", "")
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    for row in (header,) + tuple(rows):
        print(" | ".join(value.ljust(width) for value, width in zip(row, widths)).rstrip())
    print("medians of %d rounds; full sync = configure call to SUCCESS (snapshot + load, as the API shows it) / "
          "REPLICAOF to link up and loaded; lag = end to end over %.0f s, the writer's clock read back from the target "
          "every 20 ms; apply rate = a burst of %d SETs from Lua scripts until the target holds the last one."
          % (args.rounds, args.seconds, args.burst))


if __name__ == "__main__":
    sys.exit(main())
