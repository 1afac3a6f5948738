# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lifecycle's hooks for kinds that backup import does not use (steady state, configure call),
run against canned DCS answers through the real SDK."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.hwcloud.dcs.plugins.module_utils._backup_import import BackupImport
from ansible_collections.hwcloud.dcs.plugins.module_utils._lifecycle import TaskLifecycle, reporting_change
from ansible_collections.hwcloud.dcs.plugins.module_utils.errors import DcsError
from ansible_collections.hwcloud.dcs.plugins.module_utils.migration_tasks import MigrationTasks
from ansible_collections.hwcloud.dcs.tests.unit.conftest import CONNECTION, list_item, task_detail

NAME = 'replicate-sessions'
TASK_ID = 'a' * 32


def lifecycle(kind, wait_timeout=None):
    from ansible_collections.hwcloud.dcs.plugins.module_utils.client import connect
    params = dict(CONNECTION, region=None, iam_endpoint=None, validate_certs=True, ca_bundle=None, api_timeout=5,
                  retries=0)
    return TaskLifecycle(kind, MigrationTasks(connect(params)), wait_timeout=wait_timeout)


class Replication(BackupImport):
    """A kind that is what the user waits for while it keeps replicating, and is configured after the create."""

    steady = ('INCRMIGRATING',)

    def __init__(self, configure_error=None):
        self.configured = []
        self.configure_error = configure_error

    def check_before_create(self, calls, request):
        pass

    def configure(self, calls, task_id, request):
        self.configured.append((task_id, request['task_name']))
        if self.configure_error:
            raise self.configure_error


def test_a_steady_task_ends_the_wait_and_counts_as_success(dcs, fake_clock):
    for status in ('FULLMIGRATING', 'INCRMIGRATING'):
        dcs.show_task(task_detail(TASK_ID, NAME, status=status))

    task = lifecycle(Replication(), wait_timeout=60).wait_until_settled(NAME, TASK_ID, None, changed=True)

    assert task['status'] == 'INCRMIGRATING'
    assert len(dcs.calls('GET', '/migration-task/%s' % TASK_ID)) == 2


def test_without_a_steady_state_a_replicating_task_is_still_waited_for(dcs, fake_clock):
    dcs.show_task(task_detail(TASK_ID, NAME, status='INCRMIGRATING'))

    with pytest.raises(DcsError) as raised:
        lifecycle(BackupImport(), wait_timeout=5).wait_until_settled(NAME, TASK_ID, None, changed=True)

    assert raised.value.msg.endswith('last status: INCRMIGRATING')
    assert raised.value.extra['changed'] is True and raised.value.extra['task_id'] == TASK_ID


def test_the_configure_call_follows_the_create_before_the_task_is_shown(dcs):
    dcs.list_tasks()
    dcs.create(TASK_ID, NAME)
    dcs.show_task(task_detail(TASK_ID, NAME, status='RUNNING'))
    kind = Replication()

    result = lifecycle(kind).ensure_present(dict(task_name=NAME), replace_failed=False)

    assert kind.configured == [(TASK_ID, NAME)]
    assert result['changed'] is True and result['task_id'] == TASK_ID
    # list, create, list again (ours not shown yet: the tick of its time is unknown), list after a tick, show
    assert [c[0] for c in dcs.calls()] == ['GET', 'POST', 'GET', 'GET', 'GET']


def test_a_failed_configure_call_still_reports_the_created_task(dcs):
    dcs.list_tasks()
    dcs.create(TASK_ID, NAME)

    with pytest.raises(DcsError) as raised:
        lifecycle(Replication(configure_error=DcsError('configure refused'))).ensure_present(
            dict(task_name=NAME), replace_failed=False)

    assert raised.value.extra == {'changed': True, 'task_id': TASK_ID}


def test_a_steady_task_of_that_name_is_adopted_without_waiting_longer(dcs, fake_clock):
    dcs.list_tasks(list_item(TASK_ID, NAME, status='INCRMIGRATING'))
    dcs.show_task(task_detail(TASK_ID, NAME, status='INCRMIGRATING'))

    result = lifecycle(Replication(), wait_timeout=60).ensure_present(dict(task_name=NAME), replace_failed=False)

    assert result['changed'] is False and result['migration_task']['status'] == 'INCRMIGRATING'
    assert fake_clock.sleeps == []


def test_a_failure_without_a_change_is_reported_as_it_is():
    with pytest.raises(DcsError) as raised:
        with reporting_change(False, task_id=TASK_ID):
            raise DcsError('show failed', error_code='DCS.5000')

    assert raised.value.extra == {'error_code': 'DCS.5000'}
