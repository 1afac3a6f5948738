# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""hwcloud.dcs.migration_task keeps exactly one task per name: concurrent creates, lost create answers,
API outages during waits, and inputs it refuses rather than ignores. The real module and SDK, canned answers."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json

import pytest
import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError

from ansible_collections.hwcloud.dcs.plugins.modules import migration_task
from ansible_collections.hwcloud.dcs.tests.unit.conftest import INSTANCE_ID, PASSWORD, list_item, task_detail

NAME = 'restore-sessions'
OURS = 'b' * 32
OTHER = 'a' * 32  # a smaller ID
LATER = 'c' * 32


def present(**overrides):
    args = dict(task_name=NAME, backup_files=dict(bucket_name='redis-backups', files=[dict(file_name='dump.rdb')]),
                target_instance=dict(id=INSTANCE_ID, password=PASSWORD), wait=False)
    args.update(overrides)
    return args


@pytest.fixture(autouse=True)
def fresh_warnings():
    """A module process starts without warnings; here all runs share ansible's global list (a list or a dict)."""
    from ansible.module_utils.common import warnings
    warnings._global_warnings.clear()  # pylint: disable=protected-access


@pytest.fixture
def run(run_module):
    return lambda args, **kwargs: run_module(migration_task.main, args, **kwargs)


def warnings_of(result):
    """The warning texts of a result (ansible-core 2.19 sends each as a summary holding the text)."""
    return [w if isinstance(w, str) else w['event']['msg'] for w in result.get('warnings', [])]


def created_at(task_id, when):
    return list_item(task_id, NAME, status='MIGRATING', created_at=when)


def race(dcs, relisted, status='MIGRATING'):
    """Our run finds no task, creates OURS, then the list shows `relisted` (in that order)."""
    dcs.list_tasks()
    dcs.list_tasks(*relisted)
    dcs.instance('RUNNING')
    dcs.create(OURS, NAME)
    for task_id in (OURS, OTHER, LATER):
        dcs.show_task(task_detail(task_id, NAME, status=status))
    dcs.add('POST', '/migration-task/%s/stop' % OURS, body=task_detail(OURS, NAME, status='TERMINATING'))
    dcs.delete(OURS)


def assert_kept_ours(result, dcs):
    assert not result.failed, result.get('msg')
    assert result['changed'] is True and result['task_id'] == OURS
    assert 'duplicate_task_ids' not in result
    assert not [w for w in warnings_of(result) if 'another run' in w]
    assert not dcs.calls('DELETE') and not dcs.calls('POST', '/stop')


def assert_gave_way_to(result, dcs, survivor):
    assert not result.failed, result.get('msg')
    assert result['changed'] is False and result['task_id'] == survivor
    assert result['migration_task']['task_id'] == survivor
    assert result['duplicate_task_ids'] == [OURS]
    assert [w for w in warnings_of(result) if 'another run created' in w and OURS in w and survivor in w]
    assert dcs.calls('POST', '/migration-task/%s/stop' % OURS)
    assert dcs.request_body(method='DELETE') == {'task_id_list': [OURS]}  # only ever our own task


# -- the reconcile rule: every run keeps the same task -------------------------------------------

# (our created_at, the other task's created_at, the other's ID, who is kept), the other task being another run's.
RULE = [
    ('2024-11-06T10:00:01.000Z', '2024-11-06T10:00:00.999Z', LATER, 'other'),  # earlier by a millisecond
    ('2024-11-06T10:00:00.000Z', '2024-11-06T10:00:00.001Z', OTHER, 'ours'),
    ('2024-11-06T10:00:00Z', '2024-11-06T10:00:00Z', OTHER, 'other'),  # same time: the smaller ID
    ('2024-11-06T10:00:00Z', '2024-11-06T10:00:00Z', LATER, 'ours'),
    ('2024-11-06T10:00:00.000Z', '2024-11-06 17:59:59+08:00', LATER, 'other'),  # formats and zones differ
    ('2024/11/06 10:00:00', '2024-11-06T10:00:01.000Z', OTHER, 'ours'),
    ('202411061001', '2024-11-06T10:00:59Z', LATER, 'other'),  # yyyyMMddHHmm
    ('1730887200000', '2024-11-06T10:00:00.001Z', LATER, 'ours'),  # epoch milliseconds
    (None, '2024-11-06T10:00:00Z', LATER, 'other'),  # a task without created_at counts as the latest
    ('2024-11-06T10:00:00Z', None, OTHER, 'ours'),
    (None, None, OTHER, 'other'),
    ('not a time', 'neither', LATER, 'ours'),
]


