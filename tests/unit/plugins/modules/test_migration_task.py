# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""hwcloud.dcs.migration_task end to end: the real module and SDK, canned DCS HTTP answers."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import sys

import certifi
import pytest
import requests

from ansible_collections.hwcloud.dcs.plugins.modules import migration_task
from ansible_collections.hwcloud.dcs.tests.unit.conftest import (
    ACCESS_KEY,
    ENDPOINT,
    INSTANCE_ID,
    PASSWORD,
    PROJECT_ID,
    SECRET_KEY,
    SECRETS,
    SECURITY_TOKEN,
    SOURCE_PASSWORD,
    list_item,
    task_detail,
)

NAME = 'restore-sessions'
TASK_ID = '8aa6999e71cb638b0171f485f5266ef0'


def present(**overrides):
    args = dict(
        task_name=NAME,
        backup_files=dict(file_source='self_build_obs', bucket_name='redis-backups',
                          files=[dict(file_name='dump.rdb', size='1024', update_at='2024-11-06 10:00:00')]),
        target_instance=dict(id=INSTANCE_ID, password=PASSWORD, port=6379),
        wait=False,
    )
    args.update(overrides)
    return args


@pytest.fixture
def run(run_module):
    return lambda args, **kwargs: run_module(migration_task.main, args, **kwargs)


# -- create -------------------------------------------------------------------------------------

def test_create_without_wait_sends_the_request_and_returns_the_task(run, dcs):
    dcs.list_tasks()
    dcs.list_tasks(list_item(TASK_ID, NAME, status='MIGRATING'))
    dcs.instance('RUNNING')
    dcs.create(TASK_ID, NAME)
    dcs.show_task(task_detail(TASK_ID, NAME, status='MIGRATING'))

    result = run(present())

    assert result['changed'] is True
    assert result['task_id'] == TASK_ID
    assert result['migration_task']['status'] == 'MIGRATING'
    assert 'password' not in result['migration_task']['target_instance']
    assert [c[:2] for c in dcs.calls()] == [
        ('GET', '/v2/%s/migration-tasks' % PROJECT_ID),
        ('GET', '/v2/%s/instances/%s' % (PROJECT_ID, INSTANCE_ID)),
        ('POST', '/v2/%s/migration-task' % PROJECT_ID),
        ('GET', '/v2/%s/migration-tasks' % PROJECT_ID),  # the name again: is another run's task older?
        ('GET', '/v2/%s/migration-task/%s' % (PROJECT_ID, TASK_ID)),
    ]
    assert 'warnings' not in result
    assert dcs.request_body() == {
        'task_name': NAME, 'migration_type': 'backupfile_import', 'migration_method': 'full_amount_migration',
        'backup_files': {'file_source': 'self_build_obs', 'bucket_name': 'redis-backups',
                         'files': [{'file_name': 'dump.rdb', 'size': '1024', 'update_at': '2024-11-06 10:00:00'}]},
        'target_instance': {'id': INSTANCE_ID, 'password': PASSWORD, 'port': '6379'},
    }


def test_requests_are_signed_with_the_given_credentials(run, dcs):
    dcs.list_tasks(list_item(TASK_ID, NAME))
    dcs.show_task(task_detail(TASK_ID, NAME))

    run(present())

    headers = dcs.mock.calls[0].request.headers
    assert headers['Authorization'].startswith('SDK-HMAC-SHA256 Access=%s,' % ACCESS_KEY)
    assert headers['X-Project-Id'] == PROJECT_ID
    assert headers['X-Security-Token'] == SECURITY_TOKEN


def test_create_with_backup_record(run, dcs):
    dcs.list_tasks()
    dcs.instance('RUNNING')
    dcs.create(TASK_ID, NAME)
    dcs.show_task(task_detail(TASK_ID, NAME, status='MIGRATING'))

    result = run(present(backup_files=dict(file_source='backup_record', backup_id='b-1'), description='nightly'))

    assert result['changed'] is True
    sent = dcs.request_body()
    assert sent['backup_files'] == {'file_source': 'backup_record', 'backup_id': 'b-1'}
    assert sent['description'] == 'nightly'


def test_a_failure_after_the_create_call_still_reports_the_change(run, dcs):
    dcs.list_tasks()
    dcs.instance('RUNNING')
    dcs.create(TASK_ID, NAME)
    dcs.error('GET', '/migration-task/%s' % TASK_ID, 500, 'DCS.5000', 'Internal error.')

    result = run(present(retries=0))

    assert result.failed and result['changed'] is True and result['task_id'] == TASK_ID
    assert result['error_code'] == 'DCS.5000'


def test_wait_polls_until_success_with_short_first_intervals(run, dcs, fake_clock):
    dcs.list_tasks()
    dcs.instance('RUNNING')
    dcs.create(TASK_ID, NAME)
    for status in ('MIGRATING', 'MIGRATING', 'SUCCESS'):
        dcs.show_task(task_detail(TASK_ID, NAME, status=status))

    result = run(present(wait=True))

    assert result['changed'] is True and not result.failed
    assert result['migration_task']['status'] == 'SUCCESS'
    assert len(dcs.calls('GET', '/migration-task/%s' % TASK_ID)) == 3
    # after the reconcile wait (a created_at tick of a second and the settle margin), polls every 0.5 s at first
    assert fake_clock.sleeps == [2.0, 0.5, 0.5, 0.5]


