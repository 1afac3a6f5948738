# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared fixtures: import the collection from a plain clone, run modules end to end, answer the DCS API.

Modules run for real (AnsibleModule, the SDK, its signing and HTTP layer); only the
HTTP answers are canned, with the `responses` library on the SDK's requests session.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import atexit
import contextlib
import json
import os
import shutil
import sys
import tempfile


REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _make_collection_importable():
    """Put a temp dir holding ansible_collections/hwcloud/dcs -> repo root on sys.path.

    ansible-test units already runs from such a layout; a plain clone (make units) does not.
    """
    try:
        import ansible_collections.hwcloud.dcs.plugins.module_utils.options  # noqa: F401 pylint: disable=unused-import
        return
    except ImportError:
        pass
    root = tempfile.mkdtemp(prefix='hwcloud-dcs-units-')
    namespace = os.path.join(root, 'ansible_collections', 'hwcloud')
    os.makedirs(namespace)
    link = os.path.join(namespace, 'dcs')
    os.symlink(REPO, link)
    atexit.register(_remove_layout, root, link)
    sys.path.insert(0, root)


def _remove_layout(root, link):
    os.unlink(link)  # the link only, never what it points to
    shutil.rmtree(root, ignore_errors=True)


def _make_test_kit_importable():
    """The canned answers come from the emulator's test kit: take it from the checkout when it is not installed
    (ansible-test units copies the whole checkout, emulator/ included, but installs only requirements.txt)."""
    try:
        import dcs_emulator  # noqa: F401 pylint: disable=unused-import
    except ImportError:
        sys.path.insert(0, os.path.join(REPO, 'emulator'))


_make_collection_importable()
_make_test_kit_importable()

# pylint: disable=wrong-import-position
import pytest  # noqa: E402
import responses  # noqa: E402

from ansible_collections.hwcloud.dcs.plugins.module_utils import clock  # noqa: E402
from dcs_emulator.testing import shapes  # noqa: E402

ENDPOINT = 'https://dcs.unit.test'
PROJECT_ID = '0f1e2d3c4b5a69788796a5b4c3d2e1f0'
ACCESS_KEY = 'UNITTESTACCESSKEY0001'
SECRET_KEY = 'unit-secret-key-Zq8Hd2LpX4vWm7Tn'
SECURITY_TOKEN = 'unit-security-token-Ry5Kf3GsQ9bNc1Jx'
PASSWORD = 'unit-redis-password-Uh6Dw0PeV8mAz2'
SOURCE_PASSWORD = 'unit-source-password-Lt4Gy7CkB3oSx9'
SECRETS = (SECRET_KEY, SECURITY_TOKEN, PASSWORD, SOURCE_PASSWORD)
INSTANCE_ID = 'd2c8399f-bdba-43c1-8069-3ff17a1a79d5'
CONNECTION = dict(endpoint=ENDPOINT, project_id=PROJECT_ID, access_key=ACCESS_KEY, secret_key=SECRET_KEY,
                  security_token=SECURITY_TOKEN)


@contextlib.contextmanager
def module_args(args):
    """Hand args to AnsibleModule the way the running ansible-core expects them (2.16-2.19)."""
    try:
        from ansible.module_utils.testing import patch_module_args
    except ImportError:
        patch_module_args = None
    if patch_module_args is not None:
        with patch_module_args(args):
            yield
        return
    from unittest import mock
    from ansible.module_utils import basic
    from ansible.module_utils.common.text.converters import to_bytes
    with mock.patch.object(basic, '_ANSIBLE_ARGS', to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args}))):
        yield


def forget_earlier_warnings():
    """AnsibleModule collects warnings in a global of its process: a run must return only its own."""
    from ansible.module_utils.common import warnings
    warnings._global_warnings.clear()  # a list or a dict, depending on the ansible-core release


class ModuleResult(dict):
    """The module's JSON result; `output` is everything it printed (stdout and stderr)."""

    def __init__(self, result, output):
        super(ModuleResult, self).__init__(result)
        self.output = output

    @property
    def failed(self):
        return bool(self.get('failed'))

    @property
    def warnings(self):
        """The texts of the module's warnings (ansible-core 2.19 returns each as a structured event)."""
        return [item if isinstance(item, str) else item['event']['msg'] for item in self.get('warnings', [])]


class ModuleRunner(object):
    def __init__(self, capsys):
        self.capsys = capsys

    def __call__(self, main, args, check_mode=False, diff=False, verbosity=0, connection=True):
        full = dict(CONNECTION) if connection else {}
        full.update(args)
        full.update(_ansible_check_mode=check_mode, _ansible_diff=diff, _ansible_verbosity=verbosity)
        self.capsys.readouterr()
        forget_earlier_warnings()
        with module_args(full):
            with pytest.raises(SystemExit):
                main()
        captured = self.capsys.readouterr()
        result = ModuleResult(json.loads(captured.out), captured.out + captured.err)
        for secret in SECRETS:
            assert secret not in captured.out + captured.err, 'a secret leaked into the module output'
        return result


