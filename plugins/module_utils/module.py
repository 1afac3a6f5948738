# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""DcsModule: the base every module of the collection runs on.

A module subclasses DcsModule, declares `argument_spec` (its own options; the
connection options, and with `wait = True` also wait/wait_timeout, are merged
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


class DcsModule(object):
    argument_spec = {}
    module_kwargs = {}
    wait = False

    def __init__(self):
        spec = connection_argument_spec()
        if self.wait:
            spec.update(wait_argument_spec())
        spec.update(self.argument_spec)
        kwargs = dict(supports_check_mode=True)
        kwargs.update(self.module_kwargs)
        self.ansible = AnsibleModule(argument_spec=spec, **kwargs)
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
            self.close()
            self.fail(error.msg, **error.extra)
        self.close()
        self.ansible.exit_json(**result)

    def close(self):
        if self._api is not None:
            self._api.close()
            self._api = None
