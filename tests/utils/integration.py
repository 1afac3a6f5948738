# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make integration`: run the ansible-test integration targets against a local DCS emulator.

1. generates backups from a real Redis server into a fresh bucket directory (a good one per target, each with
   its own key prefix, plus a corrupt one) and keeps their manifests (keys per database, type, TTL);
2. starts the emulator (admin API on) with three managed instances: `dcs-it-main` (RUNNING, the import target),
   `dcs-it-standby` (which a target switches to not RUNNING through the admin API; it has backup records) and
   `dcs-it-checks` (a Redis Cluster with SSL on and an older Redis, which the import pre-checks refuse),
   `dcs-it-ha` (master/standby) and `dcs-it-cluster` (a 3-shard Redis Cluster), the instance types that
   migration_task_instance_types imports into, and a plain Redis server, the source that the
   online_migration_task target migrates from;
3. writes the integration config (endpoint, keys, project, instances, target Redis address, admin URL,
   backups, the source Redis) that tests/utils/ansible-test.sh copies to tests/integration/integration_config.yml;
4. runs `ansible-test integration` with the venv's own Python (no --venv: the SDK in the venv is used);
5. stops the emulator and the source Redis, also on failure or Ctrl-C.

Usage: python tests/utils/integration.py [--fidelity SET]... [ansible-test integration arguments, e.g. a target
name or -v]. SET (default: $DCS_FIDELITY, else ``documented``) is the emulator's fidelity preset:
``documented``, ``opposite``, ``random`` or ``random:SEED``, then any ``,point=reading`` (docs/emulator.md,
"Fidelity"); the run prints the seed of a random set. DCS_FIDELITY may name several sets, separated by spaces.

With several sets (``--fidelity documented --fidelity opposite``, what `make integration` runs), the sets run at
the same time, each in its own run of this script with its own work directory, emulator, source Redis and
ansible-test copy: their progress lines (this script's, and ansible-test's "Running <target>") show as they come,
prefixed with ``[SET]``; each set's whole output is printed in one block when that set ends; the run fails when
any set fails, after every set has ended.
Set KEEP_INTEGRATION_WORKDIR=1 to keep the work directory (emulator log, config) after a run.
Set DCS_IT_INSTANCE_TYPE=ha to make `dcs-it-main` a master/standby instance (a master and a standby with real
replication; the targets read and check its master, at the address the show call gives).
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

from dcs_emulator.fidelity import section_from_text
from dcs_emulator.importer.binaries import default_binary
from dcs_emulator.importer.servers import StagingServer
from dcs_emulator.samples import preferred_binary, write_sample_backup
from dcs_emulator.testing import launch, sample_config, source_redis, write_private

ROOT = Path(__file__).resolve().parents[2]
BUCKET = "dcs-it-backups"
# One backup per target, each with its own key prefix, so that each target can check exactly its own keys.
BACKUPS = ("import", "nowait", "env", "adhoc", "absent", "retry", "info", "stop", "role_a", "role_b", "progress",
           "lookup", "latest", "loop")
BACKUP_KEYS = 300
CORRUPT_FILE = "corrupt.rdb"
# Backups outside the bucket, on the host that runs the modules: the role uploads them (local_files).
# name -> (path under the local folder, keys). multi_shard1 and multi_shard2 are a set imported in one task;
# multi_shard1 is larger than 5 MiB (the smallest part), so that it goes up in parts with part_size_mb 5.
LOCAL_BACKUPS = {
    "local_upload": ("local_upload.rdb", BACKUP_KEYS),
    "by_name": ("by_name/dump.rdb", BACKUP_KEYS),
    "multi_shard1": ("multi/shard1.rdb", 100000),
    "multi_shard2": ("multi/shard2.rdb", BACKUP_KEYS),
}
SOURCE_PASSWORD = "it-Source-pw-0815"
# Backup records of dcs-it-standby, for `backup_id: latest`: the newest restorable one is LATEST_BACKUP_ID
# (an older one holds the corrupt file; a newer one failed, as its file is missing).
LATEST_BACKUP_ID = "it-backup-nightly"
# The migration_task_instance_types target's backups: one for dcs-it-ha (two databases), one per source shard for
# dcs-it-cluster (database 0 only, as a cluster holds), and an AOF file that the cluster must refuse.
HA_BACKUP = "types_ha"
CLUSTER_SHARDS = ("types_shard1", "types_shard2", "types_shard3")
CLUSTER_SHARD_KEYS = 1000
CLUSTER_AOF = "types_cluster.aof"
# The type of dcs-it-main, the targets' import target. A Redis Cluster is not offered: the targets' backups
# span two databases and their checks read one address, neither of which a cluster has.
MAIN_TYPES = ("single", "ha")


