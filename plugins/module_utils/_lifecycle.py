# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lifecycle of a DCS task, written once for every kind of task (internal: no compatibility promise).

A TaskKind declares what differs between kinds of tasks (statuses, error codes, the create call
and an optional configure call, how a wanted request compares with a shown task, how a task is
scrubbed). A TaskLifecycle runs a kind against the API: it finds tasks by name or ID (the list
call is the truth), creates, adopts an existing task, waits, stops and deletes, and shapes the
result, check mode and diff included. A module builds the request and picks the state; it never
decides on its own whether a task exists, has failed or must be waited for.

Exactly one task per name, whatever happens:
- concurrent creates converge: after its create, a run lists the name again and, when several
  tasks carry it, every run keeps the same survivor (creation_order(): earliest created_at, then
  smallest ID); the others stop and delete the task they created and adopt the survivor
  (TaskLifecycle.create(), give_way()); a run that waits looks once more after its wait. A run
  decides only once every task that can come before its own is listed: created_at shows whole
  seconds (or minutes) in some of the API's forms, so tasks created within that tick show the same
  time and the ID decides between them; the run lists again after the tick has passed since its
  create was answered, plus CREATE_SETTLE_SECONDS (settled_tasks_named());
- a create whose answer was lost is never re-sent: the name is looked up for the settle window
  (api_timeout), and the task adopted if it appears (find_lost_create());
- waits outlast API outages: every wait polls through waiters.wait_for(), which retries transient
  failures until wait_timeout and reports the outage as a warning.
A kind with a second call after the create (online migration) declares TaskKind.configure().
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from contextlib import contextmanager

from ansible_collections.hwcloud.dcs.plugins.module_utils import _service as service
from ansible_collections.hwcloud.dcs.plugins.module_utils import clock
from ansible_collections.hwcloud.dcs.plugins.module_utils.errors import DcsApiError, DcsError, answer_lost
from ansible_collections.hwcloud.dcs.plugins.module_utils.migration_tasks import MigrationTasks, scrub
from ansible_collections.hwcloud.dcs.plugins.module_utils.retries import is_transient
from ansible_collections.hwcloud.dcs.plugins.module_utils.waiters import Outages, WaitTimeoutError, wait_for

# A create whose answer was lost is looked up by name for this long, in seconds (the module's api_timeout).
DEFAULT_SETTLE_WINDOW = 60
# How often a run gives way again when the task it adopted was itself removed by its creator.
ADOPT_ATTEMPTS = 3
# After the created_at tick of its new task has passed, a run waits this much longer before it compares the task
# with the others of its name: a create the service timestamped before ours may be listed a little after it.
CREATE_SETTLE_SECONDS = 1.0
# A run that finds tasks of its name waits the same way before it adopts one when the earliest of them may still be
# racing: created less than this long ago by the client's clock (which the API's signatures keep within 15 minutes
# of the service's), or at an unknown time.
RACE_WINDOW_SECONDS = 15 * 60 + 60
# Ticks shorter than this (times shown to the millisecond) cannot hold two creates of one name in practice: a run
# compares at once, and waits out the tick only for the whole-second and whole-minute forms.
WHOLE_SECOND = 1.0
# How long to wait for a duplicate to stop when the service refuses to delete it while it stops (no wait_timeout).
DUPLICATE_STOP_TIMEOUT = 120
# An error message the caller has not read from the list yet (None is the list's "no error message").
UNKNOWN = object()


