# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""hwcloud.dcs.migration_task through main(): survey-friendly file lists, and the endpoint it reports."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.hwcloud.dcs.plugins.modules import migration_task, migration_task_info
from ansible_collections.hwcloud.dcs.tests.unit.conftest import ENDPOINT, INSTANCE_ID, PASSWORD, task_detail

NAME = 'restore-sessions'
TASK_ID = '8aa6999e71cb638b0171f485f5266ef0'


def present(files):
    return dict(task_name=NAME, wait=False,
                backup_files=dict(bucket_name='redis-backups', files=files),
                target_instance=dict(id=INSTANCE_ID, password=PASSWORD))


@pytest.fixture
def run(run_module):
    return lambda args, **kwargs: run_module(migration_task.main, args, **kwargs)


def create_answers(dcs, files):
    dcs.list_tasks()
    dcs.instance('RUNNING')
    dcs.create(TASK_ID, NAME)
    dcs.show_task(task_detail(TASK_ID, NAME, status='MIGRATING', files=files))


# -- backup_files.files: plain file names ------------------------------------------------------------

def test_plain_file_names_are_sent_as_file_name_entries(run, dcs):
    create_answers(dcs, ('dump.rdb', 'part2.rdb'))

    result = run(present(['dump.rdb', 'part2.rdb']))

    assert not result.failed, result.get('msg')
    assert result['changed'] is True
    assert dcs.request_body()['backup_files']['files'] == [{'file_name': 'dump.rdb'}, {'file_name': 'part2.rdb'}]


def test_names_and_dictionaries_mix(run, dcs):
    create_answers(dcs, ('dump.rdb', 'part2.rdb'))

    result = run(present(['dump.rdb', {'file_name': 'part2.rdb', 'size': '1024'}]))

    assert not result.failed, result.get('msg')
    assert dcs.request_body()['backup_files']['files'] == [{'file_name': 'dump.rdb'},
                                                           {'file_name': 'part2.rdb', 'size': '1024'}]


def test_a_comma_separated_string_is_a_list_of_names(run, dcs):
    create_answers(dcs, ('dump.rdb', 'part2.rdb'))

    result = run(present('dump.rdb,part2.rdb'))

    assert not result.failed, result.get('msg')
    assert dcs.request_body()['backup_files']['files'] == [{'file_name': 'dump.rdb'}, {'file_name': 'part2.rdb'}]


def test_plain_names_are_idempotent(run, dcs):
    dcs.list_tasks({'task_id': TASK_ID, 'task_name': NAME, 'status': 'SUCCESS'})
    dcs.show_task(task_detail(TASK_ID, NAME, status='SUCCESS', files=('dump.rdb',)))

    result = run(present(['dump.rdb']))

    assert not result.failed, result.get('msg')
    assert result['changed'] is False
    assert not dcs.calls('POST')


def test_a_plain_name_is_validated_like_file_name(run, dcs):
    result = run(present(['dump.rdb', 'notes.txt']))

    assert result.failed
    assert result['msg'] == "backup_files.files[1].file_name 'notes.txt' must end in .rdb, .aof, .zip or .tar.gz"
    assert dcs.calls() == []


@pytest.mark.parametrize('item, kind', [(7, 'int'), (True, 'bool'), (['dump.rdb'], 'list'), (None, 'NoneType')])
def test_a_file_of_another_type_is_named_by_its_path(run, dcs, item, kind):
    result = run(present(['dump.rdb', item]))

    assert result.failed
    assert result['msg'] == ('backup_files.files[1] must be a file name or a dictionary with file_name, got %s'
                             % kind)
    assert dcs.calls() == []


def test_files_that_are_not_a_list_are_named(run, dcs):
    result = run(present({'file_name': 'dump.rdb'}))

    assert result.failed
    assert result['msg'] == ('backup_files.files must be a list of file names or of dictionaries with file_name, '
                             'got dict')
    assert dcs.calls() == []


def test_a_dictionary_without_file_name_names_the_option(run, dcs):
    result = run(present([{'size': '10'}]))

    assert result.failed
    assert 'file_name' in result['msg'] and 'backup_files' in result['msg']
    assert dcs.calls() == []


# -- the endpoint in the result ----------------------------------------------------------------------

def test_the_result_names_the_endpoint_called(run, dcs):
    create_answers(dcs, ('dump.rdb',))

    result = run(present(['dump.rdb']))

    assert result['endpoint'] == ENDPOINT


def test_a_failed_api_call_names_the_endpoint(run, dcs):
    dcs.error('GET', '/migration-tasks', 403, 'DCS.2003', 'The request is rejected.')

    result = run(present(['dump.rdb']))

    assert result.failed and result['error_code'] == 'DCS.2003'
    assert result['endpoint'] == ENDPOINT


def test_no_endpoint_before_the_client_is_built(run, dcs):
    result = run(present(['notes.txt']))

    assert result.failed and 'endpoint' not in result


def test_the_info_module_names_the_endpoint(run_module, dcs):
    dcs.list_tasks()

    result = run_module(migration_task_info.main, {})

    assert result == {'changed': False, 'migration_tasks': [], 'endpoint': ENDPOINT,
                      'invocation': result['invocation']}
