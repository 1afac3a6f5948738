# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugin of hwcloud.dcs.migration_task: progress lines while it waits, and the module's result.

The module runs are scripted (what the module and migration_task_info return on the module's host); the
plugin's wait, its pacing and its messages are the real ones, on the simulated clock.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from unittest import mock

import pytest

from ansible_collections.hwcloud.dcs.plugins.action import migration_task as plugin
from ansible_collections.hwcloud.dcs.plugins.module_utils.waiters import poll_interval

NAME = 'restore-sessions'
TASK_ID = '8aa6999e71cb638b0171f485f5266ef0'
MODULE = 'hwcloud.dcs.migration_task'
CONNECTION = dict(endpoint='https://dcs.unit.test', access_key='AK', secret_key='SK', project_id='p1')


def task_args(**overrides):
    args = dict(CONNECTION, task_name=NAME, backup_files=dict(bucket_name='b', files=['dump.rdb']),
                target_instance=dict(id='i1', password='pw'), wait_timeout=600)
    args.update(overrides)
    return args


def shown(status):
    """The task as the module returns it (the show call's fields)."""
    return dict(task_id=TASK_ID, task_name=NAME, status=status, backup_files={}, target_instance={})


def module_result(status, changed=False, **extra):
    result = dict(changed=changed, task_id=TASK_ID, migration_task=shown(status), endpoint=CONNECTION['endpoint'],
                  invocation=dict(module_args=dict(wait=False, retry_failed=False)))
    result.update(extra)
    return result


def listed(status, percent=None, target=None, source=None, **extra):
    """The task as migration_task_info lists it, with statistics."""
    task = dict(task_id=TASK_ID, task_name=NAME, status=status, error_message=None, data_source='b:dump.rdb')
    task['stats'] = dict(full_migration_progress=percent, target_dbsize=target, source_dbsize=source)
    task.update(extra)
    return task


class Host(object):
    """The module's host: answers each module run from a script and records it."""

    def __init__(self, first, final, polls, fake_clock, find=None, logs=None):
        self.first, self.final, self.polls = first, final, list(polls)
        self.find, self.logs = find, logs
        self.clock = fake_clock
        self.runs = []

    def execute(self, module_name=None, module_args=None, task_vars=None, wrap_async=False, **kwargs):
        args = dict(module_args) if module_args is not None else None
        self.runs.append((module_name or MODULE, args, self.check_mode, wrap_async, self.clock.now()))
        if module_name == plugin.INFO_MODULE:
            if args.get('include_logs'):
                return dict(changed=False, migration_tasks=[dict(task_id=TASK_ID, logs=self.logs or [])])
            if args.get('task_id'):
                return self.find
            answer = self.polls.pop(0) if len(self.polls) > 1 else self.polls[0]
            return answer if 'failed' in answer else dict(changed=False, migration_tasks=[answer])
        if self.check_mode:
            return self.final
        return self.first

    def module_runs(self):
        return [run for run in self.runs if run[0] == MODULE]

    def info_runs(self):
        return [run for run in self.runs if run[0] == plugin.INFO_MODULE]


@pytest.fixture
def lines(monkeypatch, fake_clock):
    printed = []
    monkeypatch.setattr(plugin.display, 'display', lambda msg, *a, **k: printed.append((fake_clock.now(), msg)))
    return printed


def run_plugin(host, args, check_mode=False, async_val=0):
    task = mock.MagicMock()
    task.args = args
    task.async_val = async_val
    task.check_mode = check_mode
    task.diff = False
    connection = mock.MagicMock()
    connection.has_native_async = False
    connection._shell.tmpdir = None
    action = plugin.ActionModule(task, connection, mock.MagicMock(), mock.MagicMock(), mock.MagicMock(),
                                 mock.MagicMock())
    type(host).check_mode = property(lambda self: task.check_mode)
    with mock.patch.object(action, '_execute_module', side_effect=host.execute), \
            mock.patch.object(action, '_remove_tmp_path'):
        return action.run(task_vars=dict(inventory_hostname='localhost'))


# -- waiting with progress ---------------------------------------------------------------------------------

def test_a_long_import_prints_progress_and_returns_the_module_result(fake_clock, lines):
    polls = [listed('MIGRATING', '%d.00' % p, str(p * 30), '3000') for p in range(0, 100, 2)] + [listed('SUCCESS')]
    host = Host(module_result('MIGRATING', changed=True), module_result('SUCCESS'), polls, fake_clock)

    result = run_plugin(host, task_args())

    assert result['changed'] is True
    assert result['task_id'] == TASK_ID
    assert result['migration_task'] == shown('SUCCESS')  # the module's shape, not the list's
    assert result['endpoint'] == CONNECTION['endpoint']
    assert result['invocation']['module_args'] == dict(wait=True, retry_failed=False)
    assert 'failed' not in result
    running = [msg for when, msg in lines if msg.startswith("localhost: %s (%s): MIGRATING, " % (NAME, TASK_ID))]
    assert len(running) >= 2
    assert all(' keys, ' in msg and '% done' in msg and msg.endswith(' s elapsed') for msg in running)
    assert "MIGRATING, 0.00% done, 0 of 3000 keys, " not in running[-1]  # the figures move on
    times = [0.0] + [line[0] - host.runs[0][4] for line in lines]
    assert max(later - earlier for earlier, later in zip(times, times[1:])) <= 30


def test_the_first_run_creates_without_waiting_and_the_last_one_only_reads(fake_clock, lines):
    host = Host(module_result('MIGRATING', changed=True), module_result('SUCCESS'),
                [listed('MIGRATING'), listed('SUCCESS')], fake_clock)

    run_plugin(host, task_args(retry_failed=True))

    first, last = host.module_runs()
    assert first[1] == dict(task_args(retry_failed=True), wait=False) and first[2] is False
    assert last[1] == dict(task_args(retry_failed=True), wait=False, retry_failed=False) and last[2] is True
    for module, args, check_mode, wrap_async, when in host.info_runs():
        assert set(args) - set(CONNECTION) <= {'task_name', 'task_id', 'include_stats', 'include_logs', 'log_limit'}
        assert 'password' not in str(args) and 'backup_files' not in args and check_mode is False
        assert all(args[key] == value for key, value in CONNECTION.items())


@pytest.mark.parametrize('status', ['SUCCESS', 'RELEASED'])
def test_a_finished_task_found_again_is_returned_after_one_module_run(fake_clock, lines, status):
    # RELEASED: the module adopts a finished task only if the list shows no failure (else its run fails).
    found = module_result(status, warnings=['the show call does not show target_instance.port'])
    host = Host(found, module_result('FAILED'), [listed('FAILED')], fake_clock)

    result = run_plugin(host, task_args())

    assert len(host.module_runs()) == 1 and not host.info_runs()  # what the module's own wait returns at once
    assert result['changed'] is False and result['task_id'] == TASK_ID
    assert result['migration_task'] == shown(status) and result['warnings'] == found['warnings']
    assert result['invocation']['module_args'] == dict(wait=True, retry_failed=False)
    assert not lines


def test_polls_are_paced_like_the_modules_own_wait(fake_clock, lines):
    host = Host(module_result('MIGRATING', changed=True), module_result('SUCCESS'),
                [listed('MIGRATING')] * 30 + [listed('SUCCESS')], fake_clock)

    run_plugin(host, task_args())

    polls = [run[4] for run in host.info_runs() if run[1].get('include_stats')]
    start = host.module_runs()[0][4]
    elapsed = [when - start for when in polls]
    pauses = [later - earlier for earlier, later in zip([0.0] + elapsed, elapsed)]
    assert pauses == [pytest.approx(poll_interval(at)) for at in [0.0] + elapsed[:-1]]


def test_an_import_that_ends_failed_fails_with_its_message_and_log_lines(fake_clock, lines):
    failed_final = dict(module_result('FAILED'), failed=True, msg="migration task 'restore-sessions' already exists "
                        "and ended FAILED: boom; set retry_failed=true", error_message='boom')
    host = Host(module_result('MIGRATING', changed=True), failed_final,
                [listed('MIGRATING'), listed('FAILED', error_message='boom')], fake_clock,
                find=dict(changed=False, migration_tasks=[listed('FAILED', error_message='boom')]),
                logs=[dict(created_at='2024-11-06T10:05:00Z', log_level='ERROR', message='cannot load dump.rdb')])

    result = run_plugin(host, task_args())

    assert result['failed'] is True and result['changed'] is True and result['task_id'] == TASK_ID
    assert result['msg'] == ("migration task '%s' (%s) ended FAILED: boom; last log lines: 2024-11-06T10:05:00Z "
                             "ERROR cannot load dump.rdb" % (NAME, TASK_ID))
    assert result['error_message'] == 'boom'
    assert result['log_lines'] == ['2024-11-06T10:05:00Z ERROR cannot load dump.rdb']
    assert result['migration_task'] == shown('FAILED')


def test_the_wait_times_out_after_wait_timeout(fake_clock, lines):
    host = Host(module_result('MIGRATING', changed=True), module_result('MIGRATING'), [listed('MIGRATING')],
                fake_clock)

    result = run_plugin(host, task_args(wait_timeout=60))

    assert result['failed'] is True and result['changed'] is True and result['task_id'] == TASK_ID
    assert result['msg'] == ("Timed out after 60 s (wait_timeout) waiting for migration task '%s' (%s) to finish; "
                             "last status: MIGRATING" % (NAME, TASK_ID))
    assert result['migration_task'] == shown('MIGRATING')
    assert 60 <= fake_clock.time - host.module_runs()[0][4] < 61


def test_an_api_error_while_polling_ends_the_wait_with_its_codes(fake_clock, lines):
    refused = dict(failed=True, msg='Failed to list migration tasks: DCS.2003 The request is rejected. (HTTP 403)',
                   status_code=403, error_code='DCS.2003', error_msg='The request is rejected.', request_id='r1')
    host = Host(module_result('MIGRATING', changed=True), module_result('MIGRATING'), [refused], fake_clock)

    result = run_plugin(host, task_args())

    assert result['failed'] is True and result['changed'] is True and result['task_id'] == TASK_ID
    assert result['msg'] == refused['msg']
    assert (result['status_code'], result['error_code'], result['request_id']) == (403, 'DCS.2003', 'r1')


def test_a_poll_that_fails_for_another_reason_is_the_result(fake_clock, lines):
    unreachable = dict(failed=True, msg='the module host went away')
    host = Host(module_result('MIGRATING', changed=True), module_result('MIGRATING'), [unreachable], fake_clock)

    result = run_plugin(host, task_args())

    assert result['failed'] is True and result['msg'] == 'the module host went away'
    assert result['changed'] is True and result['task_id'] == TASK_ID


def test_a_finished_task_is_adopted_without_polling(fake_clock, lines):
    host = Host(module_result('SUCCESS'), module_result('SUCCESS'), [listed('SUCCESS')], fake_clock)

    result = run_plugin(host, task_args())

    assert result['changed'] is False and result['migration_task'] == shown('SUCCESS')
    assert not [run for run in host.info_runs() if run[1].get('include_stats')]
    assert lines == []


def test_a_failed_first_run_is_the_result(fake_clock, lines):
    refused = dict(failed=True, msg='target_instance.id is required with state=present',
                   invocation=dict(module_args=dict(wait=False)))
    host = Host(refused, None, [listed('SUCCESS')], fake_clock)

    result = run_plugin(host, task_args())

    assert result['msg'] == refused['msg'] and result['invocation']['module_args']['wait'] is True
    assert len(host.runs) == 1


# -- everything else runs the module as it is --------------------------------------------------------------

@pytest.mark.parametrize('args, check_mode', [
    (task_args(wait=False), False),
    (task_args(), True),
    (task_args(state='absent'), False),
    (task_args(state='stopped'), False),
    (task_args(wait_timeout='soon'), False),
])
def test_other_runs_are_the_modules_own(fake_clock, lines, args, check_mode):
    host = Host(module_result('MIGRATING', changed=True), module_result('MIGRATING', changed=True),
                [listed('SUCCESS')], fake_clock)

    result = run_plugin(host, args, check_mode=check_mode)

    assert host.runs == [(MODULE, None, check_mode, False, host.runs[0][4])]
    assert result['migration_task'] == shown('MIGRATING')


def test_a_task_run_with_async_stays_async(fake_clock, lines):
    host = Host(dict(ansible_job_id='j1', started=1, finished=0), None, [listed('SUCCESS')], fake_clock)

    result = run_plugin(host, task_args(), async_val=600)

    assert host.runs == [(MODULE, None, False, True, host.runs[0][4])]
    assert result['ansible_job_id'] == 'j1'
