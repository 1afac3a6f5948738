# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""hwcloud.dcs.migration_task with the values and answer shapes of the vendor's documents, the SDK models and the
Terraform provider (docs: fidelity table of docs/emulator.md): the real module and SDK, canned DCS HTTP answers."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json

import pytest

from ansible_collections.hwcloud.dcs.plugins.modules import migration_task, migration_task_info
from ansible_collections.hwcloud.dcs.tests.unit.conftest import INSTANCE_ID, PASSWORD, list_item, task_detail

NAME = 'migration1'
TASK_ID = '8aa6999e71cb638b0171f485f5266ef0'
BACKUP_ID = '2a8f3e1c-6f2d-4c5f-9b0e-2d7c1b9e4a10'
# Passwords the show call echoes that the user did not give: no_log cannot hide them, only scrubbing can.
ECHOED_SECRETS = ('echoed-target-password-Kd83Jq', 'echoed-source-password-Pw27Lm', 'echoed-record-password-Zt51Rv')


def vendor_example(**overrides):
    """The vendor's create example (create-migration-task-api.txt), with an instance and bucket of our own."""
    args = dict(
        task_name=NAME,
        description='Test',
        migration_type='backupfile_import',
        migration_method='full_amount_migration',
        backup_files=dict(bucket_name='redis-backups', file_source='self_build_obs',
                          files=[dict(size='754.0MB', file_name='dump.rdb')]),
        target_instance=dict(id=INSTANCE_ID, name='dcs-test', password=PASSWORD),
        wait=False,
    )
    args.update(overrides)
    return args


def terraform_files():
    """The files of the Terraform provider's acceptance test."""
    return dict(bucket_name='redis-backups', file_source='self_build_obs',
                files=[dict(file_name='appendonly.aof', size='0.09KB', update_at='2025-07-22T11:57:24.401Z')])


def shown(files=None, backup_files=None, **extra):
    """The show answer for the vendor's example, as the service echoes it."""
    detail = task_detail(TASK_ID, NAME, description='Test', **extra)
    detail['backup_files'] = backup_files or dict(file_source='self_build_obs', bucket_name='redis-backups',
                                                  files=files or [dict(file_name='dump.rdb', size='754.0MB')])
    return detail


def record_import(backup_files, **extra):
    """A listed task that imports the backup record, shown with these backup_files."""
    return shown(backup_files=dict(backup_files, file_source='backup_record'), **extra)


@pytest.fixture
def run(run_module):
    return lambda args, **kwargs: run_module(migration_task.main, args, **kwargs)


def adopt(run, dcs, detail, args):
    """Run the module on an existing task that the show call shows as `detail`."""
    dcs.list_tasks(list_item(TASK_ID, NAME))
    dcs.show_task(detail)
    return run(args)


def comparison_warnings(result):
    return [text for text in result.warnings if 'not compared with the task' in text]


# -- the values the service documents or demonstrates are accepted -----------------------------------

def test_the_vendor_example_in_check_mode_predicts_the_create(run, dcs):
    dcs.list_tasks()
    dcs.instance('RUNNING')

    result = run(vendor_example(), check_mode=True, diff=True)

    assert result['changed'] is True and not result.failed
    assert result['diff']['after']['backup_files']['files'] == [{'file_name': 'dump.rdb', 'size': '754.0MB'}]
    assert not dcs.calls('POST')


@pytest.mark.parametrize('backup_files', [
    dict(bucket_name='redis-backups', files=[dict(file_name='dump.rdb', size='754.0MB')]),
    dict(bucket_name='redis-backups', files=[dict(file_name='dump.rdb', size='754')]),
    terraform_files(),
    dict(bucket_name='redis-backups', files=[dict(file_name='dump.rdb', update_at='2024-11-06 10:00:00')]),
])
def test_sizes_and_times_are_sent_as_given(run, dcs, backup_files):
    dcs.list_tasks()
    dcs.instance('RUNNING')
    dcs.create(TASK_ID, NAME)
    dcs.show_task(shown(files=backup_files['files']))

    result = run(vendor_example(backup_files=backup_files))

    assert result['changed'] is True and not result.failed
    assert dcs.request_body()['backup_files']['files'] == backup_files['files']