def test_wait_failure_reports_error_message_and_last_log_lines(run, dcs):
    dcs.list_tasks()
    dcs.instance('RUNNING')
    dcs.create(TASK_ID, NAME)
    dcs.show_task(task_detail(TASK_ID, NAME, status='FAILED'))
    dcs.list_tasks(list_item(TASK_ID, NAME, status='FAILED', error_message='Invalid RDB file: dump.rdb'))
    dcs.logs(TASK_ID, 'download dump.rdb', 'parse dump.rdb', 'bad RDB version 12')

    result = run(present(wait=True))

    assert result.failed and result['changed'] is True
    assert result['task_id'] == TASK_ID
    assert result['error_message'] == 'Invalid RDB file: dump.rdb'
    assert 'ended FAILED: Invalid RDB file: dump.rdb' in result['msg']
    assert 'ERROR bad RDB version 12' in result['msg']
    assert result['log_lines'][-1].endswith('ERROR bad RDB version 12')
    assert '\n' not in result['msg']


@pytest.mark.parametrize('status', ['MIGRATION_FAILED', 'TERMINATED'])
def test_wait_fails_on_every_failure_status(run, dcs, status):
    dcs.list_tasks()
    dcs.instance('RUNNING')
    dcs.create(TASK_ID, NAME)
    dcs.show_task(task_detail(TASK_ID, NAME, status=status))
    dcs.list_tasks(list_item(TASK_ID, NAME, status=status, error_message='stopped'))
    dcs.logs(TASK_ID, 'stopping')

    result = run(present(wait=True))

    assert result.failed
    assert 'ended %s: stopped' % status in result['msg']


def test_wait_timeout_names_wait_timeout_and_last_status(run, dcs, fake_clock):
    dcs.list_tasks()
    dcs.instance('RUNNING')
    dcs.create(TASK_ID, NAME)
    dcs.show_task(task_detail(TASK_ID, NAME, status='MIGRATING'))

    result = run(present(wait=True, wait_timeout=30))

    assert result.failed and result['changed'] is True
    assert result['msg'] == ("Timed out after 30 s (wait_timeout) waiting for migration task '%s' (%s) to finish; "
                             "last status: MIGRATING" % (NAME, TASK_ID))
    assert result['task_id'] == TASK_ID
    reconcile, waited = fake_clock.sleeps[0], fake_clock.sleeps[1:]  # the reconcile wait after the create, the wait
    assert reconcile == 2.0 and sum(waited) == pytest.approx(30)
    # young tasks are polled every 0.5 to 1 s, then at least 2 s apart
    assert waited[:5] == [0.5] * 5 and max(waited[:14]) == 1.0
    assert 2.0 <= min(waited[14:-1]) and max(waited) <= 10


# -- check mode and diff ------------------------------------------------------------------------

def test_check_mode_predicts_creation_without_creating(run, dcs):
    dcs.list_tasks()
    dcs.instance('RUNNING')

    result = run(present(wait=True), check_mode=True, diff=True)

    assert result['changed'] is True
    assert 'task_id' not in result
    assert result['migration_task'] == {}
    assert result['diff']['before'] == {}
    assert result['diff']['after']['task_name'] == NAME
    assert 'password' not in result['diff']['after']['target_instance']
    assert not dcs.calls('POST')


def test_diff_mode_shows_the_created_task(run, dcs):
    dcs.list_tasks()
    dcs.instance('RUNNING')
    dcs.create(TASK_ID, NAME)
    dcs.show_task(task_detail(TASK_ID, NAME, status='MIGRATING'))

    result = run(present(), diff=True)

    assert result['diff']['before'] == {}
    assert result['diff']['after']['task_id'] == TASK_ID


# -- idempotency --------------------------------------------------------------------------------

def test_identical_rerun_changes_nothing_in_two_calls(run, dcs):
    dcs.list_tasks(list_item(TASK_ID, NAME))
    dcs.show_task(task_detail(TASK_ID, NAME))

    result = run(present(wait=True))

    assert result['changed'] is False
    assert result['task_id'] == TASK_ID
    assert result['migration_task']['status'] == 'SUCCESS'
    assert len(dcs.calls()) == 2


def test_rerun_of_a_running_task_waits_for_it_without_change(run, dcs):
    dcs.list_tasks(list_item(TASK_ID, NAME, status='MIGRATING'))
    dcs.show_task(task_detail(TASK_ID, NAME, status='MIGRATING'))
    dcs.show_task(task_detail(TASK_ID, NAME, status='SUCCESS'))

    result = run(present(wait=True))

    assert result['changed'] is False and not result.failed
    assert result['migration_task']['status'] == 'SUCCESS'
    assert not dcs.calls('POST')


def test_a_different_password_alone_is_not_a_difference(run, dcs):
    dcs.list_tasks(list_item(TASK_ID, NAME))
    dcs.show_task(task_detail(TASK_ID, NAME))

    result = run(present(target_instance=dict(id=INSTANCE_ID, password=PASSWORD + '-new')))

    assert result['changed'] is False


def test_timestamps_in_another_format_are_no_difference_and_fields_the_api_omits_are_warned_about(run, dcs):
    detail = task_detail(TASK_ID, NAME)
    detail['backup_files']['files'][0]['update_at'] = '2024-11-06T10:00:00Z'
    detail['target_instance'].pop('port')
    dcs.list_tasks(list_item(TASK_ID, NAME))
    dcs.show_task(detail)

    result = run(present())

    assert result['changed'] is False
    assert [text for text in result.warnings if 'not compared' in text] == [
        "migration task '%s' (%s): the show call does not show target_instance.port, so it was not compared with "
        "the task: the task may differ there" % (NAME, TASK_ID)]


def test_same_name_different_request_fails_naming_the_fields(run, dcs):
    dcs.list_tasks(list_item(TASK_ID, NAME))
    dcs.show_task(task_detail(TASK_ID, NAME, files=('other.rdb',), instance_id='another-instance'))

    result = run(present(description='new'))

    assert result.failed
    assert 'already exists with a different request: description, backup_files.files, target_instance.id differ' \
        in result['msg']
    assert result['task_id'] == TASK_ID
    assert not dcs.calls('POST')


