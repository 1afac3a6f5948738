# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make demo`: the collection's main job end to end, against the local DCS emulator.

1. builds the collection and installs it into .build/demo/collections (what a user gets from Galaxy);
2. writes a sample backup (keys of every type, TTLs, two databases) from a real Redis server into the
   bucket directory emulator-data/bucket/, unless it is already there;
3. starts the emulator with one managed Redis instance (state, tasks and the instance's data persist in
   emulator-data/, so a second run finds the task of the first);
4. runs playbooks/demo.yml with the credentials in environment variables, as AWX injects them;
5. stops the emulator, also when a step failed or on Ctrl-C. Exits non-zero if any step failed.

`make clean` removes emulator-data/ to start from scratch.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dcs_emulator.launcher import EmulatorStartError, launch, sample_config, write_private
from dcs_emulator.samples import preferred_binary, write_sample_backup

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / 'tests' / 'utils'))
from collection_build import build_tarball  # noqa: E402  pylint: disable=wrong-import-position

DATA = ROOT / 'emulator-data'
BUCKET_DIR = DATA / 'bucket'
COLLECTIONS = ROOT / '.build' / 'demo' / 'collections'
BUCKET = 'demo-backups'
BACKUP_FILE = 'demo-backup.rdb'
SAMPLE_KEYS = 5000
# Fixed, so that a second run talks to the same project and instance and finds the first run's task.
# They exist only in the local emulator's config (emulator-data/emulator.yml, mode 0600).
ACCESS_KEY = 'DEMOACCESSKEY0000001'
SECRET_KEY = 'demo-secret-key-of-the-local-emulator'
PROJECT_ID = '0d3e0f6a9b2c4d5e8f7a6b5c4d3e2f10'
INSTANCE = {'id': '6a1f9c3e-2b4d-4e8f-9a7b-5c6d7e8f9a0b', 'name': 'dcs-demo', 'password': 'demo-Redis-pw-2026'}
REGION = 'cn-north-4'
INTERRUPTED = (99, -signal.SIGINT, 128 + signal.SIGINT)  # 99: ansible-playbook's "User interrupted execution"
# One server binary for the backup and the instance, whatever PATH holds: the instance's data persists
# between runs in emulator-data/ and must be loadable by the next run's server.
SERVER = preferred_binary()


class Steps:
    """Prints each step with its duration."""

    def __init__(self):
        self.started = time.monotonic()
        self.number = 0

    def run(self, title, func, *args):
        self.number += 1
        print('\n== [%d/5] %s' % (self.number, title), flush=True)
        began = time.monotonic()
        result = func(*args)
        print('== [%d/5] done in %.1f s' % (self.number, time.monotonic() - began), flush=True)
        return result

    def elapsed(self):
        return time.monotonic() - self.started


def install_collection():
    with tempfile.TemporaryDirectory(prefix='hwcloud-dcs-demo-') as tmp:
        tarball = build_tarball(tmp)
        command = [str(Path(sys.executable).parent / 'ansible-galaxy'), 'collection', 'install', '--force',
                   '--offline', '-p', str(COLLECTIONS), str(tarball)]
        print('+ ' + ' '.join(command), flush=True)
        subprocess.run(command, check=True, env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS)))


def sample_backup():
    backup = BUCKET_DIR / BACKUP_FILE
    if backup.exists():
        print('%s is already there (%d bytes): reused' % (backup.relative_to(ROOT), backup.stat().st_size))
        return
    manifest = write_sample_backup(backup, keys=SAMPLE_KEYS, dbs=2, prefix='demo:', binary=SERVER.path)
    print('%s: %d keys (%s) with %d TTLs, written by %s, %d bytes' % (
        backup.relative_to(ROOT), manifest['keys'],
        ', '.join('db%s: %d' % (db, info['keys']) for db, info in sorted(manifest['databases'].items())),
        manifest['ttl'], manifest['server'], manifest['size']))


def emulator_config():
    return sample_config(BUCKET_DIR, [INSTANCE], region=REGION, access_key=ACCESS_KEY, secret_key=SECRET_KEY,
                         project_id=PROJECT_ID, bucket=BUCKET, server_binary=SERVER.path)


def run_playbook(emu):
    host, port = emu.redis_address(INSTANCE['id'])
    extra_vars = {'demo_endpoint': emu.url, 'demo_bucket': BUCKET, 'demo_backup_file': BACKUP_FILE,
                  'demo_instance_id': INSTANCE['id'], 'demo_instance_password': INSTANCE['password'],
                  'demo_redis_host': host, 'demo_redis_port': port,
                  'ansible_python_interpreter': sys.executable}
    vars_file = DATA / 'demo-vars.json'
    write_private(vars_file, json.dumps(extra_vars))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS), ANSIBLE_LOCALHOST_WARNING='false',
               ANSIBLE_INVENTORY_UNPARSED_WARNING='false',
               # The credentials, as an AWX credential of the "Huawei Cloud DCS" type injects them.
               HUAWEICLOUD_SDK_AK=emu.access_key, HUAWEICLOUD_SDK_SK=emu.secret_key,
               HUAWEICLOUD_SDK_PROJECT_ID=emu.project_id)
    command = [str(Path(sys.executable).parent / 'ansible-playbook'), '-i', 'localhost,',
               str(ROOT / 'playbooks' / 'demo.yml'), '-e', '@%s' % vars_file]
    print('+ ' + ' '.join(command), flush=True)
    subprocess.run(command, check=True, env=env, cwd=str(ROOT))


def start_and_play(steps):
    DATA.mkdir(parents=True, exist_ok=True)
    print('\n== [3/5] start the DCS emulator (data in %s)' % DATA.relative_to(ROOT), flush=True)
    began = time.monotonic()
    steps.number = 3
    with launch(emulator_config(), DATA, data_dir=DATA) as emu:
        print('emulator on %s, instance %s (%s) backed by Redis at %s:%d; log: %s' % (
            emu.url, INSTANCE['name'], INSTANCE['id'], *emu.redis_address(INSTANCE['id']),
            emu.log_path.relative_to(ROOT)))
        print('== [3/5] done in %.1f s' % (time.monotonic() - began), flush=True)
        steps.run('run playbooks/demo.yml', run_playbook, emu)
        print('\n== [5/5] stop the emulator', flush=True)
        began = time.monotonic()
    print('== [5/5] done in %.1f s' % (time.monotonic() - began), flush=True)


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the emulator on `kill` as on Ctrl-C
    steps = Steps()
    try:
        steps.run('build and install the collection into %s' % COLLECTIONS.relative_to(ROOT), install_collection)
        steps.run('sample backup in bucket %s (%s)' % (BUCKET, BUCKET_DIR.relative_to(ROOT)), sample_backup)
        start_and_play(steps)
    except subprocess.CalledProcessError as exc:
        if exc.returncode in INTERRUPTED:
            print('\nmake demo interrupted; everything it started is stopped', file=sys.stderr)
            return 130
        print('\nmake demo FAILED: %s exited with status %d' % (Path(exc.cmd[0]).name, exc.returncode),
              file=sys.stderr)
        return 1
    except EmulatorStartError as exc:
        print('\nmake demo FAILED: the emulator did not start: %s' % exc, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print('\nmake demo interrupted; everything it started is stopped', file=sys.stderr)
        return 130
    print('\nmake demo: OK in %.1f s' % steps.elapsed())
    return 0


if __name__ == '__main__':
    sys.exit(main())
