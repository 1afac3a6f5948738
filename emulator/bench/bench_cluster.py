# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: importing the 1,000,000-key backup into a 3-shard Redis Cluster instance and into a master/standby
instance, compared with the servers' native loads of the same data, in one run on one machine.

Floors (the same pinned server binary loading RDB files at start-up, its own "DB loaded from disk" time):
  cluster floor -> the backup split by hash slot into one RDB per shard (made before timing), each loaded by a
                   server of its own; keys/s = all keys / the sum of the three loads (one core's work: the
                   import's processes share the machine's cores too);
  ha floor      -> the whole backup loaded by one server.
Modes, each into fresh servers:
  cluster -> import_backup() into a fresh 3-shard cluster (a replica per shard); afterwards every master holds
             exactly its shard's keys and every replica its master's (checked, not timed);
  cluster-staging -> the same through the staging server and MIGRATE (the path for what the streaming reader
             does not read), for comparison;
  ha      -> import_backup() into a fresh master/standby pair; the standby in sync at the end is part of the
             timed import (it loads the file alongside the master; checked to agree).
Goals: cluster >= 50% of its floor's keys/s, ha >= 70%.

Usage: python emulator/bench/bench_cluster.py [--keys N] [--rounds R] [--modes cluster,ha[,cluster-staging]]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from redis.crc import key_slot

from bench_import import floor, make_backup  # the same dataset and native load as the single-server benchmark
from dcs_emulator.importer import import_backup, local_source
from dcs_emulator.importer.servers import StagingServer
from dcs_emulator.importer.topology import SLOTS, ClusterServers, HaServers, in_sync
from dcs_emulator.samples import preferred_binary

SHARDS = 3
MODES = ("cluster", "ha", "cluster-staging")
DEFAULT_MODES = ("cluster", "ha")
GOALS = {"cluster": 0.50, "ha": 0.70, "cluster-staging": 0.50}