@pytest.mark.parametrize('newest_first', [True, False])
@pytest.mark.parametrize('ours, theirs, other_id, kept', RULE)
def test_every_run_keeps_the_earliest_created_task(run, dcs, ours, theirs, other_id, kept, newest_first):
    listed = [created_at(OURS, ours), created_at(other_id, theirs)]
    race(dcs, listed if newest_first else listed[::-1])

    result = run(present())

    if kept == 'ours':
        assert_kept_ours(result, dcs)
    else:
        assert_gave_way_to(result, dcs, other_id)


def test_both_sides_of_a_race_agree_whatever_each_one_sees(run, dcs):
    """Every interleaving of two racers: each sees the other's task or not, in either order; never both kept."""
    first, second = created_at(OTHER, '2024-11-06T10:00:00Z'), created_at(OURS, '2024-11-06T10:00:01Z')
    outcomes = set()
    for listed in ([first, second], [second, first], [second]):
        dcs.mock.reset()
        race(dcs, listed)
        result = run(present())
        outcomes.add(result['task_id'])
        # our task was created second: it gives way whenever the first one is visible
        assert result['task_id'] == (OTHER if first in listed else OURS)
    assert outcomes == {OTHER, OURS}


# (our created_at as the list shows it, the seconds one tick of that form lasts): the forms whose tick can hold two
# creates of one name
TICKS = [('2024/11/06 10:00:00', 1.0), ('2024-11-06T10:00:00Z', 1.0), ('202411061000', 60.0)]
MILLISECOND_FORMS = ['2024-11-06T10:00:00.000Z', '1730887200000']


@pytest.mark.parametrize('ours', MILLISECOND_FORMS)
def test_times_shown_to_the_millisecond_are_compared_at_once(run, dcs, fake_clock, ours):
    """A task created after ours shows a later time and gives way to ours: a run that sees only its own task right
    after its create keeps it without waiting (loops of creates pay no tick)."""
    dcs.list_tasks()
    dcs.instance('RUNNING')
    dcs.create(OURS, NAME)
    dcs.list_tasks(created_at(OURS, ours))
    dcs.show_task(task_detail(OURS, NAME, status='MIGRATING'))

    result = run(present())

    assert not result.failed, result.get('msg')
    assert result['changed'] is True and result['task_id'] == OURS
    assert fake_clock.sleeps == [] and len(dcs.calls('GET', '/migration-tasks')) == 2