@pytest.mark.parametrize('option, value', [
    ('size', '754.0 MB'), ('size', '754.0mb'), ('size', 'MB'), ('size', '.5KB'), ('size', '-1'),
    ('update_at', '2025-07-22T11:57:24.401'), ('update_at', '2025-07-22T11:57:24+08:00'),
    ('update_at', '2025-02-30T11:57:24.401Z'), ('update_at', '2025-07-22 11:57:24.401'),
])
def test_sizes_and_times_outside_both_forms_are_refused_before_any_call(run, dcs, option, value):
    backup_files = dict(bucket_name='redis-backups', files=[{'file_name': 'dump.rdb', option: value}])

    result = run(vendor_example(backup_files=backup_files))

    assert result.failed
    assert result['msg'].startswith("backup_files.files[0].%s '%s' must be " % (option, value))
    assert dcs.calls() == []


# -- compared as the service echoes them -----------------------------------------------------------

def test_the_vendor_example_rerun_is_unchanged_without_warnings(run, dcs):
    result = adopt(run, dcs, shown(), vendor_example())

    assert result['changed'] is False and not result.failed
    assert comparison_warnings(result) == []


@pytest.mark.parametrize('echoed_time', [
    '2025-07-22T11:57:24.401Z', '2025-07-22 11:57:24', '2025/07/22 11:57:24', '2025-07-22T19:57:24.401+08:00',
    '2025-07-22T11:57:24.000Z',
])
def test_a_time_echoed_in_any_form_is_the_same_time(run, dcs, echoed_time):
    files = [dict(terraform_files()['files'][0], update_at=echoed_time)]

    result = adopt(run, dcs, shown(files=files), vendor_example(backup_files=terraform_files()))

    assert result['changed'] is False and not result.failed
    assert comparison_warnings(result) == []


@pytest.mark.parametrize('option, echoed', [
    ('size', '790626304'), ('size', '754.0KB'), ('update_at', '2025-07-22 11:57:25'),
    ('update_at', '2025-07-22T11:57:24.401+08:00'),
])
def test_a_different_size_or_time_is_a_difference(run, dcs, option, echoed):
    files = [dict(terraform_files()['files'][0])]
    files[0][option] = echoed

    result = adopt(run, dcs, shown(files=files), vendor_example(backup_files=terraform_files()))

    assert result.failed
    assert 'already exists with a different request: backup_files.files[0].%s differs' % option in result['msg']
    assert not dcs.calls('POST')


@pytest.mark.parametrize('echoed', [dict(backup_id=BACKUP_ID), dict(backup_record=dict(backup_id=BACKUP_ID)),
                                    dict(backup_id=None, backup_record=dict(backup_id=BACKUP_ID, status='succeed'))])
def test_the_backup_id_is_read_flat_or_nested(run, dcs, echoed):
    args = vendor_example(backup_files=dict(file_source='backup_record', backup_id=BACKUP_ID))

    result = adopt(run, dcs, record_import(echoed), args)

    assert result['changed'] is False and not result.failed
    assert comparison_warnings(result) == []


@pytest.mark.parametrize('echoed', [dict(backup_id='another-backup'), dict(backup_record=dict(backup_id='another'))])
def test_another_backup_id_flat_or_nested_is_a_difference(run, dcs, echoed):
    args = vendor_example(backup_files=dict(file_source='backup_record', backup_id=BACKUP_ID))

    result = adopt(run, dcs, record_import(echoed), args)

    assert result.failed
    assert 'already exists with a different request: backup_files.backup_id differs' in result['msg']


def test_the_nested_backup_record_is_returned_as_the_service_shows_it(run, dcs):
    args = vendor_example(backup_files=dict(file_source='backup_record', backup_id=BACKUP_ID))

    result = adopt(run, dcs, record_import(dict(backup_record=dict(backup_id=BACKUP_ID))), args)

    assert result['migration_task']['backup_files']['backup_record'] == {'backup_id': BACKUP_ID}