def test_exact_name_match_over_all_pages(run, dcs):
    first_page = [list_item('t%03d' % i, '%s-%d' % (NAME, i)) for i in range(100)]
    dcs.list_tasks(*first_page, count=102)
    dcs.list_tasks(list_item('near', NAME + '-copy'), list_item(TASK_ID, NAME), count=102)
    dcs.show_task(task_detail(TASK_ID, NAME))

    result = run(present())

    assert result['changed'] is False and result['task_id'] == TASK_ID
    offsets = [query for _m, _p, query in dcs.calls('GET', '/migration-tasks')]
    assert 'offset=0' in offsets[0] and 'offset=100' in offsets[1]
    assert all('name=%s' % NAME in query for query in offsets)


def test_several_tasks_with_the_name_adopt_the_earliest_with_a_warning(run, dcs):
    """Concurrent runs are removing all but one: every run adopts the one they keep."""
    dcs.list_tasks(list_item('a2', NAME, created_at='2024-11-06T10:00:00.000Z'),
                   list_item('a1', NAME, created_at='2024-11-06T10:00:00.001Z'))
    dcs.show_task(task_detail('a2', NAME))

    result = run(present())

    assert not result.failed, result.get('msg')
    assert result['changed'] is False and result['task_id'] == 'a2'
    assert not dcs.calls('DELETE') and not dcs.calls('POST')
    assert "2 migration tasks are named '%s' (a2, a1): this run adopted a2, created first" % NAME in str(result['warnings'])


# -- a failed task with the same name -----------------------------------------------------------

def test_failed_task_is_not_replaced_by_default(run, dcs):
    dcs.list_tasks(list_item(TASK_ID, NAME, status='FAILED', error_message='Invalid RDB file'))
    dcs.show_task(task_detail(TASK_ID, NAME, status='FAILED'))

    result = run(present())

    assert result.failed
    assert 'already exists and ended FAILED: Invalid RDB file; set retry_failed=true' in result['msg']
    assert result['task_id'] == TASK_ID
    # The task in the shape RETURN documents (the show call's), not the list call's flat one.
    assert result['migration_task']['target_instance']['id'] == INSTANCE_ID
    assert 'target_instance_id' not in result['migration_task']
    assert not dcs.calls('POST') and not dcs.calls('DELETE')


def test_released_task_with_an_error_counts_as_failed(run, dcs):
    dcs.list_tasks(list_item(TASK_ID, NAME, status='RELEASED', error_message='bucket not found'))
    dcs.show_task(task_detail(TASK_ID, NAME, status='RELEASED'))

    result = run(present())

    assert result.failed
    assert 'already exists and ended RELEASED: bucket not found; set retry_failed=true' in result['msg']


def test_retry_failed_deletes_the_failed_task_and_creates_a_new_one(run, dcs):
    new_id = 'f' * 32
    dcs.list_tasks(list_item(TASK_ID, NAME, status='FAILED', error_message='Invalid RDB file'))
    dcs.instance('RUNNING')
    dcs.delete(TASK_ID)
    dcs.create(new_id, NAME)
    dcs.show_task(task_detail(new_id, NAME, status='MIGRATING'))

    result = run(present(retry_failed=True), diff=True)

    assert result['changed'] is True and result['task_id'] == new_id
    # list, instance, delete, create, the name at once (the new task not shown yet) and after a tick, show
    assert [c[0] for c in dcs.calls()] == ['GET', 'GET', 'DELETE', 'POST', 'GET', 'GET', 'GET']
    assert dcs.request_body(method='DELETE') == {'task_id_list': [TASK_ID]}
    assert result['diff']['before']['task_id'] == TASK_ID


def test_retry_failed_lost_create_answer_does_not_mistake_the_deleted_task_for_the_new_one(run, dcs):
    new_id = 'f' * 32
    old = list_item(TASK_ID, NAME, status='FAILED', error_message='Invalid RDB file')
    dcs.list_tasks(old)
    dcs.instance('RUNNING')
    dcs.delete(TASK_ID)
    dcs.add('POST', '/migration-task', body=requests.exceptions.ConnectionError('Connection reset by peer'))
    dcs.list_tasks(old)  # the deleted task is still listed: not the new one
    dcs.list_tasks(old, list_item(new_id, NAME, status='MIGRATING'))
    dcs.show_task(task_detail(new_id, NAME, status='MIGRATING'))

    result = run(present(retry_failed=True))

    assert result['changed'] is True and result['task_id'] == new_id
    assert len(dcs.calls('POST')) == 1


# -- target instance pre-check ------------------------------------------------------------------

def test_target_instance_must_be_running(run, dcs):
    dcs.list_tasks()
    dcs.instance('FROZEN')

    result = run(present())

    assert result.failed
    assert result['msg'] == ("target instance 'dcs-test' (%s) is FROZEN, not RUNNING: backups can only be imported "
                             "into a running instance; wait until it is RUNNING (start it if it is stopped) and run "
                             "again" % INSTANCE_ID)
    assert not dcs.calls('POST')


def test_missing_target_instance_is_named(run, dcs):
    dcs.list_tasks()
    dcs.error('GET', '/instances/%s' % INSTANCE_ID, 404, 'DCS.3022', 'The instance does not exist.')

    result = run(present())

    assert result.failed
    assert result['msg'].startswith("target_instance.id '%s' does not exist: " % INSTANCE_ID)
    assert result['error_code'] == 'DCS.3022' and result['status_code'] == 404


# -- API errors ---------------------------------------------------------------------------------

