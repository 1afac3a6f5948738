# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""DcsModule: the base every module of the collection runs on.

A module subclasses DcsModule, declares `argument_spec` (its own options; the
connection options, and with `with_wait_options = True` also wait/wait_timeout, are merged
in), implements validate() (checks argument_spec cannot express, no API calls)
and run_module() (returns the result dict), and calls run(). The SDK is
imported and the client built only when run_module() first touches self.api,
so invalid input fails before either. Every failure goes through one place
that turns it into a one-line msg; AnsibleModule masks no_log values in it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.hwcloud.dcs.plugins.module_utils.errors import DcsError, one_line
from ansible_collections.hwcloud.dcs.plugins.module_utils.options import (
    check_connection_options,
    connection_argument_spec,
    wait_argument_spec,
)
from ansible_collections.hwcloud.dcs.plugins.module_utils.sdk import SDK_PACKAGE, SDK_PIP_HINT, SdkMissingError


def secret_values(spec, params):
    """The values of every no_log option in params, at any depth (nested options included)."""
    found = set()
    for name, option in spec.items():
        value = params.get(name) if isinstance(params, dict) else None
        if value is None:
            continue
        if option.get('no_log') and value != '':
            found.add(str(value))
        for item in value if isinstance(value, list) else [value]:
            if option.get('options') and isinstance(item, dict):
                found.update(secret_values(option['options'], item))
    return found


def structure_problem(spec, params, where=''):
    """A message if an option with suboptions holds neither a dict (or list of them) nor a string, else None.

    ansible-core's own check of such a value raises a TypeError (a traceback) in some releases.
    """
    for name, option in spec.items():
        value = params.get(name) if isinstance(params, dict) else None
        if value is None or not option.get('options') or isinstance(value, str):
            continue
        if option.get('type') == 'dict':
            if not isinstance(value, dict):
                return '%s%s must be a dictionary, got %s' % (where, name, type(value).__name__)
            problem = structure_problem(option['options'], value, '%s%s.' % (where, name))
        elif isinstance(value, list):
            problem = next((structure_problem(option['options'], item, '%s%s[%d].' % (where, name, index))
                            for index, item in enumerate(value) if isinstance(item, dict)), None)
        else:
            problem = None
        if problem:
            return problem
    return None


class OneLineAnsibleModule(AnsibleModule):
    """AnsibleModule whose failures are one line and never show a secret, its own argument checks included.

    Its messages quote the value the user gave ("value of state must be one of: ..., got: <value>"),
    which may hold a newline; and when its validation stops early, it may not yet know every no_log
    value, which would then show in the failure's invocation.
    """

    def __init__(self, argument_spec, prepare_params=None, **kwargs):
        """prepare_params(params): rewrites shorthand values in place before the checks, returns a problem or None."""
        self._dcs_spec = argument_spec
        self._prepare_params = prepare_params
        super(OneLineAnsibleModule, self).__init__(argument_spec=argument_spec, **kwargs)

    def _load_params(self):
        super(OneLineAnsibleModule, self)._load_params()
        problem = structure_problem(self._dcs_spec, self.params)
        if not problem and self._prepare_params is not None:
            problem = self._prepare_params(self.params)
        if problem:
            self.fail_json(msg=problem)

    def fail_json(self, msg, **kwargs):  # pylint: disable=arguments-differ
        self.no_log_values.update(secret_values(self._dcs_spec, getattr(self, 'params', None) or {}))
        super(OneLineAnsibleModule, self).fail_json(msg=one_line(msg), **kwargs)


class DcsModule(object):
    argument_spec = {}
    module_kwargs = {}
    with_wait_options = False  # adds the wait and wait_timeout options

    def __init__(self):
        spec = connection_argument_spec()
        if self.with_wait_options:
            spec.update(wait_argument_spec())
        spec.update(self.argument_spec)
        kwargs = dict(supports_check_mode=True)
        kwargs.update(self.module_kwargs)
        self.ansible = OneLineAnsibleModule(argument_spec=spec, prepare_params=self.prepare_params, **kwargs)
        self.params = self.ansible.params
        self.check_mode = self.ansible.check_mode
        self._api = None

    @property
    def api(self):
        """The DcsApi, built on first use (imports the SDK, may look up the project)."""
        if self._api is None:
            from ansible_collections.hwcloud.dcs.plugins.module_utils.client import connect
            self._api = connect(self.params)
        return self._api

    @property
    def diff_mode(self):
        return self.ansible._diff

    @staticmethod
    def prepare_params(params):
        """Turn shorthand values (as surveys give them) into what argument_spec expects, in place, before
        AnsibleModule checks them; return a one-line problem naming the option, or None. No API calls here."""
        return None

    def validate(self):
        """Raise DcsError for input argument_spec cannot reject. No API calls here."""

    def run_module(self):
        raise NotImplementedError

    def fail(self, msg, **result):
        self.ansible.fail_json(msg=one_line(msg), **result)

    def run(self):
        try:
            problem = check_connection_options(self.params)
            if problem:
                raise DcsError(problem)
            self.validate()
            result = self.run_module()
        except SdkMissingError as error:
            self.fail('%s Install it with: %s' % (missing_required_lib(SDK_PACKAGE), SDK_PIP_HINT),
                      exception=error.traceback)
        except DcsError as error:
            extra = self.with_endpoint(error.extra)
            self.close()
            self.fail(error.msg, **extra)
        result = self.with_endpoint(result)
        self.close()
        self.ansible.exit_json(**result)

    def with_endpoint(self, result):
        """The result, saying which DCS endpoint the module called (once it built its client)."""
        if self._api is None:
            return result
        return dict(result, endpoint=self._api.endpoint.url)

    def close(self):
        if self._api is not None:
            self._api.close()
            self._api = None