@pytest.mark.parametrize('hidden, named', [
    (lambda detail: detail['backup_files'].pop('backup_id'), 'backup_files.backup_id'),
    (lambda detail: detail.pop('backup_files'), 'backup_files.backup_id, backup_files.file_source'),
    (lambda detail: detail['target_instance'].pop('name'), 'target_instance.name'),
    (lambda detail: detail.update(description=None), 'description'),
])
def test_a_value_the_show_call_does_not_show_is_named_in_a_warning_not_taken_as_equal(run, dcs, hidden, named):
    detail = record_import(dict(backup_id=BACKUP_ID))
    hidden(detail)
    args = vendor_example(backup_files=dict(file_source='backup_record', backup_id=BACKUP_ID))

    result = adopt(run, dcs, detail, args)

    assert result['changed'] is False and not result.failed
    assert comparison_warnings(result) == [
        "migration task '%s' (%s): the show call does not show %s, so %s not compared with the task: the task may "
        "differ there" % (NAME, TASK_ID, named, 'they were' if ',' in named else 'it was')]


def test_files_the_show_call_does_not_show_are_named_in_a_warning(run, dcs):
    result = adopt(run, dcs, shown(files=[dict(file_name='dump.rdb')]), vendor_example())

    assert result['changed'] is False
    assert len(comparison_warnings(result)) == 1
    assert 'does not show backup_files.files[0].size,' in comparison_warnings(result)[0]


def test_a_difference_is_reported_with_the_warning_for_what_is_not_shown(run, dcs):
    detail = shown(files=[dict(file_name='dump.rdb', size='1')])
    detail['target_instance'].pop('name')

    result = adopt(run, dcs, detail, vendor_example())

    assert result.failed and 'backup_files.files[0].size differs' in result['msg']
    assert 'does not show target_instance.name,' in comparison_warnings(result)[0]


# -- task_status of the source and target instance ---------------------------------------------------

def test_task_status_of_both_instances_is_sent(run, dcs):
    dcs.list_tasks()
    dcs.instance('RUNNING')
    dcs.create(TASK_ID, NAME)
    dcs.show_task(shown())

    run(vendor_example(target_instance=dict(id=INSTANCE_ID, task_status='RUNNING'),
                       source_instance=dict(addrs='10.0.0.1:6379', task_status='RUNNING')))

    sent = dcs.request_body()
    assert sent['target_instance'] == {'id': INSTANCE_ID, 'task_status': 'RUNNING'}
    assert sent['source_instance'] == {'addrs': '10.0.0.1:6379', 'task_status': 'RUNNING'}


@pytest.mark.parametrize('echoed, outcome', [('RUNNING', 'same'), ('EXCHANGING', 'differs'), (None, 'not shown')])
def test_task_status_is_compared_like_the_rest(run, dcs, echoed, outcome):
    detail = shown()
    detail['target_instance']['task_status'] = echoed

    result = adopt(run, dcs, detail, vendor_example(target_instance=dict(id=INSTANCE_ID, task_status='RUNNING')))

    assert result.failed is (outcome == 'differs')
    if outcome == 'differs':
        assert 'target_instance.task_status differs' in result['msg']
    warned = comparison_warnings(result)
    assert warned == ([] if outcome != 'not shown' else [warned[0]])
    assert outcome != 'not shown' or 'does not show target_instance.task_status,' in warned[0]


# -- passwords echoed in clear text --------------------------------------------------------------------

def echoing_passwords(detail):
    """The detail with a password at every depth the show call could put one, list items included."""
    detail = copy.deepcopy(detail)
    detail['target_instance']['password'] = ECHOED_SECRETS[0]
    detail['source_instance'] = dict(addrs='10.0.0.1:6379', password=ECHOED_SECRETS[1])
    detail['backup_files']['backup_record'] = dict(backup_id=BACKUP_ID, password=ECHOED_SECRETS[2])
    for item in detail['backup_files'].get('files') or []:
        item['redis_password'] = ECHOED_SECRETS[2]
    return detail


def assert_no_echoed_secret(result):
    dumped = json.dumps(result) + result.output
    for secret in ECHOED_SECRETS:
        assert secret not in dumped


