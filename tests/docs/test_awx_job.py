# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWX guide's job template, run as AWX runs it: through ansible-runner, with only what the credentials inject.

The playbook is the one in docs/docsite/rst/awx.rst, taken from the guide's text. The job gets an
inventory that lists localhost (like AWX's Demo Inventory), the job template's variables, and what the
two credential types of awx/ inject, rendered as AWX renders injectors (tests/utils/awx_env.py): the
"Huawei Cloud DCS" credential's environment (endpoint included) and the "DCS target Redis password"
credential's extra-variables file. No other connection setting exists anywhere in the job's environment.
"""

from __future__ import annotations

import json
import os
import re
import sys

import pytest
import redis
import yaml

from conftest import BACKUP_KEYS, BUCKET, INSTANCE_PASSWORD, ROOT
from examples import rst_examples

ansible_runner = pytest.importorskip('ansible_runner')
sys.path.insert(0, str(ROOT / 'tests' / 'utils'))
from awx_env import DCS_CREDENTIAL_TYPE, REDIS_PASSWORD_CREDENTIAL_TYPE, inject  # noqa: E402  pylint: disable=wrong-import-position

GUIDE = ROOT / 'docs' / 'docsite' / 'rst' / 'awx.rst'
CONNECTION_ENV = re.compile(r'^(HUAWEICLOUD_|HW_|CLOUD_SDK_|REQUESTS_CA_BUNDLE$|CURL_CA_BUNDLE$|HTTPS?_PROXY$|ALL_PROXY$)',
                            re.IGNORECASE)


def guide_playbook(name):
    """The play called `name` from the guide's YAML code blocks."""
    for example in rst_examples(GUIDE):
        plays = yaml.safe_load(example.text) if example.language == 'yaml' else None
        if isinstance(plays, list) and plays and plays[0].get('name') == name:
            return plays
    raise AssertionError('no playbook %r in %s' % (name, GUIDE))


def task_results(runner, action):
    return [event['event_data']['res'] for event in runner.events
            if event['event'] == 'runner_on_ok' and event['event_data'].get('task_action') == action]


def test_job_template_runs_with_only_the_injected_credentials(tmp_path, monkeypatch, emulator, collections_path):
    # Nothing of the test's own environment may point the job anywhere.
    for name in list(os.environ):
        if CONNECTION_ENV.match(name):
            monkeypatch.delenv(name)
    # The execution environment's tools (ansible-playbook) are on its PATH.
    monkeypatch.setenv('PATH', os.path.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', ''))
    instance = emulator.instance('dcs-docs')
    private_data_dir = tmp_path / 'job'
    (private_data_dir / 'project').mkdir(parents=True)
    (private_data_dir / 'inventory').mkdir()
    (private_data_dir / 'inventory' / 'hosts').write_text('localhost\n')
    (private_data_dir / 'project' / 'import.yml').write_text(
        yaml.safe_dump(guide_playbook('Import a Redis backup into DCS'), sort_keys=False))

    dcs = inject(DCS_CREDENTIAL_TYPE, private_data_dir, access_key=emulator.access_key,
                 secret_key=emulator.secret_key, region=emulator.region, endpoint=emulator.url)
    password = inject(REDIS_PASSWORD_CREDENTIAL_TYPE, private_data_dir, password=INSTANCE_PASSWORD)
    extra_vars_file = private_data_dir / 'env' / 'credential_extra_vars.yml'
    extra_vars_file.write_text(yaml.safe_dump(password.extra_vars))
    job_template_vars = {'task_name': 'awx-guide-job', 'bucket_name': BUCKET,
                         'backup_files': [{'file_name': 'dump.rdb'}], 'target_instance_id': instance['id']}
    env = dict(dcs.env, ANSIBLE_COLLECTIONS_PATH=str(collections_path),
               ANSIBLE_LOCAL_TEMP=str(tmp_path / 'ansible-tmp'), HOME=str(tmp_path))

    runner = ansible_runner.run(private_data_dir=str(private_data_dir), playbook='import.yml',
                                envvars=env, extravars=job_template_vars, cmdline='-e @%s' % extra_vars_file,
                                quiet=True, timeout=600)
    output = runner.stdout.read()
    assert (runner.status, runner.rc) == ('successful', 0), output
    assert INSTANCE_PASSWORD not in output and emulator.secret_key not in output

    created = task_results(runner, 'hwcloud.dcs.migration_task')
    assert len(created) == 1 and created[0]['changed'] is True, created
    assert created[0]['migration_task']['status'] == 'SUCCESS', json.dumps(created[0])
    host, port = emulator.redis_address(instance['id'])
    target = redis.Redis(host=host, port=port, password=INSTANCE_PASSWORD)
    assert len(target.keys('docs:*')) == BACKUP_KEYS
