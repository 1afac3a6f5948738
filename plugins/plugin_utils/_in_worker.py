# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run this collection's modules in a fork of the controller's worker process, when they would run here anyway.

Ansible runs every item of a loop in one worker process, and starts one module process per item: a new
Python that imports ansible.module_utils.basic, requests, urllib3 and the Huawei Cloud SDK before the module
makes its first API call (about 0.3 s of the 0.7 s an item cost, measured; a ping item costs 0.4 s). When the
module would run on this machine, as this user, with this Python, the action plugin runs it here instead:

- the worker imports the module and the SDK once (the first item pays them);
- every run is a fork of the worker: the child is given the arguments exactly as a module process is
  (``_update_module_args`` adds check mode, diff, no_log, verbosity...; the same JSON encoding as the
  module payload), runs the module's own main() (AnsibleModule: argument validation, no_log masking, check
  mode), and sends back what the module printed; nothing the run changes (globals, environment, warnings)
  reaches the next item;
- the answer goes through the same parsing and clean-up as a module process's (_parse_returned_data,
  remove_internal_keys), so a result looks the same either way.

It applies when all of these hold, and otherwise the module runs as usual (transferred, in its own process):
the connection is ``local``, without become; the task is not async; the interpreter Ansible would start
(ansible_python_interpreter, or the one it discovered) is this very Python (sys.executable); the module is one
of this collection's; and the environment variable HWCLOUD_DCS_IN_WORKER is not set to false. An inventory
host with ansible_connection=local and another ansible_python_interpreter (another venv) runs a module process.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import inspect
import io
import json
import os
import signal
import sys
import traceback

from ansible.module_utils import basic
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible.utils.vars import merge_hash
from ansible.vars.clean import remove_internal_keys

from ansible_collections.hwcloud.dcs.plugins.module_utils.sdk import SdkMissingError, load_sdk

display = Display()

SWITCH = 'HWCLOUD_DCS_IN_WORKER'
OWN_MODULES = 'ansible_collections.hwcloud.dcs.plugins.modules.'
_warmed = set()  # the modules this worker process has imported, with the SDK


def switched_on():
    """False when HWCLOUD_DCS_IN_WORKER says so (to compare, or to rule this path out while debugging)."""
    try:
        return boolean(os.environ.get(SWITCH, 'true'), strict=True)
    except TypeError:
        return True


def encoded_params(module_args, profile):
    """The module's input, encoded as the module payload carries it (ansible-core 2.19 profiles, older JSON)."""
    params = dict(ANSIBLE_MODULE_ARGS=module_args)
    try:
        from ansible.module_utils.common.json import Direction, get_module_encoder
    except ImportError:  # ansible-core < 2.19
        from ansible.module_utils.common.json import AnsibleJSONEncoder
        return json.dumps(params, cls=AnsibleJSONEncoder, vault_to_text=True).encode('utf-8')
    return json.dumps(params, cls=get_module_encoder(profile, Direction.CONTROLLER_TO_MODULE)).encode('utf-8')


def warm_up(python_module):
    """Import the module and what its runs need (the SDK), once per worker process."""
    if python_module in _warmed:
        return
    importlib.import_module(python_module)
    try:
        load_sdk()  # what every item's module process would import again
    except SdkMissingError:
        pass  # the run says so, as a module process would
    _warmed.add(python_module)


def as_module_process():
    """Make ansible-core's module_utils behave as in a module process (2.19+: warnings go into the result)."""
    try:
        from ansible.module_utils import _internal
    except ImportError:  # ansible-core < 2.19: module_utils do not know where they run
        return
    if hasattr(_internal, 'is_controller'):
        _internal.is_controller = False


def exit_status(code):
    """The exit status of a module process that raised SystemExit(code)."""
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


def run_child(main, params, profile, environment, answer_fd):
    """In the forked child: run main() as a module process would, write {rc, stdout, stderr} to answer_fd, exit."""
    stdout, stderr = io.StringIO(), io.StringIO()
    status = 1
    try:
        os.environ.update(environment)
        sys.stdin = open(os.devnull)
        sys.stdout, sys.stderr = stdout, stderr
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        as_module_process()
        basic._ANSIBLE_ARGS = params
        basic._ANSIBLE_PROFILE = profile
        try:
            main()
            stderr.write('New-style module did not handle its own exit\n')
        except SystemExit as stop:
            status = exit_status(stop.code)
            if isinstance(stop.code, str):
                stderr.write(stop.code + '\n')
    except BaseException:  # pylint: disable=broad-except
        stderr.write(traceback.format_exc())
        status = 1
    finally:
        answer = json.dumps(dict(rc=status, stdout=stdout.getvalue(), stderr=stderr.getvalue())).encode('utf-8')
        with os.fdopen(answer_fd, 'wb') as pipe:
            pipe.write(answer)
        os._exit(0)


