# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of hwcloud.dcs.migration_task: progress lines while an import is waited for.

A module cannot print while it runs, so with state=present and wait=true the waiting moves here, to
the controller, and the module's host does the API calls, one module run at a time:

1. the module runs with wait=false: it creates the task (or adopts it) and returns at once;
2. the lifecycle's own wait (TaskLifecycle.wait_until_settled: the same pacing, the same retries of
   transient failures until wait_timeout, the same timeout and failure messages) runs here, its calls
   made by migration_task_info on the module's host (InfoCalls); every poll may print a progress line;
3. the module runs once more, in check mode (it creates and replaces nothing), to return the task as
   its show call shows it. A task the first run found already finished (an idempotent re-run) is
   returned as the first run returned it, as the module's own wait would: nothing to wait for.

The result is the one the module returns with wait=true. Everything else (wait=false, check mode,
state=absent or stopped, a task run with async) runs the module as it is. The module keeps its own
wait for those, and for callers that run it without this plugin.

Every module run above (migration_task's and migration_task_info's) goes through _execute_module, which
InWorkerModules (plugin_utils/_in_worker.py) replaces: on a local connection with this very Python, the module
runs in a fork of the worker process instead of a new Python per run, so that a loop pays the imports once.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.hwcloud.dcs.plugins.module_utils import _service as service
from ansible_collections.hwcloud.dcs.plugins.module_utils import clock
from ansible_collections.hwcloud.dcs.plugins.module_utils._backup_import import BackupImport
from ansible_collections.hwcloud.dcs.plugins.module_utils._lifecycle import TaskLifecycle
from ansible_collections.hwcloud.dcs.plugins.module_utils.errors import (
    API_ERROR_KEYS,
    NOT_TLS,
    TLS_UNVERIFIED,
    UNKNOWN_HOST,
    DcsApiError,
    DcsError,
)
from ansible_collections.hwcloud.dcs.plugins.module_utils.migration_tasks import LOG_LINES, log_line
from ansible_collections.hwcloud.dcs.plugins.module_utils.options import DEFAULT_WAIT_TIMEOUT, connection_argument_spec
from ansible_collections.hwcloud.dcs.plugins.plugin_utils._in_worker import InWorkerModules

display = Display()

INFO_MODULE = 'hwcloud.dcs.migration_task_info'
# A progress line at most this often (polls come every 0.5 to 10 s, so a line comes every 10 to 20 s, plus the
# time a poll takes).
PROGRESS_EVERY = 10.0
TRANSPORT_PROBLEMS = (TLS_UNVERIFIED, NOT_TLS, UNKNOWN_HOST)


class ModuleFailed(Exception):
    """A module run failed for a reason that is not an API error: its result is the plugin's result."""

    def __init__(self, result):
        super(ModuleFailed, self).__init__(result.get('msg'))
        self.result = result


def api_error_of(result):
    """The DcsApiError a failed module result reports (so that the wait can tell a transient one), or None."""
    if 'error_msg' not in result:
        return None
    error = DcsApiError('call the API', **dict((key, result.get(key)) for key in API_ERROR_KEYS))
    error.msg = result.get('msg') or error.msg
    error.problem = next((problem for problem in TRANSPORT_PROBLEMS
                          if str(error.error_msg or '').startswith(problem + ':')), None)
    return error


def progress_line(name, task, elapsed):
    """'restore (8aa6...): MIGRATING, 42.00% done, 1200 of 3000 keys, 35 s elapsed' from a listed task."""
    stats = task.get('stats') or {}
    parts = [task.get('status') or 'status unknown']
    if stats.get('full_migration_progress') not in (None, ''):
        parts.append('%s%% done' % stats['full_migration_progress'])
    target, source = stats.get('target_dbsize'), stats.get('source_dbsize')
    if target not in (None, ''):
        parts.append('%s of %s keys' % (target, source) if source not in (None, '') else '%s keys' % target)
    parts.append('%d s elapsed' % elapsed)
    return "%s (%s): %s" % (name, task.get('task_id'), ', '.join(parts))


class InfoCalls(object):
    """The calls TaskLifecycle waits with, made by migration_task_info on the module's host.

    show() reads the list (the truth) with statistics and prints a progress line now and then.
    """

    def __init__(self, run_info, name, report):
        self.run_info, self.name, self.report = run_info, name, report
        self.started = self.last_report = clock.now()

    def find(self, name=None, task_id=None):
        return self.run_info(task_name=name, task_id=task_id)

    def show(self, task_id):
        found = [task for task in self.run_info(task_name=self.name, include_stats=True)
                 if task.get('task_id') == task_id]
        task = found[0] if found else {'task_id': task_id, 'status': service.GONE}
        now = clock.now()
        if now - self.last_report >= PROGRESS_EVERY:
            self.last_report = now
            self.report(progress_line(self.name, task, now - self.started))
        return task

    def last_log_lines(self, task_id, lines=LOG_LINES):
        found = self.run_info(task_id=task_id, include_logs=True, log_limit=lines)
        entries = found[0].get('logs') or [] if found else []
        return [log_line(entry) for entry in entries]