@pytest.mark.parametrize('request_differs', [False, True])
def test_passwords_the_show_call_echoes_never_reach_results_diffs_warnings_or_errors(run, dcs, request_differs):
    detail = echoing_passwords(shown())
    detail['target_instance'].pop('name')  # a warning too
    dcs.list_tasks(list_item(TASK_ID, NAME))
    dcs.show_task(detail)
    args = vendor_example(description='other' if request_differs else 'Test')

    result = run(args, diff=True)

    assert result.failed is request_differs
    assert comparison_warnings(result)
    assert_no_echoed_secret(result)
    task = result['migration_task']
    assert 'password' not in json.dumps(task)
    assert task['backup_files']['backup_record'] == {'backup_id': BACKUP_ID}  # the rest of it is kept
    assert dict((k, v) for k, v in task['source_instance'].items() if v is not None) == {'addrs': '10.0.0.1:6379'}


def test_the_info_module_shows_the_nested_backup_record_without_the_passwords(run_module, dcs):
    dcs.list_tasks(list_item(TASK_ID, NAME))
    dcs.show_task(echoing_passwords(record_import(dict(backup_record=dict(backup_id=BACKUP_ID)))))

    result = run_module(migration_task_info.main, dict(task_id=TASK_ID))

    assert not result.failed
    assert_no_echoed_secret(result)
    [task] = result['migration_tasks']
    assert task['backup_files']['backup_record'] == {'backup_id': BACKUP_ID}
    assert 'password' not in json.dumps(task)


def test_passwords_echoed_after_a_create_and_by_the_stop_call_are_removed(run, dcs):
    dcs.list_tasks()
    dcs.instance('RUNNING')
    dcs.create(TASK_ID, NAME)
    dcs.show_task(echoing_passwords(shown(status='MIGRATING')))
    created = run(vendor_example(), diff=True)

    dcs.list_tasks(list_item(TASK_ID, NAME, status='MIGRATING'))
    dcs.add('POST', '/migration-task/%s/stop' % TASK_ID, body=echoing_passwords(shown(status='TERMINATING')))
    stopped = run(dict(task_name=NAME, state='stopped', wait=False), diff=True)

    for result in (created, stopped):
        assert not result.failed and result['changed'] is True
        assert_no_echoed_secret(result)
    assert stopped['migration_task']['status'] == 'TERMINATING'


# -- the answers both readings of the documents allow ----------------------------------------------

@pytest.mark.parametrize('code', ['DCS.4026', 'DCS.4957'])
def test_a_stop_refused_because_the_task_finished_is_no_change(run, dcs, code):
    dcs.list_tasks(list_item(TASK_ID, NAME, status='MIGRATING'))
    dcs.show_task(shown(status='MIGRATING'))
    dcs.error('POST', '/migration-task/%s/stop' % TASK_ID, 400, code,
              'This operation is not allowed when the task is in the current state.')
    dcs.show_task(shown(status='SUCCESS'))

    result = run(dict(task_name=NAME, state='stopped'))

    assert result['changed'] is False and not result.failed
    assert result['migration_task']['status'] == 'SUCCESS'


def test_a_stop_refused_with_the_task_state_code_while_the_task_runs_fails(run, dcs):
    dcs.list_tasks(list_item(TASK_ID, NAME, status='MIGRATING'))
    dcs.show_task(shown(status='MIGRATING'))
    dcs.error('POST', '/migration-task/%s/stop' % TASK_ID, 400, 'DCS.4957',
              'This operation is not allowed when the task is in the current state.')

    result = run(dict(task_name=NAME, state='stopped'))

    assert result.failed and result['error_code'] == 'DCS.4957'


@pytest.mark.parametrize('answer', ['200 with the IDs', '400 DCS.4133'])
def test_a_delete_of_a_task_that_went_meanwhile_is_done_under_either_answer(run, dcs, answer):
    dcs.list_tasks(list_item(TASK_ID, NAME))
    if answer == '400 DCS.4133':
        dcs.error('DELETE', '/migration-tasks/delete', 400, 'DCS.4133', 'The migration task does not exist.')
    else:
        dcs.delete(TASK_ID)
    dcs.list_tasks()

    result = run(dict(task_name=NAME, state='absent'))

    assert result['changed'] is True and not result.failed
    assert result['task_ids'] == [TASK_ID]
    assert len(dcs.calls('DELETE')) == 1