def run_forked(main, params, profile, environment):
    """Run main() in a fork of this process; {rc, stdout, stderr} as a module process's command would give."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child never returns
        os.close(read_fd)
        run_child(main, params, profile, environment, write_fd)
    os.close(write_fd)
    chunks = []
    try:
        with os.fdopen(read_fd, 'rb') as pipe:
            chunks = list(iter(lambda: pipe.read(65536), b''))
    except BaseException:
        os.kill(pid, signal.SIGKILL)  # interrupted or timed out (the task's timeout): the run ends with us
        raise
    finally:
        dummy, wait_status = os.waitpid(pid, 0)
    answer = b''.join(chunks)
    if answer:
        return json.loads(answer.decode('utf-8'))
    status = os.waitstatus_to_exitcode(wait_status)  # negative: the signal that ended it
    return dict(rc=status, stdout='', stderr='the module run ended without an answer (exit status %d)' % status)


class InWorkerModules(object):
    """Mixin for an ActionBase subclass: _execute_module runs this collection's modules in a fork of the worker
    when they would run on this machine with this Python (see the module docstring); otherwise as usual."""

    def _execute_module(self, module_name=None, module_args=None, tmp=None, task_vars=None, persist_files=False,
                        delete_remote_tmp=None, wrap_async=False, **kwargs):
        module_name = module_name or self._task.action
        usual = dict(module_name=module_name, module_args=module_args, task_vars=task_vars, wrap_async=wrap_async,
                     **kwargs)
        python_module = self._in_worker_module(module_name, wrap_async or tmp is not None or persist_files
                                               or delete_remote_tmp is not None)
        if python_module is None:
            return super(InWorkerModules, self)._execute_module(**usual)
        task_vars = task_vars if task_vars is not None else {}
        args = dict(self._task.args if module_args is None else module_args)
        self._update_module_args(module_name, args, task_vars, **kwargs)
        style, shebang, profile = self._built_module(module_name, args, task_vars)
        interpreter = (shebang or '').replace('#!', '', 1).strip()
        if style != 'new' or interpreter != sys.executable:
            display.vvv('%s runs in a module process: its interpreter is %s, not this Python (%s)'
                        % (module_name, interpreter or 'none', sys.executable))
            return super(InWorkerModules, self)._execute_module(**usual)
        self._used_interpreter = shebang
        display.vvv('%s runs in the worker process (local connection, this Python: %s)'
                    % (module_name, sys.executable))
        environment = {}
        self._compute_environment_string(environment)
        warm_up(python_module)
        main = importlib.import_module(python_module).main
        answer = run_forked(main, encoded_params(args, profile), profile, environment)
        return self._cleaned(self._parsed(answer, profile))

    def _in_worker_module(self, module_name, special):
        """The Python module to run here, or None when the module must run as usual."""
        connection = self._connection
        if (special or self._task.async_val or getattr(connection, 'transport', None) != 'local'
                or getattr(connection, 'become', None) is not None or self._play_context.become
                or not switched_on()):
            return None
        context = self._shared_loader_obj.module_loader.find_plugin_with_context(
            module_name, collection_list=self._task.collections)
        name = getattr(context, 'plugin_resolved_name', None) or ''
        return name if context.resolved and name.startswith(OWN_MODULES) else None

    def _built_module(self, module_name, module_args, task_vars):
        """(module_style, shebang, serialization profile) of the module as Ansible would run it.

        _configure_module finds the interpreter as for a module process (ansible_python_interpreter, or
        discovery, whose result becomes a fact as usual); ansible-core 2.19 returns a _BuiltModule, older
        releases a tuple."""
        configured = self._configure_module(module_name=module_name, module_args=module_args, task_vars=task_vars)
        if len(configured) == 2:
            built = configured[0]
            return built.module_style, built.shebang, built.serialization_profile
        return configured[0], configured[1], None

    def _parsed(self, answer, profile):
        if 'profile' in inspect.signature(self._parse_returned_data).parameters:
            return self._parse_returned_data(answer, profile)
        return self._parse_returned_data(answer)  # ansible-core < 2.19

    def _cleaned(self, data):
        """What _execute_module does to a module process's answer."""
        if data.pop('_ansible_suppress_tmpdir_delete', False):
            self._cleanup_remote_tmp = False
        remove_internal_keys(data)
        for stream in ('stdout', 'stderr'):
            if stream in data and stream + '_lines' not in data:
                data[stream + '_lines'] = (data.get(stream) or u'').splitlines()
        if self._discovered_interpreter_key:
            if data.get('ansible_facts') is None:
                data['ansible_facts'] = {}
            data['ansible_facts'][self._discovered_interpreter_key] = self._discovered_interpreter
        return data


class InWorkerAction(InWorkerModules, ActionBase):
    """The action plugin of a module that needs nothing else: it runs the module as ansible.builtin's default
    action plugin does, in a fork of the worker where that applies (so a loop of it pays the imports once)."""

    _supports_check_mode = True  # the module itself says whether it supports check mode
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super(InWorkerAction, self).run(tmp, task_vars)
        del tmp  # no effect since ansible-core 2.10
        wrap_async = bool(self._task.async_val) and not self._connection.has_native_async
        result = merge_hash(result, self._execute_module(task_vars=task_vars, wrap_async=wrap_async))
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result
