# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every module of the collection runs through an action plugin that can run it in a fork of the worker process
(plugin_utils/_in_worker.py), so that a loop of any of them, or the backup_import role, pays the imports once.

The modules without a plugin of their own (InWorkerAction) return what the module returns, as ansible.builtin's
default action plugin would; the worker path itself is tested in tests/unit/plugins/plugin_utils/test_in_worker.py
and in the migration_task_loop integration target.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import os
from unittest import mock

import pytest

from ansible_collections.hwcloud.dcs.plugins.plugin_utils._in_worker import InWorkerAction, InWorkerModules

MODULES_DIR = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'plugins', 'modules')
MODULES = sorted(name[:-3] for name in os.listdir(MODULES_DIR) if name.endswith('.py') and name != '__init__.py')
ANSWER = dict(changed=False, instances=[dict(instance_id='i1')], invocation=dict(module_args=dict(name='dcs-orders')))


@pytest.mark.parametrize('module', MODULES)
def test_every_module_has_an_action_plugin_that_can_run_it_in_the_worker(module):
    plugin = importlib.import_module('ansible_collections.hwcloud.dcs.plugins.action.%s' % module)

    assert issubclass(plugin.ActionModule, InWorkerModules)
    assert plugin.ActionModule._supports_check_mode


def run_action(async_val=0, check_mode=False, native_async=False):
    task = mock.MagicMock()
    task.args = dict(name='dcs-orders')
    task.async_val = async_val
    task.check_mode = check_mode
    connection = mock.MagicMock()
    connection.has_native_async = native_async
    connection._shell.tmpdir = '/tmp/ansible-tmp-1'
    action = InWorkerAction(task, connection, mock.MagicMock(), mock.MagicMock(), mock.MagicMock(), mock.MagicMock())
    with mock.patch.object(action, '_execute_module', return_value=dict(ANSWER)) as execute, \
            mock.patch.object(action, '_remove_tmp_path') as remove:
        result = action.run(task_vars=dict(inventory_hostname='localhost'))
    return result, execute, remove


@pytest.mark.parametrize('check_mode', [False, True])
def test_the_result_is_the_modules_and_the_temporary_folder_is_removed(check_mode):
    result, execute, remove = run_action(check_mode=check_mode)

    assert result['instances'] == ANSWER['instances'] and result['changed'] is False
    execute.assert_called_once_with(task_vars=dict(inventory_hostname='localhost'), wrap_async=False)
    remove.assert_called_once_with('/tmp/ansible-tmp-1')


def test_an_async_task_is_wrapped_and_keeps_its_temporary_folder():
    dummy, execute, remove = run_action(async_val=60)

    assert execute.call_args.kwargs['wrap_async'] is True
    assert not remove.called


def test_a_connection_with_native_async_runs_the_module_unwrapped():
    dummy, execute, remove = run_action(async_val=60, native_async=True)

    assert execute.call_args.kwargs['wrap_async'] is False
    remove.assert_called_once_with('/tmp/ansible-tmp-1')