@pytest.mark.parametrize('status, code, message', [
    (401, 'DCS.1001', 'Invalid authentication information.'),
    (403, 'DCS.2003', 'The request is rejected.'),
    (404, 'DCS.4001', 'URL not found.'),
    (400, 'DCS.4800', 'Invalid task_name in the request.'),
])
def test_api_errors_carry_their_codes(run, dcs, status, code, message):
    dcs.error('GET', '/migration-tasks', status, code, message, request_id='req-42')

    result = run(present())

    assert result.failed
    assert result['status_code'] == status
    assert result['error_code'] == code
    assert result['error_msg'] == message
    assert result['request_id'] == 'req-42'
    assert result['msg'] == 'Failed to list migration tasks: %s %s (HTTP %s, request_id req-42)' % (code, message, status)
    assert len(dcs.calls()) == 1  # client errors are not retried
    assert 'Traceback' not in result.output


def test_instance_not_running_answer_of_the_create_call(run, dcs):
    dcs.list_tasks()
    dcs.instance('RUNNING')
    dcs.error('POST', '/migration-task', 400, 'DCS.4049', 'The instance is not running.')

    result = run(present())

    assert result.failed
    assert result['error_code'] == 'DCS.4049'
    assert "Failed to create migration task '%s': DCS.4049 The instance is not running." % NAME in result['msg']
    assert len(dcs.calls('POST')) == 1


# -- retries ------------------------------------------------------------------------------------

def test_throttling_and_server_errors_are_retried_with_backoff(run, dcs, fake_clock):
    dcs.error('GET', '/migration-tasks', 429, 'APIGW.0308', 'The throttling threshold has been reached.')
    dcs.error('GET', '/migration-tasks', 503, 'DCS.5000', 'Service unavailable.')
    dcs.list_tasks(list_item(TASK_ID, NAME))
    dcs.show_task(task_detail(TASK_ID, NAME))

    result = run(present())

    assert result['changed'] is False
    assert len(dcs.calls('GET', '/migration-tasks')) == 3
    assert len(fake_clock.sleeps) == 2
    assert 0 <= fake_clock.sleeps[0] <= 1 and 0 <= fake_clock.sleeps[1] <= 2


def test_retries_are_bounded(run, dcs):
    dcs.error('GET', '/migration-tasks', 503, 'DCS.5000', 'Service unavailable.')

    result = run(present(retries=2))

    assert result.failed
    assert len(dcs.calls()) == 3
    assert result['msg'] == ('Failed to list migration tasks: DCS.5000 Service unavailable. '
                             '(HTTP 503, request_id 5f3e1a2b9c8d7e6f, after 3 attempts)')


def test_retries_zero_tries_once(run, dcs):
    dcs.error('GET', '/migration-tasks', 429, 'APIGW.0308', 'The throttling threshold has been reached.')

    result = run(present(retries=0))

    assert result.failed and result['status_code'] == 429
    assert len(dcs.calls()) == 1


@pytest.mark.parametrize('error', [requests.exceptions.ConnectionError('Connection refused'),
                                   requests.exceptions.ReadTimeout('Read timed out')])
def test_connection_errors_are_retried_then_reported(run, dcs, error):
    dcs.add('GET', '/migration-tasks', body=error)

    result = run(present(retries=1))

    assert result.failed
    assert len(dcs.calls()) == 2
    assert result['msg'].startswith('Failed to list migration tasks: connection error')
    assert result['msg'].endswith('(after 2 attempts)')
    assert 'status_code' in result and result['status_code'] is None


def test_lost_create_answer_is_not_sent_twice_when_the_task_exists(run, dcs):
    dcs.list_tasks()
    dcs.instance('RUNNING')
    dcs.add('POST', '/migration-task', body=requests.exceptions.ConnectionError('Connection reset by peer'))
    dcs.list_tasks(list_item(TASK_ID, NAME, status='MIGRATING'))
    dcs.show_task(task_detail(TASK_ID, NAME, status='MIGRATING'))

    result = run(present())

    assert result['changed'] is True and result['task_id'] == TASK_ID
    assert len(dcs.calls('POST')) == 1


def test_create_is_sent_again_when_the_first_attempt_created_nothing(run, dcs):
    dcs.list_tasks()
    dcs.instance('RUNNING')
    dcs.error('POST', '/migration-task', 503, 'DCS.5000', 'Service unavailable.')
    dcs.create(TASK_ID, NAME)
    dcs.show_task(task_detail(TASK_ID, NAME, status='MIGRATING'))

    result = run(present())

    assert result['changed'] is True and result['task_id'] == TASK_ID
    assert len(dcs.calls('POST')) == 2
    # the first list, the look-up between the two attempts, the name at once after the create (the task not shown
    # yet) and again after a tick
    assert len(dcs.calls('GET', '/migration-tasks')) == 4


# -- state absent -------------------------------------------------------------------------------

def test_absent_deletes_and_waits_until_the_list_no_longer_shows_the_task(run, dcs):
    dcs.list_tasks(list_item(TASK_ID, NAME))
    dcs.delete(TASK_ID)
    dcs.list_tasks(list_item(TASK_ID, NAME, status='DELETED'))
    dcs.list_tasks()

    result = run(dict(task_name=NAME, state='absent'), diff=True)

    assert result['changed'] is True
    assert result['task_ids'] == [TASK_ID] and result['task_id'] == TASK_ID
    assert dcs.request_body(method='DELETE') == {'task_id_list': [TASK_ID]}
    assert len(dcs.calls('GET', '/migration-tasks')) == 3
    assert list(result['diff']['before']) == [TASK_ID] and result['diff']['after'] == {}


def test_absent_is_idempotent(run, dcs):
    dcs.list_tasks()

    result = run(dict(task_name=NAME, state='absent'))

    assert result['changed'] is False and result['task_ids'] == []
    assert not dcs.calls('DELETE')


