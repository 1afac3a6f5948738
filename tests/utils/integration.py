# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make integration`: run the ansible-test integration targets against a local DCS emulator.

1. generates backups from a real Redis server into a fresh bucket directory (a good one per target, each with
   its own key prefix, plus a corrupt one) and keeps their manifests (keys per database, type, TTL);
2. starts the emulator (admin API on) with three managed instances: `dcs-it-main` (RUNNING, the import target),
   `dcs-it-standby` (which a target switches to not RUNNING through the admin API; it has backup records) and
   `dcs-it-checks` (a Redis Cluster with SSL on and an older Redis, which the import pre-checks refuse), and a
   plain Redis server, the source that the online_migration_task target migrates from;
3. writes the integration config (endpoint, keys, project, instances, target Redis address, admin URL,
   backups, the source Redis) that tests/utils/ansible-test.sh copies to tests/integration/integration_config.yml;
4. runs `ansible-test integration` with the venv's own Python (no --venv: the SDK in the venv is used);
5. stops the emulator and the source Redis, also on failure or Ctrl-C.

Usage: python tests/utils/integration.py [ansible-test integration arguments, e.g. a target name or -v]
Set KEEP_INTEGRATION_WORKDIR=1 to keep the work directory (emulator log, config) after a run.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import yaml

from dcs_emulator.importer.servers import ManagedServer
from dcs_emulator.samples import preferred_binary, write_sample_backup
from dcs_emulator.testing import launch, sample_config, write_private

ROOT = Path(__file__).resolve().parents[2]
BUCKET = "dcs-it-backups"
# One backup per target, each with its own key prefix, so that each target can check exactly its own keys.
BACKUPS = ("import", "nowait", "env", "adhoc", "absent", "retry", "info", "stop", "role_a", "role_b", "progress",
           "lookup", "latest", "loop")
BACKUP_KEYS = 300
CORRUPT_FILE = "corrupt.rdb"
# Backups outside the bucket, on the host that runs the modules: the role uploads them (local_files).
LOCAL_BACKUPS = ("local_upload",)
SOURCE_PASSWORD = "it-Source-pw-0815"
# Backup records of dcs-it-standby, for `backup_id: latest`: the newest restorable one is LATEST_BACKUP_ID
# (an older one holds the corrupt file; a newer one failed, as its file is missing).
LATEST_BACKUP_ID = "it-backup-nightly"


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
    return backups


def make_local_backups(local_dir: Path, binary: str) -> dict:
    backups = {}
    for seed, name in enumerate(LOCAL_BACKUPS, start=100):
        path = local_dir / ("%s.rdb" % name)
        backups[name] = dict(write_sample_backup(path, keys=BACKUP_KEYS, dbs=2, prefix="it-%s:" % name, seed=seed,
                                                 binary=binary), path=str(path))
    return backups


@contextmanager
def source_redis(workdir: Path, binary):
    """A Redis server on 127.0.0.1 for the online migrations to replicate from (stopped on the way out)."""
    server = ManagedServer(workdir / "source", password=SOURCE_PASSWORD, binary=binary, label="source server")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def integration_vars(emu, bucket_dir: Path, backups: dict, source, local_backups: dict) -> dict:
    main, standby, checks = (emu.instance("dcs-it-main"), emu.instance("dcs-it-standby"),
                             emu.instance("dcs-it-checks"))
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


def run_ansible_test(config_path: Path, args: list) -> int:
    venv = Path(sys.executable).parent.parent
    # ansible-test.sh copies the collection into a fresh folder of its own (kept when a target fails).
    env = dict(os.environ, INTEGRATION_CONFIG=str(config_path), VENV=str(venv))
    # --local: the controller is this environment and the modules run with the same interpreter, so the
    # SDK and redis installed in the venv are what the targets use.
    command = [str(ROOT / "tests/utils/ansible-test.sh"), "integration", "--local", "--python-interpreter",
               sys.executable, "--color", "no"] + args
    print("+ " + " ".join(command), flush=True)
    return subprocess.call(command, cwd=str(ROOT), env=env)


def main(argv: list) -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the clean-up below on `kill` too
    started = time.monotonic()
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
            {"name": "dcs-it-main", "password": "it-Redis-pw-4711"},
            {"name": "dcs-it-standby", "password": "it-Redis-pw-4712", "backups": standby_backups()},
            # What the import pre-checks refuse: a Redis Cluster with SSL on, running an older Redis.
            {"name": "dcs-it-checks", "password": "it-Redis-pw-4713", "type": "cluster", "enable_ssl": True,
             "engine_version": "5.0"},
        ])
        print("integration: backups written by %s in %.1f s; starting the emulator"
              % (server.label, time.monotonic() - started), flush=True)
        with launch(config, workdir, data_dir=workdir / "data") as emu, source_redis(workdir, server) as source:
            print("integration: emulator on %s (log: %s)" % (emu.url, emu.log_path), flush=True)
            config_path = workdir / "integration_config.yml"
            write_private(config_path, yaml.safe_dump(integration_vars(emu, bucket_dir, backups, source, local_backups), sort_keys=False))
            status = run_ansible_test(config_path, argv)
            if status:
                print("integration: last lines of the emulator log:\n" + emu.log_tail(40), flush=True)
    finally:
        if keep or status:
            print("integration: work directory kept: %s" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print("integration: %s in %.1f s" % ("passed" if status == 0 else "FAILED", time.monotonic() - started))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