class ActionModule(InWorkerModules, ActionBase):
    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp  # no effect since ansible-core 2.10
        self.task_vars = task_vars
        try:
            if not self.waits_here():
                wrap_async = bool(self._task.async_val) and not self._connection.has_native_async
                result.update(self._execute_module(task_vars=task_vars, wrap_async=wrap_async))
                if wrap_async:
                    return result
            else:
                result.update(self.create_and_wait())
        finally:
            if not self._task.async_val:
                self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    def waits_here(self):
        """True when the module would wait for an import: this plugin then waits, printing progress."""
        args = self._task.args
        try:
            return (not self._task.async_val and not self._task.check_mode
                    and args.get('state', 'present') == 'present'
                    and boolean(args.get('wait', True)) and int(args.get('wait_timeout', DEFAULT_WAIT_TIMEOUT)) > 0)
        except (TypeError, ValueError):
            return False  # the module says what is wrong with the options

    # -- module runs ---------------------------------------------------------------------------------

    def run_module(self, **overrides):
        """migration_task with the task's arguments and these overrides."""
        args = dict(self._task.args, **overrides)
        return self._execute_module(module_args=args, task_vars=self.task_vars)

    def show_task(self):
        """The task as the module returns it, from a run in check mode: a task that is gone is never created again,
        a failed one never replaced."""
        check_mode = self._task.check_mode
        self._task.check_mode = True
        try:
            return self.run_module(wait=False, retry_failed=False)
        finally:
            self._task.check_mode = check_mode

    def run_info(self, **args):
        """The tasks migration_task_info lists, with the task's connection options; DcsApiError on an API error."""
        spec = connection_argument_spec()
        names = set(spec).union(*[option.get('aliases', ()) for option in spec.values()])
        module_args = dict((key, value) for key, value in self._task.args.items() if key in names)
        module_args.update((key, value) for key, value in args.items() if value is not None)
        result = self._execute_module(module_name=INFO_MODULE, module_args=module_args, task_vars=self.task_vars)
        if result.get('failed') or result.get('unreachable'):
            raise api_error_of(result) or ModuleFailed(result)
        return result.get('migration_tasks') or []

    def report(self, line):
        display.display('%s: %s' % (self.task_vars.get('inventory_hostname', 'localhost'), line))

    # -- the wait --------------------------------------------------------------------------------------

    def create_and_wait(self):
        first = self.run_module(wait=False)
        task = first.get('migration_task') or {}
        if first.get('failed') or not first.get('task_id'):
            return self.as_waited(first)
        task_id, name, changed = first['task_id'], self._task.args.get('task_name') or self._task.args.get('name'), \
            bool(first.get('changed'))
        kind = BackupImport()
        if not changed and kind.has_outcome(task):
            # Found finished: the module waiting by itself returns just that. An adopted task that ended in a
            # failure fails the module's run (TaskLifecycle.adopt), so one returned without failure succeeded.
            return self.as_waited(first)
        calls = InfoCalls(self.run_info, name, self.report)
        lifecycle = TaskLifecycle(kind, calls, wait_timeout=int(self._task.args.get('wait_timeout',
                                                                                    DEFAULT_WAIT_TIMEOUT)))
        try:
            lifecycle.wait_until_settled(name, task_id, task if kind.is_settled(task) else None, changed)
        except ModuleFailed as failure:
            return self.with_change(failure.result, first)
        except DcsError as error:
            shown = self.show_task()
            failure = dict(error.extra, failed=True, msg=error.msg)
            if kind.result_key in failure and shown.get(kind.result_key) is not None:
                failure[kind.result_key] = shown[kind.result_key]
            return self.with_change(self.with_warnings(failure, lifecycle), first)
        final = self.show_task()
        if not final.get('failed') and not final.get('task_id'):
            final = dict(final, failed=True, msg="%s '%s' (%s) finished, then left the list before it could be shown"
                         % (kind.noun, name, task_id))
        return self.with_change(self.with_warnings(final, lifecycle), first)

    def with_warnings(self, result, lifecycle):
        """The warnings of outages the wait went through (waiters.Outages, where the lifecycle keeps them)."""
        outages = getattr(lifecycle, 'outages', None)
        if outages is not None and outages.warnings:
            result['warnings'] = list(result.get('warnings') or []) + list(outages.warnings)
        return result

    def with_change(self, result, first):
        """The final result, reporting what the first run changed (created or replaced a task)."""
        result = self.as_waited(result)
        if first.get('changed'):
            result['changed'] = True
            result.setdefault('task_id', first.get('task_id'))
        if 'diff' in result and 'diff' in first:
            result['diff'] = dict(result['diff'], before=first['diff'].get('before'))
        if first.get('warnings'):
            result['warnings'] = list(first['warnings']) + [w for w in result.get('warnings') or []
                                                            if w not in first['warnings']]
        return result

    def as_waited(self, result):
        """The invocation shows the options as the user gave them (wait, retry_failed), not as this plugin ran them."""
        module_args = (result.get('invocation') or {}).get('module_args')
        if isinstance(module_args, dict):
            for key in ('wait', 'retry_failed'):
                if key in module_args:
                    module_args[key] = boolean(self._task.args.get(key, key == 'wait'))
        return result