@pytest.mark.parametrize('ours, tick', TICKS)
def test_a_task_created_in_the_same_tick_with_a_smaller_id_is_waited_for(run, dcs, fake_clock, ours, tick):
    """A list that shows whole seconds (or minutes) shows the same time for tasks created within that tick. Until
    the tick has passed since our create was answered only our task is listed; then another run's create of the
    same tick (a smaller ID) is listed too. Our run compares only after the tick and the settle margin, so it
    sees that task and gives way, as that task's run (which sees ours) keeps it."""
    answered = fake_clock.now()  # the create is answered at once (the fake clock moves only when the module sleeps)
    lists = []

    def listing(_request):
        lists.append(fake_clock.now())
        if len(lists) == 1:
            return 200, {}, json.dumps(dict(count=0, migration_tasks=[]))
        items = [created_at(OURS, ours)] + ([created_at(OTHER, ours)] if fake_clock.now() >= answered + tick else [])
        return 200, {}, json.dumps(dict(count=len(items), migration_tasks=items))

    dcs.mock.add_callback('GET', dcs.url('/migration-tasks'), callback=listing)
    dcs.instance('RUNNING')
    dcs.create(OURS, NAME)
    dcs.show_task(task_detail(OTHER, NAME, status='MIGRATING'))
    dcs.add('POST', '/migration-task/%s/stop' % OURS, body=task_detail(OURS, NAME, status='TERMINATING'))
    dcs.delete(OURS)

    result = run(present())

    assert_gave_way_to(result, dcs, OTHER)
    wait = max(tick, 1.0) + 1.0  # the tick (a second assumed until the list shows a coarser one) and the margin
    assert answered + wait - 1e-6 <= lists[-1] < answered + wait + 0.5  # decided then, not earlier nor later


def test_a_run_that_finds_a_young_task_waits_out_its_tick_before_it_adopts(run, dcs, fake_clock):
    """A run that creates nothing lists one task created a moment ago (whole seconds shown); a concurrent create
    in the same second with a smaller ID is listed a moment later. The run adopts the task every racer keeps,
    not the one it saw first (whose run gives way and deletes it)."""
    now = datetime.datetime.utcnow().strftime('%Y/%m/%d %H:%M:%S')
    dcs.list_tasks(created_at(LATER, now))
    dcs.list_tasks(created_at(LATER, now), created_at(OTHER, now))
    dcs.show_task(task_detail(OTHER, NAME, status='MIGRATING'))

    result = run(present())

    assert not result.failed, result.get('msg')
    assert result['changed'] is False and result['task_id'] == OTHER
    assert not dcs.calls('POST') and not dcs.calls('DELETE')
    assert 2.0 - 1e-6 <= sum(fake_clock.sleeps) < 2.5  # one tick and the settle margin


def test_a_run_that_finds_an_old_task_adopts_it_without_waiting(run, dcs, fake_clock):
    dcs.list_tasks(created_at(LATER, '2024/11/06 10:00:00'))
    dcs.show_task(task_detail(LATER, NAME, status='MIGRATING'))

    result = run(present())

    assert result['changed'] is False and result['task_id'] == LATER
    assert fake_clock.sleeps == [] and len(dcs.calls('GET', '/migration-tasks')) == 1


def test_a_name_filter_that_matches_substrings_is_read_exactly(run, dcs):
    longer = list_item(OTHER, NAME + '-old', status='SUCCESS', created_at='2020-01-01T00:00:00Z')
    race(dcs, [longer, created_at(OURS, '2024-11-06T10:00:00Z')])

    assert_kept_ours(run(present()), dcs)


def test_deleted_tasks_still_listed_do_not_count(run, dcs):
    gone = list_item(OTHER, NAME, status='DELETED', created_at='2020-01-01T00:00:00Z')
    race(dcs, [gone, created_at(OURS, '2024-11-06T10:00:00Z')])

    assert_kept_ours(run(present()), dcs)


def test_our_task_not_listed_yet_is_kept_rather_than_compared(run, dcs):
    race(dcs, [created_at(OTHER, '2020-01-01T00:00:00Z')])

    assert_kept_ours(run(present()), dcs)


def test_with_wait_the_run_that_gives_way_waits_for_the_kept_task(run, dcs, fake_clock):
    race(dcs, [created_at(OURS, '2024-11-06T10:00:01Z'), created_at(OTHER, '2024-11-06T10:00:00Z')])
    dcs.show_task(task_detail(OTHER, NAME, status='MIGRATING'))
    dcs.show_task(task_detail(OTHER, NAME, status='SUCCESS'))

    result = run(present(wait=True, wait_timeout=60))

    assert_gave_way_to(result, dcs, OTHER)
    assert result['migration_task']['status'] == 'SUCCESS'
    assert not dcs.calls('GET', '/migration-task/%s' % OURS)  # never waited for its own duplicate