def test_absent_by_task_id_only_touches_that_task(run, dcs):
    dcs.list_tasks(list_item('other', 'other-task'), list_item(TASK_ID, NAME))
    dcs.delete(TASK_ID)
    dcs.list_tasks(list_item('other', 'other-task'))

    result = run(dict(task_id=TASK_ID, state='absent'))

    assert result['changed'] is True and result['task_ids'] == [TASK_ID]
    assert dcs.request_body(method='DELETE') == {'task_id_list': [TASK_ID]}


def test_absent_in_check_mode_deletes_nothing(run, dcs):
    dcs.list_tasks(list_item(TASK_ID, NAME))

    result = run(dict(task_name=NAME, state='absent'), check_mode=True)

    assert result['changed'] is True and result['task_ids'] == [TASK_ID]
    assert not dcs.calls('DELETE')


# -- validation before any API call -------------------------------------------------------------

@pytest.mark.parametrize('overrides, message', [
    (dict(migration_type='online_migration'),
     'migration_type=online_migration is refused: this API no longer creates online migrations; '
     'use the CreateOnlineMigrationTask API instead'),
    (dict(backup_files=dict(files=[dict(file_name='a.rdb')])),
     'backup_files.bucket_name is required with backup_files.file_source=self_build_obs'),
    (dict(backup_files=dict(bucket_name='b')),
     'backup_files.files needs at least one file with backup_files.file_source=self_build_obs'),
    (dict(backup_files=dict(file_source='backup_record')),
     'backup_files.backup_id is required with backup_files.file_source=backup_record'),
    (dict(backup_files=dict(bucket_name='b', files=[dict(file_name='a.rdb'), dict(file_name='dump.txt')])),
     "backup_files.files[1].file_name 'dump.txt' must end in .rdb, .aof, .zip or .tar.gz"),
    (dict(backup_files=dict(bucket_name='b', files=[dict(file_name='a.tar.gz', update_at='2024-11-06T10:00:00')])),
     "backup_files.files[0].update_at '2024-11-06T10:00:00' must be YYYY-MM-DD HH:MM:SS or "
     "YYYY-MM-DDTHH:MM:SS.sssZ (UTC, as OBS shows it)"),
    (dict(target_instance=dict(name=' ')), 'target_instance.id or target_instance.name is required with state=present'),
    (dict(target_instance=None), 'target_instance.id or target_instance.name is required with state=present'),
    (dict(backup_files=None), 'backup_files is required with migration_type=backupfile_import'),
    (dict(task_id=TASK_ID), 'task_id is only used with state=absent or state=stopped; with state=present tasks are '
                            'found by task_name'),
    (dict(wait=True, wait_timeout=0), 'wait_timeout must be a positive number of seconds, got 0'),
    (dict(task_name=None), 'task_name is required with state=present'),
    (dict(task_name=''), 'task_name is required with state=present'),
    (dict(migration_method='fast'),
     'value of migration_method must be one of: full_amount_migration, incremental_migration, got: fast'),
    (dict(retries=-1), 'retries must be 0 or more, got -1'),
    (dict(api_timeout=0), 'api_timeout must be a positive number of seconds, got 0'),
])
def test_invalid_input_fails_before_any_api_call(run, dcs, overrides, message):
    result = run(present(**overrides))

    assert result.failed
    assert result['msg'] == message
    assert dcs.calls() == []


def test_present_needs_a_name(run, dcs):
    args = present()
    del args['task_name']

    result = run(args)

    assert result['msg'] == 'state is present but all of the following are missing: task_name'
    assert dcs.calls() == []


def test_absent_needs_a_name_or_an_id(run, dcs):
    result = run(dict(state='absent'))

    assert result['msg'] == 'state is absent but any of the following are missing: task_name, task_id'
    assert dcs.calls() == []


# -- connection options -------------------------------------------------------------------------

def test_missing_credentials_are_named_with_their_environment_variables(run, dcs):
    result = run(present(), connection=False)

    assert result.failed
    assert result['msg'] == (
        'missing access_key and secret_key: set the options or the environment variable '
        '(access_key: HUAWEICLOUD_SDK_AK, CLOUD_SDK_AK, HW_ACCESS_KEY; '
        'secret_key: HUAWEICLOUD_SDK_SK, CLOUD_SDK_SK, HW_SECRET_KEY); '
        'the module never falls back to the instance metadata service')
    assert dcs.calls() == []


def test_region_or_endpoint_is_required(run, dcs):
    result = run(present(access_key=ACCESS_KEY, secret_key=SECRET_KEY), connection=False)

    assert result['msg'] == 'one of region or endpoint is required (region may also come from HW_REGION_NAME)'


def test_endpoint_without_project_or_region_names_what_is_missing(run, dcs):
    result = run(present(access_key=ACCESS_KEY, secret_key=SECRET_KEY, endpoint=ENDPOINT), connection=False)

    assert result['msg'] == ('project_id is required when endpoint is set without region '
                             '(or set region so the project is looked up through IAM at iam_endpoint)')


def test_environment_variables_in_documented_order(run, dcs, monkeypatch):
    monkeypatch.setenv('CLOUD_SDK_AK', 'SECONDCHOICEAK')
    monkeypatch.setenv('HUAWEICLOUD_SDK_AK', 'FIRSTCHOICEAK')
    monkeypatch.setenv('HW_SECRET_KEY', SECRET_KEY)
    monkeypatch.setenv('HW_PROJECT_ID', PROJECT_ID)
    dcs.list_tasks(list_item(TASK_ID, NAME))
    dcs.show_task(task_detail(TASK_ID, NAME))

    result = run(present(endpoint=ENDPOINT), connection=False)

    assert result['changed'] is False
    assert 'Access=FIRSTCHOICEAK,' in dcs.mock.calls[0].request.headers['Authorization']


