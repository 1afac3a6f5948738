# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module runs in a fork of the worker process (plugin_utils/_in_worker.py): the real migration_task, the SDK
and canned HTTP answers (the fork inherits them), run the way the action plugin runs it.

What a user relies on: the result is what a module process returns (warnings in it, secrets masked, check
mode, argument validation), and nothing of one run reaches the next or the worker.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import signal

import pytest

from ansible.module_utils import basic

from ansible_collections.hwcloud.dcs.plugins.modules import migration_task
from ansible_collections.hwcloud.dcs.plugins.plugin_utils import _in_worker
from ansible_collections.hwcloud.dcs.tests.unit.conftest import (
    CONNECTION,
    INSTANCE_ID,
    PASSWORD,
    SECRETS,
    list_item,
    task_detail,
)

NAME = 'restore-sessions'
TASK_ID = '8aa6999e71cb638b0171f485f5266ef0'
# The serialization profile migration_task declares on ansible-core 2.19 (older releases have none).
PROFILE = 'legacy' if hasattr(basic, '_ANSIBLE_PROFILE') else None


def present(**overrides):
    args = dict(CONNECTION, task_name=NAME, wait=False,
                backup_files=dict(file_source='self_build_obs', bucket_name='redis-backups',
                                  files=[dict(file_name='dump.rdb', size='1024', update_at='2024-11-06 10:00:00')]),
                target_instance=dict(id=INSTANCE_ID, password=PASSWORD, port=6379),
                _ansible_check_mode=False, _ansible_diff=False)
    args.update(overrides)
    return args


def run_in_fork(args, environment=None, main=migration_task.main):
    """{rc, stdout, stderr} of the run, and the result it printed."""
    answer = _in_worker.run_forked(main, _in_worker.encoded_params(args, PROFILE), PROFILE, environment or {})
    for secret in SECRETS:
        assert secret not in answer['stdout'] + answer['stderr'], 'a secret leaked into the module output'
    result = json.loads(answer['stdout']) if answer['stdout'].strip() else None
    return answer, result


def warning_texts(result):
    return [item if isinstance(item, str) else item['event']['msg'] for item in result.get('warnings', [])]


@pytest.fixture
def controller(monkeypatch):
    """The worker is a controller process: ansible-core 2.19 module_utils would display warnings there."""
    try:
        from ansible.module_utils import _internal
    except ImportError:
        return
    if hasattr(_internal, 'is_controller'):
        monkeypatch.setattr(_internal, 'is_controller', True)


def test_a_check_mode_run_predicts_the_create_and_masks_the_secrets(dcs):
    dcs.list_tasks()
    dcs.instance('RUNNING')

    answer, result = run_in_fork(present(_ansible_check_mode=True, _ansible_diff=True))

    assert answer['rc'] == 0
    assert result['changed'] is True and 'task_id' not in result
    assert result['diff']['after']['task_name'] == NAME
    assert result['invocation']['module_args']['target_instance']['password'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'


def test_warnings_land_in_the_result_as_from_a_module_process(dcs, controller):
    detail = task_detail(TASK_ID, NAME)
    detail['target_instance'].pop('port')
    dcs.list_tasks(list_item(TASK_ID, NAME))
    dcs.show_task(detail)

    answer, result = run_in_fork(present())

    assert answer['rc'] == 0 and result['changed'] is False and result['task_id'] == TASK_ID
    assert [text for text in warning_texts(result) if 'not compared' in text]
    assert answer['stderr'] == ''  # nothing displayed by the run itself (as a controller would)


def test_invalid_input_fails_before_any_call_with_the_secrets_masked(dcs):
    answer, result = run_in_fork(present(state='gone'))

    assert answer['rc'] == 1
    assert result['failed'] is True and 'state' in result['msg']
    assert not dcs.calls()


def test_the_task_environment_reaches_the_run_and_stays_there(dcs, monkeypatch):
    monkeypatch.delenv('HUAWEICLOUD_SDK_PROJECT_ID', raising=False)
    dcs.list_tasks(list_item(TASK_ID, NAME))
    dcs.show_task(task_detail(TASK_ID, NAME))
    args = present()
    project_id = args.pop('project_id')

    answer, result = run_in_fork(args, environment=dict(HUAWEICLOUD_SDK_PROJECT_ID=project_id))

    assert answer['rc'] == 0 and result['task_id'] == TASK_ID
    assert 'HUAWEICLOUD_SDK_PROJECT_ID' not in os.environ


def test_a_module_that_crashes_is_a_failed_run_with_its_traceback_not_a_crashed_worker():
    def crashing_main():
        raise RuntimeError('boom')

    answer, result = run_in_fork({}, main=crashing_main)

    assert answer['rc'] == 1 and result is None
    assert 'RuntimeError: boom' in answer['stderr']


def test_a_module_that_never_exits_is_reported():
    answer, result = run_in_fork({}, main=lambda: None)

    assert answer['rc'] == 1 and result is None
    assert 'did not handle its own exit' in answer['stderr']


def test_a_module_run_killed_by_a_signal_is_a_failed_run_naming_it():
    def killed_main():
        os.kill(os.getpid(), signal.SIGKILL)

    answer, result = run_in_fork({}, main=killed_main)

    assert answer['rc'] == -signal.SIGKILL and result is None
    assert 'ended without an answer (exit status -9)' in answer['stderr']