def shard_of(key: bytes) -> int:
    """The shard owning the key's slot when slots are split evenly in order (as ClusterServers forms them)."""
    slot = key_slot(key)
    return max(n for n in range(SHARDS) if n * SLOTS // SHARDS <= slot)


def split_backup(rdb: Path, binary, workdir: Path) -> list:
    """One RDB per shard holding exactly that shard's keys (a staging server deletes the others, then saves)."""
    parts = []
    for shard in range(SHARDS):
        directory = workdir / ("split-%d" % shard)
        directory.mkdir()
        shutil.copyfile(rdb, directory / "part.rdb")
        staging = StagingServer(binary, directory, {"dbfilename": "part.rdb"}, label="split server")
        staging.start(timeout=600)
        try:
            client = staging.client()
            pipe = client.pipeline(transaction=False)
            for key in client.scan_iter(count=5000):
                if shard_of(key) != shard:
                    pipe.unlink(key)
                    if len(pipe) >= 5000:
                        pipe.execute()
            pipe.execute()
            client.save()
            client.close()
        finally:
            staging.stop()
        parts.append(directory / "part.rdb")
    return parts


def run_import(mode: str, rdb: Path, workdir: Path, binary) -> dict:
    """One import into a fresh target of ``mode``: its timing and what the servers hold afterwards."""
    if mode.startswith("cluster"):
        target = ClusterServers(workdir / "cluster-target", SHARDS, password="bench-pass", binary=binary)
        target.staging_only = mode == "cluster-staging"  # see restore.why_not_streamed
    else:
        target = HaServers(workdir / "ha-target", password="bench-pass", binary=binary)
    target.start()
    try:
        logs = []
        started = time.monotonic()
        summary = import_backup(target, [local_source(rdb)], workdir / ("work-%s" % mode), log=lambda lvl, msg: logs.append(msg))
        seconds = time.monotonic() - started
        masters, replicas = (target.masters, target.replicas) if mode.startswith("cluster") else ([target], [target.replica])
        held = [node.client().dbsize() for node in masters]
        copies = [node.client().dbsize() for node in replicas]
        synced = all(in_sync(master, replica) for master, replica in zip(masters, replicas))
    finally:
        target.stop(save=False)
        shutil.rmtree(workdir / ("%s-target" % mode.split("-")[0]), ignore_errors=True)
    return {"seconds": seconds, "keys": summary["source_dbsize"], "held": held, "replicas": copies, "synced": synced, "log": logs}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--keys", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--modes", default=",".join(DEFAULT_MODES), help="comma-separated subset of %s" % ", ".join(MODES))
    args = parser.parse_args()
    modes = [mode for mode in args.modes.split(",") if mode]
    unknown = set(modes) - set(MODES)
    if unknown:
        parser.error("unknown mode(s): %s" % ", ".join(sorted(unknown)))
    binary = preferred_binary()
    workdir = Path(tempfile.mkdtemp(prefix="dcs-bench-cluster-"))
    try:
        started = time.monotonic()
        rdb = make_backup(workdir, args.keys, binary)
        parts = split_backup(rdb, binary, workdir) if any(mode.startswith("cluster") for mode in modes) else []
        print("dataset: %d keys (bench_import.py's), RDB %.1f MB, made and split into %d shards in %.1f s; server %s"
              % (args.keys, rdb.stat().st_size / 1e6, SHARDS, time.monotonic() - started, binary.label))
        results = {mode: [] for mode in modes}
        floors = {mode: [] for mode in modes}
        for _round in range(args.rounds):
            for mode in modes:
                if mode.startswith("cluster"):
                    loads = [floor(part, binary, workdir) for part in parts]
                    floors[mode].append({"keys": sum(l["keys"] for l in loads), "seconds": sum(l["seconds"] for l in loads),
                                         "split": [l["keys"] for l in loads]})
                else:
                    floors[mode].append(floor(rdb, binary, workdir))
                results[mode].append(run_import(mode, rdb, workdir, binary))
                last, base = results[mode][-1], floors[mode][-1]
                print("round %d, %s: %.1f s, %.0f%% of the native load's %.0f keys/s"
                      % (_round + 1, mode, last["seconds"], 100 * (last["keys"] / last["seconds"]) / (base["keys"] / base["seconds"]),
                         base["keys"] / base["seconds"]), flush=True)
        report(results, floors)
        print("load average (1, 5, 15 min) at the end: %.2f %.2f %.2f on %d cores" % (os.getloadavg() + (os.cpu_count(),)))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def report(results: dict, floors: dict) -> None:
    ok = True
    for mode, runs in results.items():
        floor_rate = statistics.median(f["keys"] / f["seconds"] for f in floors[mode])
        rate = statistics.median(r["keys"] / r["seconds"] for r in runs)
        per_round = [(r["keys"] / r["seconds"]) / (f["keys"] / f["seconds"]) for r, f in zip(runs, floors[mode])]
        expected = floors[mode][0].get("split") or [floors[mode][0]["keys"]]
        placed = all(r["held"] == expected and r["replicas"] == r["held"] and r["synced"] for r in runs)
        met = rate / floor_rate >= GOALS[mode]
        ok = ok and met and placed
        print("%s: import %.0f keys/s (median of %d; %.2f s) = %.0f%% of the native load's %.0f keys/s (rounds %s); goal %.0f%%: %s; "
              "keys per shard %s, replicas equal and in sync: %s"
              % (mode, rate, len(runs), statistics.median(r["seconds"] for r in runs), 100 * rate / floor_rate, floor_rate,
                 ", ".join("%.0f%%" % (100 * p) for p in per_round), 100 * GOALS[mode], "met" if met else "MISSED",
                 runs[0]["held"], "yes" if placed else "NO (expected %s, got %s)" % (expected, [(r["held"], r["replicas"]) for r in runs])))
        for line in runs[-1]["log"]:
            if line.startswith(("copy:", "replica", "load:", "done:")):
                print("    " + line)
    print("result: %s" % ("all targets met" if ok else "TARGET MISSED"))


if __name__ == "__main__":
    sys.exit(main())