def test_project_is_looked_up_through_iam_at_the_endpoint(run, dcs):
    dcs.add('GET', None, url=ENDPOINT + '/v3/projects',
            body=dict(projects=[dict(id=PROJECT_ID, name='ap-southeast-1')]))
    dcs.list_tasks(list_item(TASK_ID, NAME))
    dcs.show_task(task_detail(TASK_ID, NAME))

    result = run(present(access_key=ACCESS_KEY, secret_key=SECRET_KEY, endpoint=ENDPOINT, region='ap-southeast-1'),
                 connection=False)

    assert result['changed'] is False
    assert dcs.calls()[0] == ('GET', '/v3/projects', 'name=ap-southeast-1')
    assert dcs.calls()[1][1] == '/v2/%s/migration-tasks' % PROJECT_ID


def test_project_lookup_uses_iam_endpoint_when_given(run, dcs):
    iam = 'https://iam.unit.test'
    dcs.add('GET', None, url=iam + '/v3/projects', body=dict(projects=[]))

    result = run(present(access_key=ACCESS_KEY, secret_key=SECRET_KEY, endpoint=ENDPOINT, region='xx-1',
                         iam_endpoint=iam), connection=False)

    assert result.failed
    assert result['msg'] == ("No IAM project named 'xx-1' at %s: set project_id (or check region and iam_endpoint)"
                             % iam)


def test_project_lookup_errors_are_reported_like_api_errors(run, dcs):
    dcs.error('GET', None, 401, 'IAM.0001', 'The request you have made requires authentication.',
              url=ENDPOINT + '/v3/projects')

    result = run(present(access_key=ACCESS_KEY, secret_key=SECRET_KEY, endpoint=ENDPOINT, region='xx-1'),
                 connection=False)

    assert result.failed and result['error_code'] == 'IAM.0001' and result['status_code'] == 401
    assert result['msg'].startswith("Failed to look up the project ID of region 'xx-1' through IAM at %s:" % ENDPOINT)


def test_region_uses_the_sdk_region_table(run, dcs):
    regional = 'https://dcs.ap-southeast-1.myhuaweicloud.com'
    dcs.list_tasks(list_item(TASK_ID, NAME), endpoint=regional)
    dcs.show_task(task_detail(TASK_ID, NAME))
    dcs.add('GET', '/migration-task/%s' % TASK_ID, body=task_detail(TASK_ID, NAME), endpoint=regional)

    result = run(present(access_key=ACCESS_KEY, secret_key=SECRET_KEY, project_id=PROJECT_ID, region='ap-southeast-1'),
                 connection=False)

    assert result['changed'] is False
    assert dcs.mock.calls[0].request.url.startswith(regional + '/v2/')


def test_unknown_region_without_endpoint(run, dcs):
    result = run(present(access_key=ACCESS_KEY, secret_key=SECRET_KEY, project_id=PROJECT_ID, region='mars-1'),
                 connection=False)

    assert result['msg'] == ("region 'mars-1' is not in the SDK's region table for DCS: check region, "
                             "or set endpoint to the DCS API URL")


def test_missing_sdk_is_reported_with_the_pip_command(run, dcs, monkeypatch):
    monkeypatch.setitem(sys.modules, 'huaweicloudsdkcore.exceptions', None)

    result = run(present())

    assert result.failed
    assert 'Failed to import the required Python library (huaweicloudsdkdcs)' in result['msg']
    assert result['msg'].endswith("Install it with: pip install 'huaweicloudsdkdcs>=3.1.100'")
    assert dcs.calls() == []


# -- secrets ------------------------------------------------------------------------------------

@pytest.mark.parametrize('verbosity', [0, 4])
def test_secrets_never_appear_in_results_or_errors(run, dcs, verbosity):
    dcs.list_tasks()
    dcs.instance('RUNNING')
    dcs.error('POST', '/migration-task', 400, 'DCS.4800',
              'Invalid target_instance.password %s in the request.' % PASSWORD)
    args = present(source_instance=dict(addrs='10.0.0.1:6379', password=SOURCE_PASSWORD))

    failed = run(args, verbosity=verbosity, diff=True)

    assert failed.failed
    dcs.list_tasks(list_item(TASK_ID, NAME))
    dcs.show_task(task_detail(TASK_ID, NAME, source_instance=dict(addrs='10.0.0.1:6379', password=SOURCE_PASSWORD)))
    succeeded = run(args, verbosity=verbosity, diff=True)
    assert succeeded['changed'] is False
    for result in (failed, succeeded):
        dumped = json.dumps(result) + result.output
        for secret in SECRETS:
            assert secret not in dumped
    assert 'password' not in json.dumps(succeeded['migration_task'])


# -- more final statuses ------------------------------------------------------------------------

def test_released_task_without_error_counts_as_finished(run, dcs):
    dcs.list_tasks()
    dcs.instance('RUNNING')
    dcs.create(TASK_ID, NAME)
    dcs.show_task(task_detail(TASK_ID, NAME, status='RELEASED'))
    dcs.list_tasks(list_item(TASK_ID, NAME, status='RELEASED'))

    result = run(present(wait=True))

    assert not result.failed and result['migration_task']['status'] == 'RELEASED'


@pytest.mark.parametrize('wait', [True, False])
def test_rerun_on_a_released_task_reads_the_list_and_the_task_once(run, dcs, wait):
    # The list already says whether the finished task failed: no second list call (issue 9: a re-run makes 2 calls).
    dcs.list_tasks(list_item(TASK_ID, NAME, status='RELEASED'))
    dcs.show_task(task_detail(TASK_ID, NAME, status='RELEASED'))

    result = run(present(wait=wait))

    assert not result.failed and result['changed'] is False
    assert result['migration_task']['status'] == 'RELEASED'
    assert [c[0] for c in dcs.calls()] == ['GET', 'GET']


