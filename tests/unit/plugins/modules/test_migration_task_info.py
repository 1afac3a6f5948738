# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""hwcloud.dcs.migration_task_info end to end: the real module and SDK, canned DCS HTTP answers."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.hwcloud.dcs.plugins.modules import migration_task_info
from ansible_collections.hwcloud.dcs.tests.unit.conftest import (
    PASSWORD,
    PROJECT_ID,
    SOURCE_PASSWORD,
    list_item,
    task_detail,
)

NAME = 'restore-sessions'
TASK_ID = '8aa6999e71cb638b0171f485f5266ef0'
STATS = dict(full_migration_progress='100.00', offset='0', source_dbsize='600', target_dbsize='612',
             target_input_kbps='0', target_ops='0', is_migrating=False)


@pytest.fixture
def run(run_module):
    return lambda args, **kwargs: run_module(migration_task_info.main, args, **kwargs)


def log_entries(count, start=0, level='INFO'):
    return [dict(created_at='2024-11-06T10:%02d:%02d.000Z' % (i // 60, i % 60), log_level=level,
                 message='step %d' % i, log_code='', keyword=[]) for i in range(start, start + count)]


def add_logs(dcs, task_id, entries, total=None):
    dcs.add('GET', '/migration-task/%s/logs' % task_id,
            body=dict(log_num=len(entries) if total is None else total, migration_logs=entries))


def query_of(call):
    return dict(part.split('=', 1) for part in call[2].split('&') if part)


# -- listing ------------------------------------------------------------------------------------

def test_lists_every_task_over_all_pages(run, dcs):
    first_page = [list_item('t%03d' % i, 'task-%d' % i) for i in range(100)]
    dcs.list_tasks(*first_page, count=102)
    dcs.list_tasks(list_item('t100', 'task-100'), list_item('t101', 'task-101', status='FAILED'), count=102)

    result = run({})

    assert result['changed'] is False and not result.failed
    assert [task['task_id'] for task in result['migration_tasks']] == ['t%03d' % i for i in range(102)]
    assert result['migration_tasks'][-1]['status'] == 'FAILED'
    queries = [query_of(call) for call in dcs.calls('GET', '/migration-tasks')]
    assert [q['offset'] for q in queries] == ['0', '100']
    assert all('name' not in q for q in queries)
    assert not dcs.calls('GET', '/migration-task/t000')  # no show call without task_id


def test_task_name_keeps_exact_matches_only(run, dcs):
    dcs.list_tasks(list_item('near', NAME + '-copy'), list_item(TASK_ID, NAME, status='MIGRATING'),
                   list_item('upper', NAME.upper()))

    result = run(dict(task_name=NAME))

    assert [task['task_id'] for task in result['migration_tasks']] == [TASK_ID]
    task = result['migration_tasks'][0]
    assert task['task_name'] == NAME and task['status'] == 'MIGRATING'
    assert task['target_instance_name'] == 'dcs-test' and task['data_source'] == 'redis-backups'
    assert query_of(dcs.calls('GET', '/migration-tasks')[0])['name'] == NAME


def test_name_alias(run, dcs):
    dcs.list_tasks(list_item(TASK_ID, NAME))

    result = run(dict(name=NAME))

    assert [task['task_id'] for task in result['migration_tasks']] == [TASK_ID]


def test_nothing_matches_is_an_empty_list_not_a_failure(run, dcs):
    dcs.list_tasks(list_item('near', NAME + '-copy'))

    result = run(dict(task_name=NAME, include_stats=True, include_logs=True))

    assert not result.failed and result['changed'] is False
    assert result['migration_tasks'] == []
    assert len(dcs.calls()) == 1


# -- one task by ID -----------------------------------------------------------------------------

def test_task_id_merges_the_list_entry_with_the_show_answer(run, dcs):
    dcs.list_tasks(list_item('other', 'other-task'),
                   list_item(TASK_ID, NAME, status='MIGRATING', error_message='', data_source='redis-backups'))
    dcs.show_task(task_detail(TASK_ID, NAME, status='SUCCESS', description='nightly'))

    result = run(dict(task_id=TASK_ID))

    assert len(result['migration_tasks']) == 1
    task = result['migration_tasks'][0]
    assert task['task_id'] == TASK_ID
    assert task['status'] == 'SUCCESS'  # the show call is the fresher of the two
    assert task['description'] == 'nightly'
    assert task['data_source'] == 'redis-backups' and task['error_message'] == ''  # only the list has them
    assert task['updated_at'] == '2024/11/06 10:05:00'  # as the show call writes it (its documented example)
    assert task['backup_files']['files'][0]['file_name'] == 'dump.rdb'
    assert task['target_instance']['id'] and 'password' not in task['target_instance']
    assert len(dcs.calls('GET', '/migration-task/%s' % TASK_ID)) == 1
    assert not dcs.calls('GET', '/migration-task/other')


def test_task_id_not_in_the_list_is_not_returned_even_if_show_answers(run, dcs):
    dcs.list_tasks(list_item('other', 'other-task'))
    dcs.show_task(task_detail(TASK_ID, NAME, status='SUCCESS'))  # a deleted task the service still shows

    result = run(dict(task_id=TASK_ID))

    assert not result.failed and result['migration_tasks'] == []
    assert not dcs.calls('GET', '/migration-task/%s' % TASK_ID)


def test_task_deleted_between_list_and_show_is_left_out(run, dcs):
    dcs.list_tasks(list_item(TASK_ID, NAME))
    dcs.error('GET', '/migration-task/%s' % TASK_ID, 400, 'DCS.4133', 'The migration task does not exist.')

    result = run(dict(task_id=TASK_ID, include_stats=True))

    assert not result.failed and result['migration_tasks'] == []
    assert not dcs.calls('GET', '/stats')


def test_task_shown_as_deleted_is_left_out(run, dcs):
    dcs.list_tasks(list_item(TASK_ID, NAME))
    dcs.show_task(task_detail(TASK_ID, NAME, status='DELETED'))

    result = run(dict(task_id=TASK_ID))

    assert result['migration_tasks'] == []


def test_task_id_and_task_name_must_both_match(run, dcs):
    dcs.list_tasks(list_item(TASK_ID, NAME))

    result = run(dict(task_id=TASK_ID, task_name='another-name'))

    assert result['migration_tasks'] == []
    assert not dcs.calls('GET', '/migration-task/%s' % TASK_ID)


# -- statistics and logs ------------------------------------------------------------------------

def test_include_stats_adds_each_tasks_statistics(run, dcs):
    dcs.list_tasks(list_item('a1', 'first'), list_item('a2', 'second', status='MIGRATING'))
    dcs.add('GET', '/migration-task/a1/stats', body=STATS)
    dcs.add('GET', '/migration-task/a2/stats', body=dict(STATS, full_migration_progress='42.00', is_migrating=True))

    result = run(dict(include_stats=True))

    first, second = result['migration_tasks']
    assert first['stats'] == STATS
    assert second['stats']['full_migration_progress'] == '42.00' and second['stats']['is_migrating'] is True
    assert 'logs' not in first


def test_statistics_sent_as_json_numbers_come_back_as_the_sdk_models_strings(run, dcs):
    """The OTC stats example sends JSON numbers (100) where the SDK model declares strings: the SDK's
    strings are what a user gets, whichever the service sends."""
    dcs.list_tasks(list_item(TASK_ID, NAME))
    dcs.add('GET', '/migration-task/%s/stats' % TASK_ID, body=dict(
        full_migration_progress=100, offset=0, source_dbsize=600, target_dbsize=612, target_input_kbps=0,
        target_ops=0, is_migrating=False))

    result = run(dict(include_stats=True))

    assert result['migration_tasks'][0]['stats'] == dict(STATS, full_migration_progress='100')


def test_include_logs_returns_the_last_entries_oldest_first(run, dcs):
    dcs.list_tasks(list_item(TASK_ID, NAME, status='FAILED'))
    add_logs(dcs, TASK_ID, log_entries(3))

    result = run(dict(task_name=NAME, include_logs=True, log_limit=2))

    task = result['migration_tasks'][0]
    assert task['log_count'] == 3
    assert [entry['message'] for entry in task['logs']] == ['step 1', 'step 2']
    assert set(task['logs'][0]) == {'created_at', 'log_level', 'message', 'log_code', 'keyword'}
    assert 'stats' not in task


def test_include_logs_reads_only_the_last_pages_of_a_long_log(run, dcs):
    dcs.list_tasks(list_item(TASK_ID, NAME, status='FAILED'))
    add_logs(dcs, TASK_ID, log_entries(100), total=250)
    add_logs(dcs, TASK_ID, log_entries(100, start=130), total=250)
    add_logs(dcs, TASK_ID, log_entries(20, start=230, level='ERROR'), total=250)

    result = run(dict(task_name=NAME, include_logs=True, log_limit=120, log_level='ERROR'))

    task = result['migration_tasks'][0]
    assert task['log_count'] == 250
    assert len(task['logs']) == 120
    assert task['logs'][0]['message'] == 'step 130' and task['logs'][-1]['message'] == 'step 249'
    queries = [query_of(call) for call in dcs.calls('GET', '/logs')]
    assert [q['offset'] for q in queries] == ['0', '130', '230']
    assert all(q['log_level'] == 'ERROR' for q in queries)


def test_stats_and_logs_together_on_one_task(run, dcs):
    dcs.list_tasks(list_item(TASK_ID, NAME, status='FAILED', error_message='Invalid RDB file'))
    shown = task_detail(TASK_ID, NAME, status='FAILED')
    shown.pop('error_message', None)  # the show call has none (SDK model, vendor page): the list's is kept
    dcs.show_task(shown)
    dcs.add('GET', '/migration-task/%s/stats' % TASK_ID, body=dict(STATS, target_dbsize='0'))
    add_logs(dcs, TASK_ID, log_entries(1, level='ERROR'))

    result = run(dict(task_id=TASK_ID, include_stats=True, include_logs=True))

    task = result['migration_tasks'][0]
    assert task['error_message'] == 'Invalid RDB file'
    assert task['stats']['target_dbsize'] == '0'
    assert task['log_count'] == 1 and task['logs'][0]['log_level'] == 'ERROR'


# -- errors -------------------------------------------------------------------------------------

@pytest.mark.parametrize('status, code, message', [
    (401, 'DCS.1003', 'The request signature does not match.'),
    (403, 'DCS.2003', 'The request is rejected.'),
])
def test_api_errors_of_the_list_call_fail_with_their_codes(run, dcs, status, code, message):
    dcs.error('GET', '/migration-tasks', status, code, message, request_id='req-7')

    result = run(dict(task_name=NAME))

    assert result.failed
    # A refused signature also says what to check (test_migration_task_fail_fast.py).
    assert result['msg'].startswith('Failed to list migration tasks: %s %s (HTTP %s, request_id req-7)'
                                    % (code, message, status))
    assert (result['status_code'], result['error_code'], result['error_msg'], result['request_id']) == \
        (status, code, message, 'req-7')
    assert 'migration_tasks' not in result


def test_other_errors_about_a_listed_task_still_fail(run, dcs):
    dcs.list_tasks(list_item(TASK_ID, NAME))
    dcs.error('GET', '/migration-task/%s/stats' % TASK_ID, 400, 'DCS.4070', 'Invalid task ID.')

    result = run(dict(include_stats=True))

    assert result.failed
    assert result['error_code'] == 'DCS.4070' and result['status_code'] == 400
    assert result['msg'].startswith('Failed to show statistics of migration task %s: DCS.4070' % TASK_ID)


def test_server_errors_are_retried(run, dcs, fake_clock):
    dcs.error('GET', '/migration-tasks', 503, 'DCS.5000', 'Service unavailable.')
    dcs.list_tasks(list_item(TASK_ID, NAME))

    result = run(dict(task_name=NAME))

    assert [task['task_id'] for task in result['migration_tasks']] == [TASK_ID]
    assert len(dcs.calls('GET', '/migration-tasks')) == 2 and len(fake_clock.sleeps) == 1


@pytest.mark.parametrize('args, message', [
    (dict(log_limit=0), 'log_limit must be 1 or more, got 0'),
    (dict(task_id=' '), 'task_id must not be empty'),
    (dict(task_name=''), 'task_name must not be empty'),
    (dict(log_level='TRACE'), 'value of log_level must be one of: INFO, WARN, ERROR, DEBUG, got: TRACE'),
])
def test_invalid_input_fails_before_any_api_call(run, dcs, args, message):
    result = run(args)

    assert result.failed and result['msg'] == message
    assert dcs.calls() == []


# -- secrets and check mode ---------------------------------------------------------------------

def test_passwords_are_removed_at_any_depth(run, dcs):
    dcs.list_tasks(list_item(TASK_ID, NAME, target_instance_password=PASSWORD))
    dcs.show_task(task_detail(TASK_ID, NAME, source_instance=dict(addrs='10.0.0.1:6379', password=SOURCE_PASSWORD)))

    result = run(dict(task_id=TASK_ID), verbosity=4)

    dumped = json.dumps(result)
    assert 'password' not in dumped.lower()
    assert PASSWORD not in dumped + result.output and SOURCE_PASSWORD not in dumped + result.output
    assert result['migration_tasks'][0]['source_instance']['addrs'] == '10.0.0.1:6379'


def test_check_mode_reads_the_same_and_changes_nothing(run, dcs):
    dcs.list_tasks(list_item(TASK_ID, NAME))
    dcs.show_task(task_detail(TASK_ID, NAME))

    checked = run(dict(task_id=TASK_ID), check_mode=True)
    normal = run(dict(task_id=TASK_ID))

    assert checked['changed'] is False
    assert checked['migration_tasks'] == normal['migration_tasks'] != []
    assert {call[0] for call in dcs.calls()} == {'GET'}


def test_requests_go_to_the_project(run, dcs):
    dcs.list_tasks()

    run({})

    assert dcs.calls()[0][1] == '/v2/%s/migration-tasks' % PROJECT_ID