@pytest.fixture
def run_module(capsys):
    return ModuleRunner(capsys)


class FakeClock(object):
    """Simulated time: sleep() advances now() at once and records the pause."""

    def __init__(self):
        self.time = 1000.0
        self.sleeps = []

    def now(self):
        return self.time

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.time += max(0.0, seconds)


@pytest.fixture(autouse=True)
def fake_clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(clock, 'now', fake.now)
    monkeypatch.setattr(clock, 'sleep', fake.sleep)
    return fake


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    """Connection environment variables of the developer's shell must not leak into tests."""
    from ansible_collections.hwcloud.dcs.plugins.module_utils.options import ENV_FALLBACKS
    for names in ENV_FALLBACKS.values():
        for name in names:
            monkeypatch.delenv(name, raising=False)


# The target instance as the canned service shows it.
TARGET = dict(name='dcs-test', ip='192.168.0.20', port=6379, status='RUNNING')


def backup_files(files=('dump.rdb',), bucket='redis-backups'):
    return dict(file_source='self_build_obs', bucket_name=bucket,
                files=[dict(file_name=f, size='1024', update_at='2024-11-06 10:00:00') for f in files])


def list_item(task_id, name, status='SUCCESS', **extra):
    """One element of the list answer, made by the emulator's task model."""
    item = shapes.task_list_item(task_id, name, status, instance=TARGET, target_instance=dict(id=INSTANCE_ID),
                                 backup_files=backup_files())
    item.update(extra)
    return item


def task_detail(task_id, name, status='SUCCESS', files=('dump.rdb',), bucket='redis-backups', instance_id=INSTANCE_ID,
                **extra):
    """What the show call answers, made by the emulator's task model; like the real service (and unlike the
    emulator) it echoes the Redis password."""
    detail = shapes.task_detail(task_id, name, status, instance=TARGET,
                                target_instance=dict(id=instance_id, password=PASSWORD),
                                backup_files=backup_files(files, bucket))
    detail.update(extra)
    return detail


class CannedDcs(object):
    """Register canned DCS answers; several for one URL are served in order, the last one repeats."""

    def __init__(self, mock):
        self.mock = mock

    @staticmethod
    def url(path, project=PROJECT_ID, endpoint=ENDPOINT):
        return '%s/v2/%s%s' % (endpoint, project, path)

    def add(self, method, path, status=200, body=None, headers=None, **kwargs):
        url = kwargs.pop('url', None) or self.url(path, **kwargs)
        if isinstance(body, Exception):
            self.mock.add(method, url, body=body)
        else:
            self.mock.add(method, url, status=status, json=body, headers=headers)

    def error(self, method, path, status, code, message, request_id='5f3e1a2b9c8d7e6f', **kwargs):
        self.add(method, path, status=status, body=dict(error_code=code, error_msg=message, error_ext_msg=None),
                 headers={'X-Request-Id': request_id}, **kwargs)

    def list_tasks(self, *items, **kwargs):
        count = kwargs.pop('count', len(items))
        self.add('GET', '/migration-tasks', body=dict(count=count, migration_tasks=list(items)), **kwargs)

    def show_task(self, detail):
        self.add('GET', '/migration-task/%s' % detail['task_id'], body=detail)

    def instance(self, status='RUNNING', instance_id=INSTANCE_ID):
        self.add('GET', '/instances/%s' % instance_id,
                 body=shapes.instance_detail(instance_id, TARGET['name'], status, ip=TARGET['ip'], port=TARGET['port'],
                                             engine_version='5.0', max_memory=1024, used_memory=2))

    def create(self, task_id, name, status='MIGRATING'):
        self.add('POST', '/migration-task', body=dict(id=task_id, name=name, status=status, error=''))

    def delete(self, *task_ids):
        self.add('DELETE', '/migration-tasks/delete', body=dict(task_id_list=list(task_ids)))

    def logs(self, task_id, *messages):
        entries = [dict(created_at='2024-11-06T10:0%d:00Z' % i, log_level='ERROR' if i == len(messages) - 1 else 'INFO',
                        message=m, log_code='', keyword=[]) for i, m in enumerate(messages)]
        self.add('GET', '/migration-task/%s/logs' % task_id, body=dict(log_num=len(entries), migration_logs=entries))

    def calls(self, method=None, path=None):
        """(METHOD, path, query) of every request made, optionally filtered."""
        from urllib.parse import urlsplit
        made = []
        for call in self.mock.calls:
            parts = urlsplit(call.request.url)
            made.append((call.request.method, parts.path, parts.query))
        return [c for c in made if (method is None or c[0] == method) and (path is None or c[1].endswith(path))]

    def request_body(self, index=-1, method='POST'):
        bodies = [call.request.body for call in self.mock.calls if call.request.method == method]
        body = bodies[index]
        return json.loads(body.decode() if isinstance(body, bytes) else body)


@pytest.fixture
def dcs():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield CannedDcs(mock)