@pytest.mark.parametrize('wait', [True, False])
def test_task_that_ends_failed_between_the_list_and_the_show_fails_the_rerun(run, dcs, wait):
    # Listed while it ran, shown after it ended (and its helper VM was released): its outcome is read from the
    # list again, and a failure fails the run like a task listed as failed does, also without wait.
    dcs.list_tasks(list_item(TASK_ID, NAME, status='MIGRATING'))
    dcs.show_task(task_detail(TASK_ID, NAME, status='RELEASED'))
    dcs.list_tasks(list_item(TASK_ID, NAME, status='RELEASED', error_message='bucket not found'))
    dcs.logs(TASK_ID, 'bucket not found')

    result = run(present(wait=wait))

    assert result.failed and result['changed'] is False
    assert "ended RELEASED: bucket not found" in result['msg']


def test_released_task_with_an_error_message_fails(run, dcs):
    dcs.list_tasks()
    dcs.instance('RUNNING')
    dcs.create(TASK_ID, NAME)
    dcs.show_task(task_detail(TASK_ID, NAME, status='RELEASED'))
    dcs.list_tasks(list_item(TASK_ID, NAME, status='RELEASED', error_message='bucket not found'))
    dcs.logs(TASK_ID, 'bucket not found')

    result = run(present(wait=True))

    assert result.failed and 'ended RELEASED: bucket not found' in result['msg']


def test_task_deleted_while_waiting_fails(run, dcs):
    dcs.list_tasks()
    dcs.instance('RUNNING')
    dcs.create(TASK_ID, NAME)
    dcs.show_task(task_detail(TASK_ID, NAME, status='DELETED'))
    dcs.list_tasks()

    result = run(present(wait=True))

    assert result.failed
    assert result['msg'] == "migration task '%s' (%s) ended DELETED: no error message" % (NAME, TASK_ID)
    assert not dcs.calls('GET', '/logs')


def test_absent_wait_timeout_names_the_remaining_tasks(run, dcs):
    dcs.list_tasks(list_item(TASK_ID, NAME))
    dcs.delete(TASK_ID)

    result = run(dict(task_name=NAME, state='absent', wait_timeout=5))

    assert result.failed and result['changed'] is True
    assert result['msg'] == ('Timed out after 5 s (wait_timeout) waiting for migration tasks %s to disappear from the '
                             'list; last status: %s SUCCESS' % (TASK_ID, TASK_ID))


# -- throttling answers keep their body ---------------------------------------------------------

def test_throttled_list_keeps_the_gateway_error(run, dcs):
    dcs.error('GET', '/migration-tasks', 429, 'APIGW.0308', 'The throttling threshold has been reached.',
              request_id='gw-1')

    result = run(present(retries=0))

    assert result.failed
    assert result['error_code'] == 'APIGW.0308' and result['status_code'] == 429 and result['request_id'] == 'gw-1'
    assert result['msg'] == ('Failed to list migration tasks: APIGW.0308 The throttling threshold has been reached. '
                             '(HTTP 429, request_id gw-1)')


def test_throttled_delete_keeps_the_gateway_error(run, dcs):
    dcs.list_tasks(list_item(TASK_ID, NAME))
    dcs.error('DELETE', '/migration-tasks/delete', 429, 'APIGW.0308', 'The throttling threshold has been reached.')

    result = run(dict(task_name=NAME, state='absent', retries=0))

    assert result.failed and result['error_code'] == 'APIGW.0308' and result['status_code'] == 429


# -- TLS and timeouts ---------------------------------------------------------------------------

@pytest.mark.parametrize('options, verify', [
    (dict(), True),
    (dict(ca_bundle=certifi.where()), certifi.where()),
    (dict(validate_certs=False, ca_bundle='/etc/hwcloud/ca.pem'), False),  # ignored: not even read
])
def test_tls_verification_and_timeout_reach_the_http_layer(run, dcs, monkeypatch, options, verify):
    for name in ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'):
        monkeypatch.delenv(name, raising=False)
    dcs.list_tasks(list_item(TASK_ID, NAME))
    dcs.show_task(task_detail(TASK_ID, NAME))

    run(present(api_timeout=7, **options))

    sent = dcs.mock.calls[0].request.req_kwargs
    assert sent['timeout'] == (7, 7)
    assert sent['verify'] == verify


def test_several_iam_projects_for_the_region_fail(run, dcs):
    dcs.add('GET', None, url=ENDPOINT + '/v3/projects',
            body=dict(projects=[dict(id='p1', name='xx-1'), dict(id='p2', name='xx-1')]))

    result = run(present(access_key=ACCESS_KEY, secret_key=SECRET_KEY, endpoint=ENDPOINT, region='xx-1'),
                 connection=False)

    assert result['msg'] == "2 IAM projects named 'xx-1' at %s (p1, p2): set project_id to one of them" % ENDPOINT


# -- state stopped ------------------------------------------------------------------------------

def stop_answer(dcs, task_id=TASK_ID, name=NAME):
    dcs.add('POST', '/migration-task/%s/stop' % task_id, body=task_detail(task_id, name, status='TERMINATING'))


def test_stopped_stops_a_running_task_and_waits_until_terminated(run, dcs, fake_clock):
    dcs.list_tasks(list_item(TASK_ID, NAME, status='MIGRATING'))
    dcs.show_task(task_detail(TASK_ID, NAME, status='MIGRATING'))
    stop_answer(dcs)
    dcs.show_task(task_detail(TASK_ID, NAME, status='TERMINATING'))
    dcs.show_task(task_detail(TASK_ID, NAME, status='TERMINATED'))

    result = run(dict(task_name=NAME, state='stopped'), diff=True)

    assert result['changed'] is True and not result.failed
    assert result['task_id'] == TASK_ID
    assert result['migration_task']['status'] == 'TERMINATED'
    assert 'password' not in result['migration_task']['target_instance']
    assert len(dcs.calls('POST', '/migration-task/%s/stop' % TASK_ID)) == 1
    assert result['diff']['before']['status'] == 'MIGRATING' and result['diff']['after']['status'] == 'TERMINATED'
    assert fake_clock.sleeps  # it polled