def test_a_create_seen_late_is_reconciled_after_the_wait(run, dcs, fake_clock):
    """Right after the create only our task is listed; after the wait an earlier one shows: we give way then."""
    dcs.list_tasks()
    dcs.list_tasks(created_at(OURS, '2024-11-06T10:00:01Z'))
    dcs.list_tasks(created_at(OURS, '2024-11-06T10:00:01Z'), created_at(LATER, '2024-11-06T10:00:00Z'))
    dcs.instance('RUNNING')
    dcs.create(OURS, NAME)
    dcs.show_task(task_detail(OURS, NAME, status='SUCCESS'))
    dcs.show_task(task_detail(LATER, NAME, status='SUCCESS'))
    dcs.error('POST', '/migration-task/%s/stop' % OURS, 400, 'DCS.4957', 'Not allowed in the current state.')
    dcs.delete(OURS)

    result = run(present(wait=True, wait_timeout=60))

    assert_gave_way_to(result, dcs, LATER)


def test_the_kept_task_giving_way_itself_is_followed_to_the_earliest(run, dcs):
    race(dcs, [created_at(OURS, '2024-11-06T10:00:02Z'), created_at(LATER, '2024-11-06T10:00:01Z')])
    dcs.list_tasks(created_at(OURS, '2024-11-06T10:00:02Z'), created_at(OTHER, '2024-11-06T10:00:00Z'))
    dcs.mock.replace('GET', dcs.url('/migration-task/%s' % LATER), json=task_detail(LATER, NAME, status='DELETED'))

    result = run(present())

    assert_gave_way_to(result, dcs, OTHER)


def test_a_run_that_finds_several_follows_the_kept_one_when_it_goes_during_the_wait(run, dcs, fake_clock):
    """A late run lists two tasks (the racers are still reconciling), adopts the earlier; that one's run then
    gives way to an even earlier task that became visible late: the late run follows it."""
    dcs.list_tasks(created_at(LATER, '2024-11-06T10:00:02Z'), created_at(OURS, '2024-11-06T10:00:01Z'))
    dcs.list_tasks(created_at(LATER, '2024-11-06T10:00:02Z'), created_at(OTHER, '2024-11-06T10:00:00Z'))
    dcs.show_task(task_detail(OURS, NAME, status='MIGRATING'))
    dcs.error('GET', '/migration-task/%s' % OURS, 400, 'DCS.4133', 'The migration task does not exist.')
    dcs.show_task(task_detail(OTHER, NAME, status='SUCCESS'))

    result = run(present(wait=True, wait_timeout=60))

    assert not result.failed, result.get('msg')
    assert result['changed'] is False and result['task_id'] == OTHER
    assert [w for w in warnings_of(result) if w.startswith("2 migration tasks are named '%s'" % NAME) and OURS in w]
    assert not dcs.calls('POST') and not dcs.calls('DELETE')


def test_a_duplicate_whose_delete_is_refused_while_it_stops_is_deleted_once_stopped(run, dcs, fake_clock):
    race(dcs, [created_at(OURS, '2024-11-06T10:00:01Z'), created_at(OTHER, '2024-11-06T10:00:00Z')])
    dcs.mock.remove('DELETE', dcs.url('/migration-tasks/delete'))
    dcs.error('DELETE', '/migration-tasks/delete', 400, 'DCS.4957', 'Not allowed in the current state.')
    dcs.delete(OURS)
    dcs.mock.replace('GET', dcs.url('/migration-task/%s' % OURS), json=task_detail(OURS, NAME, status='TERMINATED'))

    result = run(present())

    assert_gave_way_to(result, dcs, OTHER)
    assert len(dcs.calls('DELETE')) == 2


def test_check_mode_creates_nothing_and_reconciles_nothing(run, dcs):
    race(dcs, [created_at(OTHER, '2020-01-01T00:00:00Z')])

    result = run(present(), check_mode=True)

    assert result['changed'] is True and not dcs.calls('POST') and not dcs.calls('DELETE')