def standby_backups() -> list:
    return [
        {"id": "it-backup-older", "name": "older", "bucket": BUCKET, "file": CORRUPT_FILE,
         "created_at": "2026-01-01T00:00:00Z"},
        {"id": LATEST_BACKUP_ID, "name": "nightly", "bucket": BUCKET, "file": "latest.rdb",
         "created_at": "2026-01-02T00:00:00Z"},
        {"id": "it-backup-broken", "name": "broken", "bucket": BUCKET, "file": "it-backup-missing.rdb",
         "created_at": "2026-01-03T00:00:00Z"},
    ]


def make_backups(bucket_dir: Path, binary: str) -> dict:
    backups = {}
    for seed, name in enumerate(BACKUPS):
        backups[name] = write_sample_backup(bucket_dir / ("%s.rdb" % name), keys=BACKUP_KEYS, dbs=2,
                                            prefix="it-%s:" % name, seed=seed, binary=binary)
    # A real backup cut in half: the loader must reject it (truncated file), and none of its keys may arrive.
    corrupt = bucket_dir / CORRUPT_FILE
    backups["corrupt"] = write_sample_backup(corrupt, keys=BACKUP_KEYS, dbs=2, prefix="it-corrupt:", seed=99,
                                             binary=binary)
    data = corrupt.read_bytes()
    corrupt.write_bytes(data[:len(data) // 2])
    backups[HA_BACKUP] = write_sample_backup(bucket_dir / ("%s.rdb" % HA_BACKUP), keys=BACKUP_KEYS, dbs=2,
                                             prefix="it-types-ha:", seed=50, binary=binary)
    for seed, name in enumerate(CLUSTER_SHARDS, start=51):
        backups[name] = write_sample_backup(bucket_dir / ("%s.rdb" % name), keys=CLUSTER_SHARD_KEYS, dbs=1,
                                            prefix="it-%s:" % name, seed=seed, binary=binary)
    backups["types_aof"] = write_aof(bucket_dir / CLUSTER_AOF, binary)
    return backups


def write_aof(out: Path, binary: str) -> dict:
    """An AOF file (commands, no RDB preamble) written by a real server: the base file of an AOF rewrite."""
    with tempfile.TemporaryDirectory(prefix="dcs-it-aof-") as directory:
        server = StagingServer(default_binary(binary), Path(directory), {"aof-use-rdb-preamble": "no"},
                               label="AOF writer")
        server.start()
        try:
            with server.client() as client:
                for index in range(10):
                    client.set("it-types-aof:%d" % index, "value-%d" % index)
                client.config_set("appendonly", "yes")  # writes the base file from the data set
                while client.info("persistence")["aof_rewrite_in_progress"] or not client.info("persistence")["aof_enabled"]:
                    time.sleep(0.05)
        finally:
            server.stop()
        shutil.copyfile(next(Path(directory).glob("appendonlydir/*.base.aof")), out)
    return {"file": out.name, "format": "aof", "prefix": "it-types-aof:", "keys": 10}


def make_local_backups(local_dir: Path, binary: str) -> dict:
    backups = {}
    for seed, (name, (file, keys)) in enumerate(LOCAL_BACKUPS.items(), start=100):
        path = local_dir / file
        backups[name] = dict(write_sample_backup(path, keys=keys, dbs=2, prefix="it-%s:" % name, seed=seed,
                                                 binary=binary), path=str(path))
    return backups


def integration_vars(emu, bucket_dir: Path, backups: dict, source, local_backups: dict) -> dict:
    main, standby, checks = (emu.instance("dcs-it-main"), emu.instance("dcs-it-standby"),
                             emu.instance("dcs-it-checks"))
    ha, cluster = emu.instance("dcs-it-ha"), emu.instance("dcs-it-cluster")
    host, port = emu.redis_address(main["id"])
    return {
        "dcs_endpoint": emu.url,
        "dcs_region": emu.region,
        "dcs_access_key": emu.access_key,
        "dcs_secret_key": emu.secret_key,
        "dcs_project_id": emu.project_id,
        "dcs_admin_url": emu.url + "/_emulator",
        "dcs_bucket": BUCKET,
        "dcs_bucket_dir": str(bucket_dir),
        "dcs_instance_id": main["id"],
        "dcs_instance_name": main["name"],
        "dcs_instance_password": main["password"],
        "dcs_standby_instance_id": standby["id"],
        "dcs_standby_instance_name": standby["name"],
        "dcs_checks_instance_id": checks["id"],
        "dcs_checks_instance_name": checks["name"],
        "dcs_latest_backup_id": LATEST_BACKUP_ID,
        # The migration_task_instance_types target's master/standby and 3-shard Redis Cluster instances.
        "dcs_ha_instance_id": ha["id"],
        "dcs_ha_instance_password": ha["password"],
        "dcs_cluster_instance_id": cluster["id"],
        "dcs_cluster_instance_name": cluster["name"],
        "dcs_cluster_instance_password": cluster["password"],
        "dcs_redis_host": host,
        "dcs_redis_port": port,
        "dcs_backups": backups,
        "dcs_source_host": source.host,
        "dcs_source_port": source.port,
        "dcs_source_password": SOURCE_PASSWORD,
        # The buckets' S3-compatible endpoint (hwcloud.dcs.obs_object) and the files it uploads.
        "dcs_obs_endpoint": emu.url + "/obs",
        "dcs_local_backups": local_backups,
    }


def run_ansible_test(config_path, args: list) -> int:
    venv = Path(sys.executable).parent.parent
    # ansible-test.sh copies the collection into a fresh folder of its own (kept when a target fails).
    env = dict(os.environ, VENV=str(venv))
    if config_path:
        env["INTEGRATION_CONFIG"] = str(config_path)
    # --local: the controller is this environment and the modules run with the same interpreter, so the
    # SDK and redis installed in the venv are what the targets use.
    command = [str(ROOT / "tests/utils/ansible-test.sh"), "integration", "--local", "--python-interpreter",
               sys.executable, "--color", "no"] + args
    print("+ " + " ".join(command), flush=True)
    return subprocess.call(command, cwd=str(ROOT), env=env)


def split_fidelity(argv: list) -> tuple:
    """(the fidelity sets asked for, the remaining arguments for ansible-test)."""
    sets, rest = [], []
    args = iter(argv)
    for arg in args:
        if arg == "--fidelity":
            chosen = next(args, None)
            if chosen is None:
                raise SystemExit("integration: --fidelity needs a set: documented, opposite, random or random:SEED")
            sets.append(chosen)
        else:
            rest.append(arg)
    return sets or (os.environ.get("DCS_FIDELITY") or "documented").split(), rest


def run_one_set(fidelity_set: str, argv: list) -> int:
    """Backups, emulator, source Redis and ansible-test for one fidelity set, in a work directory of its own."""
    fidelity = section_from_text(fidelity_set)
    started = time.monotonic()
    main_type = os.environ.get("DCS_IT_INSTANCE_TYPE") or "single"
    if main_type not in MAIN_TYPES:
        print("integration: DCS_IT_INSTANCE_TYPE must be one of %s, not %s" % (", ".join(MAIN_TYPES), main_type))
        return 2
    # Under the checkout's ignored .build/ rather than /tmp: nothing there sweeps it away mid-run.
    (ROOT / ".build" / "integration").mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="run-", dir=str(ROOT / ".build" / "integration")))
    keep = bool(os.environ.get("KEEP_INTEGRATION_WORKDIR"))
    status = 1
    try:
        bucket_dir = workdir / "bucket"
        server = preferred_binary()  # the same server writes the backups and runs the instances
        backups = make_backups(bucket_dir, server.path)
        local_backups = make_local_backups(workdir / "local", server.path)
        config = sample_config(bucket_dir, bucket=BUCKET, admin=True, server_binary=server.path, instances=[
            {"name": "dcs-it-main", "password": "it-Redis-pw-4711", "type": main_type},
            {"name": "dcs-it-standby", "password": "it-Redis-pw-4712", "backups": standby_backups()},
            # What the import pre-checks refuse: a Redis Cluster with SSL on, running an older Redis.
            # One shard (a master and its replica) is all the pre-checks need of its real cluster.
            {"name": "dcs-it-checks", "password": "it-Redis-pw-4713", "type": "cluster", "shards": 1, "enable_ssl": True,
             "engine_version": "5.0"},
            {"name": "dcs-it-ha", "password": "it-Redis-pw-4714", "type": "ha"},
            {"name": "dcs-it-cluster", "password": "it-Redis-pw-4715", "type": "cluster", "shards": 3},
        ], fidelity=fidelity)
        print("integration: backups written by %s in %.1f s; starting the emulator"
              % (server.label, time.monotonic() - started), flush=True)
        with launch(config, workdir, data_dir=workdir / "data") as emu, \
                source_redis(workdir / "source", SOURCE_PASSWORD, server) as source:
            print("integration: emulator on %s (log: %s)" % (emu.url, emu.log_path), flush=True)
            points = emu.admin.fidelity()
            seed = points["seed"]
            replay = " seed %d (replay: --fidelity random:%d)" % (seed, seed) if seed is not None else ""
            print("integration: fidelity %s%s" % (points["preset"], replay), flush=True)
            config_path = workdir / "integration_config.yml"
            variables = integration_vars(emu, bucket_dir, backups, source, local_backups)
            write_private(config_path, yaml.safe_dump(variables, sort_keys=False))
            status = run_ansible_test(config_path, argv)
            if status:
                print("integration: last lines of the emulator log:\n" + emu.log_tail(40), flush=True)
    finally:
        if keep or status:
            print("integration: work directory kept: %s" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    outcome = "passed" if status == 0 else "FAILED"
    print("integration (fidelity %s): %s in %.1f s" % (fidelity_set, outcome, time.monotonic() - started))
    return status


# The lines of a set's run shown as they come while sets run side by side: this script's own, and the start
# of each target (everything else is printed in the set's block when it ends).
PROGRESS = re.compile(r"^(integration[ :(]|Running \S+ integration test (role|script)|ERROR: )")


class SetRun:
    """One fidelity set's run of this script as a child process, its output read by a thread of its own."""

    def __init__(self, name: str, command: list, show, ended: queue.Queue):
        self.name = name
        self.lines: list = []
        self.started = time.monotonic()
        self.seconds = 0.0
        self.process = subprocess.Popen(command, cwd=str(ROOT), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True, errors="replace")
        self._show = show
        self._ended = ended
        threading.Thread(target=self._read, name="integration-%s" % name, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)
            if PROGRESS.match(line):
                self._show("[%s] %s" % (self.name, line.rstrip("\n")))
        self.process.wait()
        self.seconds = time.monotonic() - self.started
        self._ended.put(self)

    def stop(self) -> None:
        """SIGTERM (the child cleans up its emulator and source Redis), then wait for it."""
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def set_command(fidelity_set: str, args: list) -> list:
    return [sys.executable, str(Path(__file__).resolve()), "--fidelity", fidelity_set] + args


def run_sets_concurrently(sets: list, args: list, command_for=set_command) -> int:
    """Every set at once, each in its own child (command_for(set, args)); 0 when all pass, else the first
    failing status (in the order of ``sets``), after every set has ended."""
    started = time.monotonic()
    lock = threading.Lock()

    def show(text: str) -> None:
        with lock:
            print(text, flush=True)

    ended: queue.Queue = queue.Queue()
    runs = []
    try:
        for name in sets:
            runs.append(SetRun(name, command_for(name, args), show, ended))
        for _count in runs:
            run = ended.get()
            with lock:
                print("==== integration, fidelity %s: exit status %d after %.1f s; its output:"
                      % (run.name, run.process.returncode, run.seconds), flush=True)
                sys.stdout.write("".join(run.lines))
                print("==== end of integration, fidelity %s" % run.name, flush=True)
    finally:
        for run in runs:
            run.stop()
    statuses = [run.process.returncode for run in runs]
    summary = ", ".join("%s %s in %.1f s" % (run.name, "passed" if run.process.returncode == 0 else "FAILED",
                                             run.seconds) for run in runs)
    print("integration: %s; %d sets side by side in %.1f s" % (summary, len(runs), time.monotonic() - started))
    return next((status for status in statuses if status), 0)


def main(argv: list) -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the clean-up (finally) on `kill` too
    sets, argv = split_fidelity(argv)
    if "-h" in argv or "--help" in argv:
        print(__doc__, flush=True)
        return run_ansible_test(None, argv)
    for fidelity_set in sets:
        try:
            section_from_text(fidelity_set)
        except ValueError as exc:
            print("integration: %s" % exc, file=sys.stderr)
            return 2
    if len(sets) > 1:
        return run_sets_concurrently(sets, argv)
    return run_one_set(sets[0], argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