def test_stopped_without_wait_returns_the_terminating_task(run, dcs):
    dcs.list_tasks(list_item(TASK_ID, NAME, status='MIGRATING'))
    dcs.show_task(task_detail(TASK_ID, NAME, status='MIGRATING'))
    stop_answer(dcs)

    result = run(dict(task_id=TASK_ID, state='stopped', wait=False))

    assert result['changed'] is True
    assert result['migration_task']['status'] == 'TERMINATING'
    assert len(dcs.calls('GET', '/migration-task/%s' % TASK_ID)) == 1


@pytest.mark.parametrize('status', ['TERMINATED', 'SUCCESS', 'FAILED', 'RELEASED'])
def test_stopped_is_idempotent_for_stopped_or_finished_tasks(run, dcs, status):
    dcs.list_tasks(list_item(TASK_ID, NAME, status=status))
    dcs.show_task(task_detail(TASK_ID, NAME, status=status))

    result = run(dict(task_name=NAME, state='stopped'))

    assert result['changed'] is False and not result.failed
    assert result['migration_task']['status'] == status
    assert not dcs.calls('POST')


def test_stopped_waits_for_a_terminating_task_without_change(run, dcs):
    dcs.list_tasks(list_item(TASK_ID, NAME, status='TERMINATING'))
    dcs.show_task(task_detail(TASK_ID, NAME, status='TERMINATING'))
    dcs.show_task(task_detail(TASK_ID, NAME, status='TERMINATED'))

    result = run(dict(task_name=NAME, state='stopped'))

    assert result['changed'] is False
    assert result['migration_task']['status'] == 'TERMINATED'
    assert not dcs.calls('POST')


def test_stopped_in_check_mode_predicts_the_stop_without_calling_it(run, dcs):
    dcs.list_tasks(list_item(TASK_ID, NAME, status='MIGRATING'))
    dcs.show_task(task_detail(TASK_ID, NAME, status='MIGRATING'))

    result = run(dict(task_name=NAME, state='stopped'), check_mode=True, diff=True)

    assert result['changed'] is True and result['task_id'] == TASK_ID
    assert result['migration_task']['status'] == 'MIGRATING'
    assert result['diff']['after']['status'] == 'TERMINATED'
    assert not dcs.calls('POST')


def test_stopped_task_that_finished_meanwhile_is_no_change(run, dcs):
    dcs.list_tasks(list_item(TASK_ID, NAME, status='MIGRATING'))
    dcs.show_task(task_detail(TASK_ID, NAME, status='MIGRATING'))
    dcs.error('POST', '/migration-task/%s/stop' % TASK_ID, 400, 'DCS.4026',
              'The task is SUCCESS; only a MIGRATING task can be stopped.')
    dcs.show_task(task_detail(TASK_ID, NAME, status='SUCCESS'))

    result = run(dict(task_name=NAME, state='stopped'))

    assert result['changed'] is False and not result.failed
    assert result['migration_task']['status'] == 'SUCCESS'


def test_stopped_refused_for_a_running_task_fails_with_the_code(run, dcs):
    dcs.list_tasks(list_item(TASK_ID, NAME, status='MIGRATING'))
    dcs.show_task(task_detail(TASK_ID, NAME, status='MIGRATING'))
    dcs.error('POST', '/migration-task/%s/stop' % TASK_ID, 400, 'DCS.4026', 'Operation not allowed.')

    result = run(dict(task_name=NAME, state='stopped'))

    assert result.failed and result['error_code'] == 'DCS.4026' and result['status_code'] == 400
    assert result['msg'] == ('Failed to stop migration task %s: DCS.4026 Operation not allowed. '
                             '(HTTP 400, request_id 5f3e1a2b9c8d7e6f)' % TASK_ID)


def test_stopped_wait_timeout_reports_the_change(run, dcs):
    dcs.list_tasks(list_item(TASK_ID, NAME, status='MIGRATING'))
    dcs.show_task(task_detail(TASK_ID, NAME, status='MIGRATING'))
    stop_answer(dcs)
    dcs.show_task(task_detail(TASK_ID, NAME, status='TERMINATING'))

    result = run(dict(task_name=NAME, state='stopped', wait_timeout=20))

    assert result.failed and result['changed'] is True and result['task_id'] == TASK_ID
    assert result['msg'] == ('Timed out after 20 s (wait_timeout) waiting for migration task %s to stop; '
                             'last status: TERMINATING' % TASK_ID)


def test_stopped_unknown_task_fails_naming_it(run, dcs):
    dcs.list_tasks(list_item('other', 'other-task', status='MIGRATING'))

    result = run(dict(task_name=NAME, task_id=TASK_ID, state='stopped'))

    assert result.failed
    assert result['msg'] == ("no migration task named '%s' and with ID '%s' exists (the list call does not show one): "
                             "nothing to stop" % (NAME, TASK_ID))
    assert not dcs.calls('POST')


def test_stopped_needs_task_id_when_the_name_is_ambiguous(run, dcs):
    dcs.list_tasks(list_item('a1', NAME, status='MIGRATING'), list_item('a2', NAME, status='MIGRATING'))

    result = run(dict(task_name=NAME, state='stopped'))

    assert result['msg'] == "2 migration tasks are named '%s' (a1, a2): set task_id to say which one to stop" % NAME
    assert not dcs.calls('POST')


def test_stopped_needs_a_name_or_an_id(run, dcs):
    result = run(dict(state='stopped'))

    assert result['msg'] == 'state is stopped but any of the following are missing: task_name, task_id'
    assert dcs.calls() == []