class TaskKind(object):
    """One kind of DCS task. The defaults are the migration-task family's; a kind overrides what differs."""

    noun = 'migration task'  # names the task in messages
    result_key = 'migration_task'  # the result key that holds the task
    succeeded = service.SUCCEEDED
    final = service.FINAL  # the task will not change any more on its own
    steady = ()  # still running, but what the user waits for (an incremental migration that replicates)
    running = service.RUNNING  # can be stopped
    stopping = service.STOPPING
    stopped = service.STOPPED
    not_found_codes = (service.TASK_NOT_FOUND,)
    already_finished_codes = service.STOP_REFUSED_AS_FINISHED
    # A delete refused because of the task's state (a duplicate still stopping): the same codes.
    state_refusal_codes = service.STOP_REFUSED_AS_FINISHED
    # What state=present suggests when a task of that name ended in a failure.
    failed_task_hint = 'set retry_failed=true to delete it and create it again'

    @property
    def plural(self):
        return self.noun + 's'

    def is_done(self, task):
        return task.get('status') in self.final

    def is_steady(self, task):
        return task.get('status') in self.steady

    def is_settled(self, task):
        """What a wait for the task to finish waits for."""
        return self.is_done(task) or self.is_steady(task)

    def is_successful(self, task):
        return task.get('status') in self.succeeded or self.is_steady(task)

    def has_failed(self, task, error_message):
        """error_message: the list call's (the show call has none)."""
        return service.ended_in_failure(task.get('status'), error_message)

    def is_gone(self, task):
        return task.get('status') == service.GONE

    def has_outcome(self, task):
        """Finished and still there: whether it succeeded or failed is decided (a deleted task has no outcome)."""
        return self.is_done(task) and not self.is_gone(task)

    def is_running(self, task):
        return task.get('status') in self.running

    def is_stopping(self, task):
        return task.get('status') in self.stopping

    def is_missing(self, error):
        """True if a DcsApiError about one task says that the task does not exist (any more)."""
        return service.has_error_code(error, self.not_found_codes)

    def has_finished_already(self, error):
        """True if a refused stop says that the task is no longer running."""
        return service.has_error_code(error, self.already_finished_codes)

    def is_refused_in_this_state(self, error):
        """True if a refused call says that the task's state does not allow it (yet)."""
        return service.has_error_code(error, self.state_refusal_codes)

    def scrubbed(self, value):
        return scrub(value)

    # -- what every kind writes ---------------------------------------------------------------

    def check_before_create(self, calls, request):
        """Raise DcsError if the service would refuse the request (read calls only)."""

    def create(self, calls, request, ignore_ids):
        """The create call; returns {'id': ..., ...}. ignore_ids: tasks of that name that are not ours."""
        raise NotImplementedError

    def configure(self, calls, task_id, request):
        """The call that follows the create, for kinds that have one; nothing by default."""

    def differences(self, wanted, shown):
        """(differing, unshown): dotted names of the options in which the request differs from the task the
        show call shows, and of those the show call does not show (they cannot be compared, never "same")."""
        raise NotImplementedError

    # -- what a kind may write ----------------------------------------------------------------

    def changes_in_place(self, wanted, shown):
        """{option: wanted value} that update() changes on the existing task `shown` so that it matches the
        request; the other differences are refused. None by default: a task is never changed."""
        return {}

    def update(self, calls, task_id, request, changes):
        """Change the existing task in place (changes: what changes_in_place() returned). False if the task
        needed no change after all (another run made it meanwhile): the run reports no change."""
        raise NotImplementedError

    def stop_before_delete(self, calls, tasks):
        """Stop the listed tasks that must be stopped before the delete call; returns the IDs it stopped."""
        return []


class TaskGone(Exception):
    """The task left between the list call and a call about it."""


def creation_order(task):
    """The reconcile rule's key, the same for every run: earliest created_at (any of the API's formats, an
    unknown time last), then the smallest ID."""
    created = service.instant(task.get('created_at'))
    return (created is None, created or 0.0, str(task.get('task_id') or ''))


def survivor_of(tasks):
    """The task that concurrent creates of one name keep."""
    return min(tasks, key=creation_order)


def without_unset(value):
    """Drop None values at any depth: options the user did not set are neither sent nor compared."""
    if isinstance(value, dict):
        return dict((k, without_unset(v)) for k, v in value.items() if v is not None)
    if isinstance(value, list):
        return [without_unset(item) for item in value]
    return value


def listed_and_shown(listed, shown):
    """The list entry with the show call's values on top (None never hides a listed value)."""
    task = dict(listed)
    task.update((key, value) for key, value in shown.items() if value is not None)
    return task


