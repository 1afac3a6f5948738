# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of hwcloud.dcs.migration_task_wait: wait for several migration tasks, printing their progress.

Like migration_task's wait, this runs on the controller, so that it can print while it waits; its API calls are
migration_task_info runs on the module's host (migration_task's ActionModule.run_info). Every poll is one list
call; when a progress line is due (at most every PROGRESS_EVERY seconds) each task still running is shown once
more, with its statistics, and gets a line.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleActionFail

from ansible_collections.hwcloud.dcs.plugins.action import migration_task
from ansible_collections.hwcloud.dcs.plugins.module_utils import _service as service
from ansible_collections.hwcloud.dcs.plugins.module_utils import clock
from ansible_collections.hwcloud.dcs.plugins.module_utils.errors import DcsError
from ansible_collections.hwcloud.dcs.plugins.module_utils.options import connection_argument_spec
from ansible_collections.hwcloud.dcs.plugins.modules.migration_task_wait import WAIT_OPTIONS

UNFINISHED = service.RUNNING + service.STOPPING


class ActionModule(migration_task.ActionModule):
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(migration_task.ActionModule, self).run(tmp, task_vars)
        del tmp  # no effect since ansible-core 2.10
        self.task_vars = task_vars
        options = self.own_options()
        try:
            result.update(self.wait_for(options['task_ids'], options['wait_timeout'], options['poll_interval']))
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    def own_options(self):
        """This plugin's options, checked; the connection options go to migration_task_info as the task gives them
        (run_info passes only those on)."""
        dummy, options = self.validate_argument_spec(argument_spec=dict(connection_argument_spec(), **WAIT_OPTIONS))
        for name in ('wait_timeout', 'poll_interval'):
            if options[name] < 1:
                raise AnsibleActionFail('%s must be 1 or more, got %s' % (name, options[name]))
        return options

    def wait_for(self, task_ids, wait_timeout, poll_interval):
        """Poll until none of task_ids is running or wait_timeout is over; a failed look is tried again."""
        started = last_report = clock.now()
        tasks, error = [], None
        while True:
            try:
                tasks = [task for task in self.run_info() if task.get('task_id') in task_ids]
                error = None
            except (DcsError, migration_task.ModuleFailed) as failure:
                error = failure
            running = [task for task in tasks if task.get('status') in UNFINISHED]
            now = clock.now()
            if error is None and not running or now - started >= wait_timeout or self._task.check_mode:
                break
            if running and now - last_report >= migration_task.PROGRESS_EVERY:
                last_report = now
                self.report_progress(running, now - started)
            clock.sleep(poll_interval)
        if error is not None:
            return dict(failed=True, changed=False, msg=getattr(error, 'msg', None) or str(error))
        return dict(changed=False, migration_tasks=tasks, running=[task['task_id'] for task in running],
                    timed_out=bool(running), elapsed_seconds=int(clock.now() - started))

    def report_progress(self, running, elapsed):
        for task in running:
            try:
                shown = self.run_info(task_id=task['task_id'], include_stats=True)
            except (DcsError, migration_task.ModuleFailed):
                shown = []  # the line shows the status of the list; the next look tries again
            self.report(migration_task.progress_line(task.get('task_name'), (shown or [task])[0], elapsed))