# -- a create whose answer never came ------------------------------------------------------------

LOST = [requests.exceptions.ReadTimeout('Read timed out. (read timeout=60)'),
        requests.exceptions.ConnectionError('Connection aborted.', ConnectionResetError(104, 'reset by peer'))]


@pytest.mark.parametrize('error', LOST, ids=['read-timeout', 'dropped'])
def test_a_lost_create_answer_is_looked_up_and_the_task_adopted_when_it_appears(run, dcs, fake_clock, error):
    dcs.list_tasks()
    dcs.list_tasks()  # not there yet: the service carries the request out late
    dcs.list_tasks()
    dcs.list_tasks(created_at(OURS, '2024-11-06T10:00:00Z'))
    dcs.instance('RUNNING')
    dcs.add('POST', '/migration-task', body=error)
    dcs.show_task(task_detail(OURS, NAME, status='MIGRATING'))

    result = run(present(api_timeout=30))

    assert not result.failed, result.get('msg')
    assert result['changed'] is True and result['task_id'] == OURS
    assert len(dcs.calls('POST')) == 1  # never re-sent


@pytest.mark.parametrize('error', LOST, ids=['read-timeout', 'dropped'])
def test_a_lost_create_answer_without_a_task_fails_saying_the_outcome_is_unknown(run, dcs, fake_clock, error):
    dcs.list_tasks()
    dcs.instance('RUNNING')
    dcs.add('POST', '/migration-task', body=error)

    result = run(present(api_timeout=30, retries=5))

    assert result.failed
    assert len(dcs.calls('POST')) == 1
    assert result['msg'].startswith("Failed to create migration task '%s': connection error" % NAME)
    assert ("no migration task named '%s' appeared within 30 s (api_timeout): whether it was created is unknown. "
            "Running the same task again is safe" % NAME) in result['msg']
    assert 'changed' not in result or result['changed'] is False
    assert 29 <= sum(fake_clock.sleeps) <= 31  # the settle window, api_timeout long
    assert len(dcs.calls('GET', '/migration-tasks')) > 3


@pytest.mark.parametrize('error', LOST, ids=['read-timeout', 'dropped'])
def test_a_lost_delete_answer_is_done_when_the_task_leaves_the_list_in_the_settle_window(run, dcs, fake_clock, error):
    dcs.list_tasks(list_item(OURS, NAME))
    dcs.list_tasks(list_item(OURS, NAME))  # the service carries the delete out late
    dcs.list_tasks()
    dcs.add('DELETE', '/migration-tasks/delete', body=error)

    result = run(dict(task_name=NAME, state='absent', api_timeout=30, retries=0))

    assert not result.failed, result.get('msg')
    assert result['changed'] is True and result['task_ids'] == [OURS]
    assert len(dcs.calls('DELETE')) == 1


def test_a_lost_delete_answer_fails_when_the_task_stays_listed(run, dcs, fake_clock):
    dcs.list_tasks(list_item(OURS, NAME))
    dcs.add('DELETE', '/migration-tasks/delete', body=LOST[0])

    result = run(dict(task_name=NAME, state='absent', api_timeout=30, retries=0))

    assert result.failed and result['msg'].startswith('Failed to delete migration tasks %s: connection error' % OURS)
    assert 29 <= sum(fake_clock.sleeps) <= 31  # looked for the settle window, api_timeout long
    assert len(dcs.calls('DELETE')) == 1


def test_lookups_that_fail_during_the_settle_window_are_named(run, dcs, fake_clock):
    dcs.list_tasks()
    dcs.error('GET', '/migration-tasks', 503, 'DCS.5000', 'Service unavailable.')
    dcs.instance('RUNNING')
    dcs.add('POST', '/migration-task', body=LOST[0])

    result = run(present(api_timeout=10, retries=0))

    assert result.failed and len(dcs.calls('POST')) == 1
    assert 'whether it was created is unknown' in result['msg']
    assert 'while looking it up, the API did not answer for' in result['msg'] and 'DCS.5000' in result['msg']


