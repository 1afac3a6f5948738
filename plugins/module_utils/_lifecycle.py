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

Where the next changes plug in:
- reconciling concurrent creates and a create whose answer was lost: TaskLifecycle.create(),
  right after kind.create() (today MigrationTasks.create() looks the name up before a re-send);
- waits that outlast API outages: both waits (wait_for_task() and the one in ensure_absent())
  poll through waiters.wait_for(), the one place where a poll can outlive a failed call;
- a kind with a second call after the create (online migration): TaskKind.configure().
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from contextlib import contextmanager

from ansible_collections.hwcloud.dcs.plugins.module_utils import _service as service
from ansible_collections.hwcloud.dcs.plugins.module_utils.errors import DcsApiError, DcsError
from ansible_collections.hwcloud.dcs.plugins.module_utils.migration_tasks import MigrationTasks, scrub
from ansible_collections.hwcloud.dcs.plugins.module_utils.waiters import wait_for


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
        """Dotted names of the options in which the request differs from the task the show call shows."""
        raise NotImplementedError


class TaskGone(Exception):
    """The task left between the list call and a call about it."""


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

    def __init__(self, kind, calls, wait_timeout=None, check_mode=False, diff_mode=False):
        """calls: a MigrationTasks; wait_timeout: how long to wait for tasks, in seconds, or None not to wait."""
        self.kind, self.calls = kind, calls
        self.wait_timeout = wait_timeout
        self.check_mode, self.diff_mode = check_mode, diff_mode

    @classmethod
    def for_module(cls, kind, module):
        """The lifecycle of a DcsModule: its API, wait options (if it has them), check mode and diff mode."""
        wait_timeout = module.params['wait_timeout'] if module.params.get('wait') else None
        return cls(kind, MigrationTasks(module.api), wait_timeout, module.check_mode, module.diff_mode)

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
        name = request['task_name']
        found = self.find(name=name)
        if len(found) > 1:
            raise DcsError("%d %s are named '%s' (%s): remove the extra ones with state=absent and task_id"
                           % (len(found), self.kind.plural, name, ', '.join(task['task_id'] for task in found)))
        if not found:
            return self.create(request)
        listed = found[0]
        if self.kind.has_failed(listed, listed.get('error_message')):
            if replace_failed:
                return self.create(request, replacing=listed)
            raise DcsError("%s '%s' (%s) already exists and ended %s: %s; set retry_failed=true to delete it and "
                           "create it again" % (self.kind.noun, name, listed['task_id'], listed['status'],
                                                listed.get('error_message') or 'no error message'),
                           task_id=listed['task_id'], error_message=listed.get('error_message'),
                           **{self.kind.result_key: self.calls.show(listed['task_id'])})
        return self.adopt(listed, request)

    def adopt(self, listed, request):
        """A task with this name exists: it must have been made from the same request; wait for it if asked."""
        task_id = listed['task_id']
        task = self.calls.show(task_id)
        differences = self.kind.differences(request, task)
        if differences:
            raise DcsError("%s '%s' (%s) already exists with a different request: %s differ%s (passwords are not "
                           "compared); choose another task_name, or remove the task first with state=absent"
                           % (self.kind.noun, task.get('task_name'), task_id, ', '.join(differences),
                              's' if len(differences) == 1 else ''),
                           task_id=task_id, **{self.kind.result_key: task})
        if self.wait and not self.check_mode:
            task = self.wait_until_settled(request['task_name'], task_id, task, changed=False)
        return self.result(False, task.get('task_id') or task_id, task, before=task, after=task)

    def create(self, request, replacing=None):
        """Create the task (after deleting `replacing`, a failed task of that name); wait for it if asked."""
        self.kind.check_before_create(self.calls, request)
        before = replacing or {}
        if self.check_mode:
            return self.result(True, None, {}, before=before, after=self.kind.scrubbed(request))
        old_ids = [replacing['task_id']] if replacing else []
        if old_ids:
            self.delete(old_ids)
        task_id = self.kind.create(self.calls, request, old_ids).get('id')
        with reporting_change(True, task_id=task_id):
            self.kind.configure(self.calls, task_id, request)
            if self.wait:
                task = self.wait_until_settled(request['task_name'], task_id, None, changed=True)
            else:
                task = self.calls.show(task_id)
        return self.result(True, task_id, task, before=before, after=task)

    # -- waiting -----------------------------------------------------------------------------

    def wait_for_task(self, task_id, task, changed, until, what):
        """Poll the task until until(task); task, if given, is already fetched. Times out after wait_timeout."""
        return wait_for(
            fetch=lambda: self.calls.show(task_id),
            is_final=until,
            timeout=self.wait_timeout,
            what=what,
            status_of=lambda current: (current or {}).get('status', 'unknown'),
            failure_extra=lambda current: {'changed': changed, 'task_id': task_id,
                                           self.kind.result_key: current or {}},
            current=task,
        )

    def wait_until_settled(self, name, task_id, task, changed):
        """Wait until the task finished (or is steady); a task that ended in a failure fails the module."""
        task = self.wait_for_task(task_id, task, changed, until=self.kind.is_settled,
                                  what="%s '%s' (%s) to finish" % (self.kind.noun, name, task_id))
        if self.kind.is_successful(task):
            return task
        listed = self.find(name=name, task_id=task_id)
        error_message = listed[0].get('error_message') if listed else None
        gone = self.kind.is_gone(task)
        if not gone and not self.kind.has_failed(task, error_message):
            return task
        log_lines = [] if gone else self.calls.last_log_lines(task_id)
        raise DcsError("%s '%s' (%s) ended %s: %s%s" % (
            self.kind.noun, name, task_id, task.get('status'), error_message or 'no error message',
            ('; last log lines: ' + ' | '.join(log_lines)) if log_lines else ''),
            changed=changed, task_id=task_id, error_message=error_message, log_lines=log_lines,
            **{self.kind.result_key: task})

    # -- state=absent --------------------------------------------------------------------------

    def ensure_absent(self, name, task_id):
        """Delete every task with this name and/or ID; with wait, until the list no longer shows them."""
        found = self.find(name=name, task_id=task_id)
        ids = [task['task_id'] for task in found]
        single = found[0] if len(found) == 1 else {}
        result = self.result(bool(found), single.get('task_id'), single,
                             before=dict((task['task_id'], task) for task in found), after={})
        result['task_ids'] = ids
        if not found or self.check_mode:
            return result
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
            if not self.kind.is_missing(error) or still_listed():
                raise

    # -- state=stopped -------------------------------------------------------------------------

    def ensure_stopped(self, name, task_id):
        """Stop the task if it runs; with wait, until it is stopped (or finished on its own)."""
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