@contextmanager
def reporting_change(changed, **facts):
    """A failure after a change still reports the change (changed=true) and which task(s) it touched."""
    try:
        yield
    except DcsError as error:
        if changed:
            error.extra.setdefault('changed', True)
            for key, value in facts.items():
                error.extra.setdefault(key, value)
        raise


class TaskLifecycle(object):
    """Finds, creates, adopts, waits for, stops and deletes tasks of one kind; shapes the results."""

    def __init__(self, kind, calls, wait_timeout=None, check_mode=False, diff_mode=False,
                 settle_window=DEFAULT_SETTLE_WINDOW):
        """calls: a MigrationTasks; wait_timeout: how long to wait for tasks, in seconds, or None not to wait;
        settle_window: how long to look for a task whose create answer was lost, in seconds."""
        self.kind, self.calls = kind, calls
        self.wait_timeout = wait_timeout
        self.check_mode, self.diff_mode = check_mode, diff_mode
        self.settle_window = settle_window
        self.outages = Outages()  # of every wait of this run
        self.warnings = []

    @classmethod
    def for_module(cls, kind, module):
        """The lifecycle of a DcsModule: its API, wait options (if it has them), check mode and diff mode."""
        wait_timeout = module.params['wait_timeout'] if module.params.get('wait') else None
        return cls(kind, MigrationTasks(module.api), wait_timeout, module.check_mode, module.diff_mode,
                   settle_window=module.params.get('api_timeout') or DEFAULT_SETTLE_WINDOW)

    @property
    def wait(self):
        return self.wait_timeout is not None

    # -- finding -----------------------------------------------------------------------------

    def find(self, name=None, task_id=None):
        """Tasks with exactly this name and/or ID, as the list call shows them (the list is the truth)."""
        return self.calls.find(name=name, task_id=task_id)

    def find_one(self, name, task_id, action):
        """The one task that `action` (a verb) applies to; fails if there is none or the name is ambiguous."""
        found = self.find(name=name, task_id=task_id)
        which = ' and '.join(part for part in ("named '%s'" % name if name else '',
                                               "with ID '%s'" % task_id if task_id else '') if part)
        if not found:
            raise DcsError('no %s %s exists (the list call does not show one): nothing to %s'
                           % (self.kind.noun, which, action))
        if len(found) > 1:
            raise DcsError('%d %s are %s (%s): set task_id to say which one to %s'
                           % (len(found), self.kind.plural, which, ', '.join(task['task_id'] for task in found), action))
        return found[0]

    def ask_about_listed(self, call, task_id, *args):
        """call(task_id, *args) about a listed task; TaskGone if the task was deleted meanwhile."""
        try:
            return call(task_id, *args)
        except DcsApiError as error:
            if self.kind.is_missing(error):
                raise TaskGone()
            raise

    def detail(self, listed):
        """The listed task with the show call's details; TaskGone if it was deleted meanwhile."""
        shown = self.ask_about_listed(self.calls.show, listed['task_id'])
        if self.kind.is_gone(shown):
            raise TaskGone()
        return listed_and_shown(listed, shown)

    # -- state=present -------------------------------------------------------------------------

    def ensure_present(self, request, replace_failed):
        """The task named request['task_name'] exists with this request: adopted, created, or replaced if failed."""
        with self.reporting_warnings():
            return self.with_warnings(self._ensure_present(request, replace_failed))

    def _ensure_present(self, request, replace_failed):
        name = request['task_name']
        found = self.settled(name, self.find(name=name))
        if not found:
            return self.create(request)
        listed = found[0] if len(found) == 1 else self.earliest_of_several(name, found)
        if self.kind.has_failed(listed, listed.get('error_message')):
            if replace_failed:
                return self.create(request, replacing=listed)
            raise DcsError("%s '%s' (%s) already exists and ended %s: %s; %s"
                           % (self.kind.noun, name, listed['task_id'], listed['status'],
                              listed.get('error_message') or 'no error message', self.kind.failed_task_hint),
                           task_id=listed['task_id'], error_message=listed.get('error_message'),
                           **{self.kind.result_key: self.calls.show(listed['task_id'])})
        if len(found) == 1:
            return self.adopt(listed, request)
        return self.adopt_survivor(listed, request, ())[0]

    def settled(self, name, found):
        """The tasks of this name a run that did not create one may adopt from: listed again after the created_at
        tick of the earliest listed task (plus CREATE_SETTLE_SECONDS) when that task may still be racing, so that
        a concurrent create in the same tick (the same time shown, a smaller ID) is seen (settled_tasks_named())."""
        live = [task for task in found if not self.kind.is_gone(task)]
        if not live:
            return found
        created = survivor_of(live).get('created_at')
        if service.time_resolution(created) < WHOLE_SECOND:
            return found  # times shown to the millisecond: a create that comes later shows a later time
        moment = service.instant(created)
        if moment is not None and abs(clock.wall() - moment) >= RACE_WINDOW_SECONDS:
            return found
        clock.sleep(service.time_resolution(created) + CREATE_SETTLE_SECONDS)
        return self.find(name=name)

    def earliest_of_several(self, name, found):
        """Several tasks carry the name (concurrent runs created them, and are removing all but one): the one
        every run keeps."""
        survivor = survivor_of([task for task in found if not self.kind.is_gone(task)] or found)
        self.warnings.append("%d %s are named '%s' (%s): this run adopted %s, created first, as every run does; the "
                             "runs that created the others remove them (remove any that stay with state=absent and "
                             "task_id)" % (len(found), self.kind.plural, name,
                                           ', '.join(task['task_id'] for task in found), survivor['task_id']))
        return survivor

    def adopt(self, listed, request, gone_is_news=False):
        """A task with this name exists: it must have been made from the same request; wait for it if asked.

        gone_is_news: raise TaskGone if the task was deleted meanwhile (a survivor that gave way itself).
        """
        task_id = listed['task_id']
        task = self.ask_about_listed(self.calls.show, task_id) if gone_is_news else self.calls.show(task_id)
        if gone_is_news and self.kind.is_gone(task):
            raise TaskGone()
        # A task listed as finished has its outcome in the list already (the error message is the list's).
        listed_outcome = listed.get('error_message') if self.kind.is_done(listed) else UNKNOWN
        differences, unshown = self.kind.differences(request, task)
        if unshown:
            self.warnings.append("%s '%s' (%s): the show call does not show %s, so %s not compared with the task: "
                                 "the task may differ there" % (self.kind.noun, task.get('task_name'), task_id,
                                                                ', '.join(unshown),
                                                                'it was' if len(unshown) == 1 else 'they were'))
        changes = self.kind.changes_in_place(request, task)
        differences = [name for name in differences if name.split('.')[0] not in changes]
        if differences:
            raise DcsError("%s '%s' (%s) already exists with a different request: %s differ%s (passwords are not "
                           "compared); choose another task_name, or remove the task first with state=absent"
                           % (self.kind.noun, task.get('task_name'), task_id, ', '.join(differences),
                              's' if len(differences) == 1 else ''),
                           task_id=task_id, **{self.kind.result_key: task})
        if changes:
            return self.change_in_place(task_id, task, request, changes)
        waits = self.wait and not self.check_mode
        if waits:
            try:
                task = self.wait_for_settled(request['task_name'], task_id, task, changed=False)
            except DcsApiError as error:
                if gone_is_news and self.kind.is_missing(error):
                    raise TaskGone()
                raise
            if gone_is_news and self.kind.is_gone(task):
                raise TaskGone()
        # Without a wait too: a task that finished between the list and the show and failed fails the run, as a task
        # listed as failed does, so an adopted task with an outcome that is reported without failure has succeeded.
        if waits or self.kind.has_outcome(task):
            self.check_outcome(request['task_name'], task_id, task, changed=False, error_message=listed_outcome)
        return self.result(False, task.get('task_id') or task_id, task, before=task, after=task)

    def change_in_place(self, task_id, task, request, changes):
        """Bring an existing task in line with the request through the kind's update(); wait for it if asked."""
        if self.check_mode:
            predicted = listed_and_shown(task, self.kind.scrubbed(changes))
            return self.result(True, task_id, task, before=task, after=predicted)
        with reporting_change(True, task_id=task_id):
            changed = self.kind.update(self.calls, task_id, request, changes) is not False
        with reporting_change(changed, task_id=task_id):
            if self.wait:
                changed_task = self.wait_until_settled(request['task_name'], task_id, None, changed=changed)
            else:
                changed_task = self.calls.show(task_id)
        return self.result(changed, task_id, changed_task, before=task, after=changed_task)

    def create(self, request, replacing=None):
        """Create the task (after deleting `replacing`, a failed task of that name); wait for it if asked.

        Concurrent runs that create the same name converge on one task (see earlier_task() and give_way()).
        """
        self.kind.check_before_create(self.calls, request)
        before = replacing or {}
        if self.check_mode:
            return self.result(True, None, {}, before=before, after=self.kind.scrubbed(request))
        old_ids = [replacing['task_id']] if replacing else []
        if old_ids:
            self.delete(old_ids)
        name = request['task_name']
        task_id = self.send_create(request, old_ids)
        answered = clock.now()
        with reporting_change(True, task_id=task_id):
            survivor = self.earlier_task(name, task_id, old_ids, created_before=answered)
            if survivor is not None:
                return self.give_way(task_id, survivor, request, old_ids, before)
            self.kind.configure(self.calls, task_id, request)
            if not self.wait:
                task = self.calls.show(task_id)
                return self.result(True, task_id, task, before=before, after=task)
            task = self.wait_for_settled(name, task_id, None, changed=True)
            # A concurrent create may become visible only late: look once more before the outcome counts.
            survivor = self.earlier_task(name, task_id, old_ids)
            if survivor is not None:
                return self.give_way(task_id, survivor, request, old_ids, before)
            self.check_outcome(name, task_id, task, changed=True)
        return self.result(True, task_id, task, before=before, after=task)

    # -- exactly one task per name -------------------------------------------------------------

    def send_create(self, request, ignore_ids):
        """The ID of the task the create call made; if its answer was lost, of the task that appears instead."""
        try:
            return self.kind.create(self.calls, request, ignore_ids).get('id')
        except DcsApiError as error:
            if not answer_lost(error):
                raise
            return self.find_lost_create(request['task_name'], ignore_ids, error)

    def live_tasks_named(self, name, ignore_ids):
        return [task for task in self.find(name=name)
                if task.get('task_id') not in ignore_ids and not self.kind.is_gone(task)]

    def find_lost_create(self, name, ignore_ids, error):
        """The create's answer was lost, so the service may still carry it out: never re-send it. Look the
        name up for the settle window (api_timeout); the task that appears is adopted as the one created."""
        lookups = Outages()
        try:
            found = wait_for(fetch=lambda: self.live_tasks_named(name, ignore_ids), is_final=bool,
                             timeout=self.settle_window, what="%s '%s' to appear" % (self.kind.noun, name),
                             status_of=lambda tasks: 'not listed', outages=lookups)
        except WaitTimeoutError:
            raise DcsError(
                "%s; no %s named '%s' appeared within %s s (api_timeout)%s: whether it was created is unknown. "
                "Running the same task again is safe: it adopts the task if the service created it, or creates it"
                % (error.msg, self.kind.noun, name, self.settle_window,
                   ' while looking it up, %s' % lookups.describe() if lookups.ongoing else ''),
                **error.extra)
        self.warnings.extend(lookups.warnings)
        return survivor_of(found)['task_id']

    def earlier_task(self, name, task_id, ignore_ids, created_before=None):
        """The task that concurrent creates of this name keep, if it is not ours (task_id); else None.

        created_before: clock.now() when the create of our task was answered; the tasks are then compared once
        every task that can come before ours is listed (settled_tasks_named()).
        Our task must be listed to be compared: if the list does not show it yet, it is kept.
        """
        if created_before is None:
            listed = self.live_tasks_named(name, ignore_ids)
        else:
            listed = self.settled_tasks_named(name, task_id, ignore_ids, created_before)
        if task_id not in [task.get('task_id') for task in listed]:
            return None
        survivor = survivor_of(listed)
        return None if survivor.get('task_id') == task_id else survivor

    def settled_tasks_named(self, name, task_id, ignore_ids, created_before):
        """The tasks named `name`, listed once every task that comes before ours in creation_order() is listed.

        Such a task was created before ours was answered (`created_before`), or within the same created_at tick
        (a second for '2019/10/22 14:44:30', a minute for '202404011057'): it shows the same time and may have the
        smaller ID. So the list is read again after one tick plus CREATE_SETTLE_SECONDS has passed since the
        answer (the service's clock has moved on as much). Every run then sees the same earliest task, whenever
        it looked and however the list shows times. A tick of a second is assumed until the list shows our task's
        created_at in a coarser form: one list call in the usual case.
        """
        listed = self.listed_through_outages(name, ignore_ids)
        # The first list already shows the form of our task's time (a second assumed while it is not shown), so a
        # whole-minute form is waited out at once, not after a second's wait and another list.
        tick = self._shown_tick(listed, task_id)
        if tick < WHOLE_SECOND:
            # Times shown to the millisecond: a task created after ours shows a later time and gives way to ours,
            # one created before ours was listed before our create was answered; nothing to wait for.
            return listed
        while True:
            clock.sleep(max(0.0, created_before + tick + CREATE_SETTLE_SECONDS - clock.now()))
            listed = self.listed_through_outages(name, ignore_ids)
            shown_tick = self._shown_tick(listed, task_id)
            if shown_tick <= tick:
                return listed
            tick = shown_tick

    @staticmethod
    def _shown_tick(listed, task_id):
        """The created_at tick of the form the list shows our task's time in (a second while it is not listed)."""
        ours = [task for task in listed if task.get('task_id') == task_id]
        return service.time_resolution(ours[0].get('created_at') if ours else None)

    def listed_through_outages(self, name, ignore_ids):
        """live_tasks_named(), tried again through an API outage (a transient failure) like a wait's polls, until
        wait_timeout (or the settle window): the task is created, so the run must not fail on a short blip."""
        try:
            return self.live_tasks_named(name, ignore_ids)
        except DcsApiError as error:
            if not is_transient(error):
                raise
            self.outages.failed(error)
        return wait_for(fetch=lambda: self.live_tasks_named(name, ignore_ids), is_final=lambda listed: True,
                        timeout=self.wait_timeout or self.settle_window,
                        what="the %s named '%s' to be listed" % (self.kind.plural, name),
                        status_of=lambda listed: 'not listed', outages=self.outages)

    def give_way(self, own_id, survivor, request, ignore_ids, before):
        """Another run created this name first: remove our duplicate and adopt its task (wait for it if asked)."""
        name = request['task_name']
        self.remove_duplicate(own_id)
        result, survivor = self.adopt_survivor(survivor, request, list(ignore_ids) + [own_id])
        self.warnings.append("another run created %s '%s' at the same time: this run created %s, then stopped "
                             "and deleted it, and adopted %s, created first (every run keeps the same one)"
                             % (self.kind.noun, name, own_id, survivor['task_id']))
        result['duplicate_task_ids'] = [own_id]
        if self.diff_mode:
            result['diff'] = dict(before=before, after=result[self.kind.result_key])
        return result

    def adopt_survivor(self, survivor, request, ignore_ids):
        """(result, survivor) of adopting the task concurrent creates keep. If its own run gave way to a task
        created even earlier (and removed it), follow to that one."""
        name = request['task_name']
        attempts = 0
        while True:
            try:
                return self.adopt(survivor, request, gone_is_news=True), survivor
            except TaskGone:
                attempts += 1
                others = self.live_tasks_named(name, ignore_ids)
                if not others or attempts >= ADOPT_ATTEMPTS:
                    raise DcsError("%s '%s' (%s), the one kept among concurrent creates, was removed, and no other "
                                   "task has that name: run the task again to create it"
                                   % (self.kind.noun, name, survivor['task_id']))
                survivor = survivor_of(others)

    def remove_duplicate(self, task_id):
        """Stop and delete a task this run created as a duplicate. A service that refuses to delete a task
        that is still stopping gets the delete again once the task has stopped."""
        try:
            self.calls.stop(task_id)
        except DcsApiError as error:
            if not (self.kind.has_finished_already(error) or self.kind.is_missing(error)):
                raise
        try:
            self.delete([task_id])
        except DcsApiError as error:
            if not self.kind.is_refused_in_this_state(error):
                raise
            self.wait_for_task(task_id, None, True, until=self.kind.is_done,
                               what='duplicate %s %s to stop' % (self.kind.noun, task_id),
                               timeout=self.wait_timeout or DUPLICATE_STOP_TIMEOUT)
            self.delete([task_id])

    # -- waiting -----------------------------------------------------------------------------

    def wait_for_task(self, task_id, task, changed, until, what, timeout=None):
        """Poll the task until until(task); task, if given, is already fetched. Times out after wait_timeout."""
        return wait_for(
            fetch=lambda: self.calls.show(task_id),
            is_final=until,
            timeout=timeout or self.wait_timeout,
            what=what,
            status_of=lambda current: (current or {}).get('status', 'unknown'),
            failure_extra=lambda current: {'changed': changed, 'task_id': task_id,
                                           self.kind.result_key: current or {}},
            current=task,
            outages=self.outages,
        )

    def wait_until_settled(self, name, task_id, task, changed):
        """Wait until the task finished (or is steady); a task that ended in a failure fails the module."""
        task = self.wait_for_settled(name, task_id, task, changed)
        self.check_outcome(name, task_id, task, changed)
        return task

    def wait_for_settled(self, name, task_id, task, changed):
        return self.wait_for_task(task_id, task, changed, until=self.kind.is_settled,
                                  what="%s '%s' (%s) to finish" % (self.kind.noun, name, task_id))

    def check_outcome(self, name, task_id, task, changed, error_message=UNKNOWN):
        """Fail if the settled task ended in a failure (with its error message and last log lines).

        error_message: the list's, if the caller has it for the task as it ended; else the list is read."""
        if self.kind.is_successful(task):
            return
        if error_message is UNKNOWN:
            listed = self.find(name=name, task_id=task_id)
            error_message = listed[0].get('error_message') if listed else None
        gone = self.kind.is_gone(task)
        if not gone and not self.kind.has_failed(task, error_message):
            return
        log_lines = [] if gone else self.calls.last_log_lines(task_id)
        raise DcsError("%s '%s' (%s) ended %s: %s%s" % (
            self.kind.noun, name, task_id, task.get('status'), error_message or 'no error message',
            ('; last log lines: ' + ' | '.join(log_lines)) if log_lines else ''),
            changed=changed, task_id=task_id, error_message=error_message, log_lines=log_lines,
            **{self.kind.result_key: task})

    # -- name and ID together ------------------------------------------------------------------

    def check_same_task(self, name, task_id):
        """With both task_name and task_id, both must name the same task (or no task exists with either)."""
        if not (name and task_id):
            return
        named = self.find(name=name)
        if any(task.get('task_id') == task_id for task in named):
            return
        with_id = self.find(task_id=task_id)
        if not named and not with_id:
            return
        raise DcsError("task_name '%s' and task_id '%s' do not name the same %s: %s, and %s; set only one of "
                       "them, or both of the same task" % (
                           name, task_id, self.kind.noun,
                           ("the task with ID '%s' is named '%s'" % (task_id, with_id[0].get('task_name'))
                            if with_id else "no task has ID '%s'" % task_id),
                           ("'%s' is the name of %s" % (name, ', '.join(task['task_id'] for task in named))
                            if named else "no task is named '%s'" % name)))

    # -- state=absent --------------------------------------------------------------------------

    def ensure_absent(self, name, task_id):
        """Delete every task with this name and/or ID; with wait, until the list no longer shows them."""
        with self.reporting_warnings():
            return self.with_warnings(self._ensure_absent(name, task_id))

    def _ensure_absent(self, name, task_id):
        self.check_same_task(name, task_id)
        found = self.find(name=name, task_id=task_id)
        ids = [task['task_id'] for task in found]
        single = found[0] if len(found) == 1 else {}
        result = self.result(bool(found), single.get('task_id'), single,
                             before=dict((task['task_id'], task) for task in found), after={})
        result['task_ids'] = ids
        if not found or self.check_mode:
            return result
        stopped = self.kind.stop_before_delete(self.calls, found)
        with reporting_change(bool(stopped), task_ids=ids):
            self.delete(ids)
        if self.wait:
            with reporting_change(True, task_ids=ids):
                wait_for(
                    fetch=lambda: [task for task in self.find(name=name, task_id=task_id) if task['task_id'] in ids],
                    is_final=lambda remaining: not remaining,
                    timeout=self.wait_timeout,
                    what='%s %s to disappear from the list' % (self.kind.plural, ', '.join(ids)),
                    status_of=lambda remaining: ', '.join('%s %s' % (t['task_id'], t.get('status'))
                                                          for t in remaining or []),
                    outages=self.outages,
                )
        return result

    def delete(self, task_ids):
        """Delete the tasks. An attempt whose answer was lost may have deleted them already: a retry first
        checks the list, and a "not found" answer counts as done when the list no longer shows them."""
        def still_listed():
            return [task for task in self.find() if task.get('task_id') in task_ids]

        try:
            self.calls.delete(task_ids, before_retry=lambda: None if still_listed() else task_ids)
        except DcsApiError as error:
            if self.kind.is_missing(error) and not still_listed():
                return
            if not answer_lost(error) or not self.left_the_list_in_time(still_listed):
                raise

    def left_the_list_in_time(self, still_listed):
        """After a call whose last answer was lost: True if what it removes leaves the list within the settle
        window (the service may carry the call out after the client gave up)."""
        try:
            wait_for(fetch=still_listed, is_final=lambda listed: not listed, timeout=self.settle_window,
                     what='the tasks to leave the list', status_of=lambda listed: 'still listed', outages=Outages())
        except (WaitTimeoutError, DcsApiError):
            return False
        return True

    # -- state=stopped -------------------------------------------------------------------------

    def ensure_stopped(self, name, task_id):
        """Stop the task if it runs; with wait, until it is stopped (or finished on its own)."""
        with self.reporting_warnings():
            return self.with_warnings(self._ensure_stopped(name, task_id))

    def _ensure_stopped(self, name, task_id):
        self.check_same_task(name, task_id)
        task_id = self.find_one(name, task_id, 'stop')['task_id']
        before = self.calls.show(task_id)
        if self.kind.is_running(before):
            if self.check_mode:
                return self.result(True, task_id, before, before=before, after=dict(before, status=self.kind.stopped))
            changed, task = self.stop(task_id)
        else:
            changed, task = False, before  # already stopping, stopped or finished
        if self.wait and not self.check_mode and (self.kind.is_running(task) or self.kind.is_stopping(task)):
            with reporting_change(changed, task_id=task_id):
                task = self.wait_for_task(task_id, task, changed, until=self.kind.is_done,
                                          what='%s %s to stop' % (self.kind.noun, task_id))
        return self.result(changed, task_id, task, before=before, after=task)

    def stop(self, task_id):
        """(changed, task) after the stop call; a task that finished on its own meanwhile is no change."""
        try:
            return True, self.calls.stop(task_id)
        except DcsApiError as error:
            if not self.kind.has_finished_already(error):
                raise
            task = self.calls.show(task_id)
            if self.kind.is_running(task):
                raise
            return False, task

    # -- the result ----------------------------------------------------------------------------

    def result(self, changed, task_id, task, before, after):
        result = {'changed': changed, self.kind.result_key: task or {}}
        if task_id:
            result['task_id'] = task_id
        if self.diff_mode:
            result['diff'] = dict(before=before, after=after)
        return result

    def with_warnings(self, result):
        if self.all_warnings():
            result['warnings'] = self.all_warnings()
        return result

    def all_warnings(self):
        """What the user should know although the run went on: outages it waited through, duplicates it removed."""
        return self.outages.warnings + self.warnings

    @contextmanager
    def reporting_warnings(self):
        """A failure still carries the warnings collected before it."""
        try:
            yield
        except DcsError as error:
            if self.all_warnings():
                error.extra.setdefault('warnings', self.all_warnings())
            raise