def test_a_refused_connection_sent_nothing_so_the_create_is_sent_again(run, dcs):
    refused = requests.exceptions.ConnectionError(MaxRetryError(None, '/v2/migration-task', reason=NewConnectionError(
        None, 'Failed to establish a new connection: [Errno 111] Connection refused')))
    dcs.list_tasks()
    dcs.list_tasks()  # the look-up before the second attempt
    dcs.list_tasks(created_at(OURS, '2024-11-06T10:00:00Z'))
    dcs.instance('RUNNING')
    dcs.add('POST', '/migration-task', body=refused)
    dcs.create(OURS, NAME)
    dcs.show_task(task_detail(OURS, NAME, status='MIGRATING'))

    result = run(present())

    assert not result.failed, result.get('msg')
    assert result['changed'] is True and len(dcs.calls('POST')) == 2


# -- waits outlast outages -----------------------------------------------------------------------

def outage_then(dcs, task_id, failures, final='SUCCESS'):
    dcs.show_task(task_detail(task_id, NAME, status='MIGRATING'))
    for _failure in range(failures):
        dcs.add('GET', '/migration-task/%s' % task_id, body=requests.exceptions.ConnectionError('Connection refused'))
    dcs.show_task(task_detail(task_id, NAME, status=final))


@pytest.mark.parametrize('retries', [0, 3])
def test_a_wait_goes_on_through_an_outage_and_warns_about_it(run, dcs, fake_clock, retries):
    dcs.list_tasks()
    dcs.list_tasks(created_at(OURS, '2024-11-06T10:00:00Z'))
    dcs.instance('RUNNING')
    dcs.create(OURS, NAME)
    outage_then(dcs, OURS, failures=12 * (retries + 1))

    result = run(present(wait=True, wait_timeout=600, retries=retries))

    assert not result.failed, result.get('msg')
    assert result['changed'] is True and result['migration_task']['status'] == 'SUCCESS'
    warning = [w for w in warnings_of(result) if 'did not answer' in w]
    assert len(warning) == 1 and '12 failed polls' in warning[0] and 'Connection refused' in warning[0]
    assert warning[0].startswith("While waiting for migration task '%s' (%s) to finish, the API did not answer for "
                                 % (NAME, OURS))


def test_an_outage_that_outlasts_the_wait_is_named_in_the_timeout(run, dcs, fake_clock):
    dcs.list_tasks(list_item(OURS, NAME, status='MIGRATING'))
    outage_then(dcs, OURS, failures=1000)

    result = run(present(wait=True, wait_timeout=120, retries=0))

    assert result.failed and result['changed'] is False and result['task_id'] == OURS
    assert result['msg'].startswith("Timed out after 120 s (wait_timeout) waiting for migration task '%s' (%s) to "
                                    "finish; last status: MIGRATING; the API did not answer for " % (NAME, OURS))
    assert 'failed polls; last error: Failed to show migration task %s: connection error' % OURS in result['msg']


def test_a_refusal_during_a_wait_still_fails_at_once(run, dcs, fake_clock):
    dcs.list_tasks(list_item(OURS, NAME, status='MIGRATING'))
    dcs.show_task(task_detail(OURS, NAME, status='MIGRATING'))
    dcs.error('GET', '/migration-task/%s' % OURS, 403, 'DCS.2003', 'The request is rejected.')

    result = run(present(wait=True, wait_timeout=600))

    assert result.failed and result['error_code'] == 'DCS.2003'
    assert len(dcs.calls('GET', '/migration-task/%s' % OURS)) == 2


