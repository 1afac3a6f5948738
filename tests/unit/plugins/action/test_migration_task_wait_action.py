# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugin of hwcloud.dcs.migration_task_wait: several tasks waited for, progress lines while they run.

migration_task_info's answers on the module's host are scripted per poll; the plugin's loop, pacing and lines are
the real ones, on the simulated clock.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from unittest import mock

import pytest

from ansible.errors import AnsibleActionFail

from ansible_collections.hwcloud.dcs.plugins.action import migration_task
from ansible_collections.hwcloud.dcs.plugins.action import migration_task_wait as plugin

CONNECTION = dict(endpoint='https://dcs.unit.test', access_key='AK', secret_key='SK', project_id='p1')
IDS = ['id-a', 'id-b']


def task(task_id, status):
    return dict(task_id=task_id, task_name='restore-' + task_id[-1], status=status)


class Host(object):
    """migration_task_info on the module's host: the list changes with each poll, a show adds statistics."""

    def __init__(self, polls, fake_clock):
        self.polls, self.clock, self.runs = list(polls), fake_clock, []

    def execute(self, module_name=None, module_args=None, task_vars=None, **kwargs):
        self.runs.append((module_name, dict(module_args), self.clock.now()))
        if module_args.get('task_id'):
            listed = [t for t in self.current if t['task_id'] == module_args['task_id']]
            return dict(changed=False, migration_tasks=[dict(t, stats=dict(
                full_migration_progress='50.00', target_dbsize=150, source_dbsize=300)) for t in listed])
        self.current = self.polls.pop(0) if len(self.polls) > 1 else self.polls[0]
        return self.current if isinstance(self.current, dict) else dict(changed=False, migration_tasks=self.current)

    def list_runs(self):
        return [run for run in self.runs if not run[1].get('task_id')]


@pytest.fixture
def lines(monkeypatch, fake_clock):
    printed = []
    monkeypatch.setattr(migration_task.display, 'display', lambda msg, *a, **k: printed.append((fake_clock.now(), msg)))
    return printed


def run_plugin(host, check_mode=False, **args):
    task_mock = mock.MagicMock()
    task_mock.args = dict(CONNECTION, task_ids=IDS, **args)
    task_mock.async_val = 0
    task_mock.check_mode = check_mode
    connection = mock.MagicMock()
    connection._shell.tmpdir = None
    action = plugin.ActionModule(task_mock, connection, mock.MagicMock(), mock.MagicMock(), mock.MagicMock(),
                                 mock.MagicMock())
    with mock.patch.object(action, '_execute_module', side_effect=host.execute), \
            mock.patch.object(action, '_remove_tmp_path'):
        return action.run(task_vars=dict(inventory_hostname='localhost'))


def test_prints_a_line_per_running_task_until_all_are_final(fake_clock, lines):
    running = [task('id-a', 'MIGRATING'), task('id-b', 'MIGRATING'), task('id-other', 'MIGRATING')]
    half = [task('id-a', 'SUCCESS'), task('id-b', 'MIGRATING')]
    final = [task('id-a', 'SUCCESS'), task('id-b', 'FAILED')]
    host = Host([running] * 3 + [half] * 3 + [final], fake_clock)
    result = run_plugin(host, poll_interval=5)
    assert result['timed_out'] is False and result['running'] == [] and not result.get('failed')
    assert [t['status'] for t in result['migration_tasks']] == ['SUCCESS', 'FAILED']
    printed = [msg for dummy, msg in lines]
    assert printed == [
        'localhost: restore-a (id-a): MIGRATING, 50.00% done, 150 of 300 keys, 10 s elapsed',
        'localhost: restore-b (id-b): MIGRATING, 50.00% done, 150 of 300 keys, 10 s elapsed',
        'localhost: restore-b (id-b): MIGRATING, 50.00% done, 150 of 300 keys, 20 s elapsed',
    ]
    # one list call per poll, poll_interval apart; the connection options go along, the wait's own do not
    times = [run[2] for run in host.list_runs()]
    assert len(times) == 7 and all(b - a >= 5 for a, b in zip(times, times[1:]))
    assert host.runs[0][1] == CONNECTION


def test_a_timeout_is_reported_not_failed(fake_clock, lines):
    host = Host([[task('id-a', 'MIGRATING')]], fake_clock)
    result = run_plugin(host, poll_interval=10, wait_timeout=30)
    assert result['timed_out'] is True and result['running'] == ['id-a'] and not result.get('failed')
    assert 30 <= fake_clock.now() - host.runs[0][2] < 40
    assert len(lines) >= 2


def test_a_failed_look_is_tried_again(fake_clock, lines):
    failure = dict(failed=True, msg='DCS.0001: boom', error_code='DCS.0001', error_msg='boom', status_code=500)
    host = Host([failure, [task('id-a', 'SUCCESS')]], fake_clock)
    result = run_plugin(host, poll_interval=3)
    assert not result.get('failed') and result['timed_out'] is False
    assert len(host.list_runs()) == 2


def test_fails_when_the_last_look_failed(fake_clock, lines):
    failure = dict(failed=True, msg='DCS.0001: boom', error_code='DCS.0001', error_msg='boom', status_code=500)
    result = run_plugin(Host([failure], fake_clock), poll_interval=5, wait_timeout=12)
    assert result['failed'] is True and 'boom' in result['msg']


def test_check_mode_looks_once(fake_clock, lines):
    host = Host([[task('id-a', 'MIGRATING')]], fake_clock)
    result = run_plugin(host, check_mode=True)
    assert len(host.runs) == 1 and result['running'] == ['id-a'] and lines == []


@pytest.mark.parametrize('args, message', [
    (dict(poll_interval=0), 'poll_interval must be 1 or more'),
    (dict(wait_timeout=0), 'wait_timeout must be 1 or more'),
    (dict(bogus=1), 'Unsupported parameters'),
])
def test_bad_options_name_the_option(fake_clock, args, message):
    with pytest.raises(AnsibleActionFail, match=message):
        run_plugin(Host([[]], fake_clock), **args)