def test_absent_waits_through_an_outage(run, dcs, fake_clock):
    dcs.list_tasks(list_item(OURS, NAME))
    dcs.delete(OURS)
    dcs.error('GET', '/migration-tasks', 502, 'APIGW.0502', 'Bad gateway.')
    dcs.list_tasks()

    result = run(dict(task_name=NAME, state='absent', retries=0, wait_timeout=60))

    assert not result.failed, result.get('msg')
    assert result['changed'] is True and result['task_ids'] == [OURS]
    assert [w for w in warnings_of(result) if 'to disappear from the list, the API did not answer' in w]


# -- inputs that are refused rather than ignored ---------------------------------------------------

@pytest.mark.parametrize('backup, message', [
    (dict(file_source='backup_record', backup_id='b-1', bucket_name='redis-backups'),
     'backup_files.bucket_name is not used with backup_files.file_source=backup_record (the backup record holds its '
     'files): remove it'),
    (dict(file_source='backup_record', backup_id='b-1', bucket_name='redis-backups', files=[dict(file_name='a.rdb')]),
     'backup_files.bucket_name and backup_files.files are not used with backup_files.file_source=backup_record (the '
     'backup record holds its files): remove them'),
    (dict(file_source='self_build_obs', backup_id='b-1', bucket_name='redis-backups', files=[dict(file_name='a.rdb')]),
     'backup_files.backup_id is not used with backup_files.file_source=self_build_obs (the files come from '
     'backup_files.bucket_name): remove it, or set file_source=backup_record'),
])
def test_options_of_the_other_file_source_are_refused(run, dcs, backup, message):
    result = run(present(backup_files=backup))

    assert result.failed and result['msg'] == message
    assert dcs.calls() == []


@pytest.mark.parametrize('group', ['target_instance', 'source_instance'])
def test_a_database_number_is_refused_for_backup_imports(run, dcs, group):
    args = present()
    args[group] = dict(args.get(group) or {}, id=INSTANCE_ID, db='3')

    result = run(args)

    assert result.failed and result['msg'] == ('%s.db is refused for backup imports: a backup restores each '
                                               'database into the database of the same number' % group)
    assert dcs.calls() == []


@pytest.mark.parametrize('state, verb', [('absent', 'delete'), ('stopped', 'stop')])
@pytest.mark.parametrize('listed, explained', [
    ([list_item(OTHER, 'another-task')],
     "the task with ID '%s' is named 'another-task', and no task is named '%s'" % (OTHER, NAME)),
    ([list_item(LATER, NAME)], "no task has ID '%s', and '%s' is the name of %s" % (OTHER, NAME, LATER)),
    ([list_item(OTHER, 'another-task'), list_item(LATER, NAME)],
     "the task with ID '%s' is named 'another-task', and '%s' is the name of %s" % (OTHER, NAME, LATER)),
])
def test_absent_and_stopped_both_refuse_a_name_and_an_id_of_different_tasks(run, dcs, state, verb, listed, explained):
    dcs.list_tasks(*listed)

    result = run(dict(task_name=NAME, task_id=OTHER, state=state))

    assert result.failed
    assert result['msg'] == ("task_name '%s' and task_id '%s' do not name the same migration task: %s; set only one "
                             "of them, or both of the same task" % (NAME, OTHER, explained))
    assert not dcs.calls('DELETE') and not dcs.calls('POST')


def test_absent_with_a_name_and_an_id_of_no_task_is_already_done(run, dcs):
    dcs.list_tasks()

    result = run(dict(task_name=NAME, task_id=OTHER, state='absent'))

    assert not result.failed and result['changed'] is False and result['task_ids'] == []


def test_absent_with_a_matching_name_and_id_deletes_that_task(run, dcs):
    dcs.list_tasks(list_item(OTHER, NAME), list_item(LATER, NAME))
    dcs.delete(OTHER)

    result = run(dict(task_name=NAME, task_id=OTHER, state='absent', wait=False))

    assert result['changed'] is True and result['task_ids'] == [OTHER]
    assert dcs.request_body(method='DELETE') == {'task_id_list': [OTHER]}
