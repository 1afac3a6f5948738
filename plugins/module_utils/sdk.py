# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Import the parts of the Huawei Cloud SDK the collection uses, on demand.

huaweicloudsdkdcs/v2/__init__.py and v2/model/__init__.py eagerly import
all ~400 model modules (about 0.1 s, a third of a module's run time), and
importing any submodule such as huaweicloudsdkdcs.v2.dcs_client runs them
first. When nothing has imported those packages yet, load_sdk() registers
lazy stand-ins for them that expose the same names and import each model
module on first access; DcsClient looks its response classes up by name
with getattr(), so it works unchanged. Nothing is imported before a module
has validated its arguments, so bad input fails fast.

The SDK core also imports, at start-up, pyasn1 for its ECDSA and SM2 request
signers (a fifth of the SDK's own import time); the collection signs with
SDK-HMAC-SHA256 only. Those pyasn1 modules are registered with the standard
library's LazyLoader, which runs a module's code on its first attribute access,
so the signers still work if anyone uses them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import importlib.machinery
import importlib.util
import os
import re
import sys
import traceback
import types

SDK_PACKAGE = 'huaweicloudsdkdcs'
SDK_PIP_HINT = "pip install 'huaweicloudsdkdcs>=3.1.100'"
_EXPORT_RE = re.compile(r'^from\s+([\w.]+)\s+import\s+(\w+)\s*$', re.M)
# Imported by huaweicloudsdkcore.signer.utils for the ECDSA/SM2 signers only, and used
# there inside functions only: safe to stand in for until first use.
DEFERRED_MODULES = ('pyasn1.codec.der.encoder', 'pyasn1.codec.der.decoder', 'pyasn1.type.univ')


class SdkMissingError(Exception):
    """The SDK cannot be imported; carries the original ImportError."""

    def __init__(self, error, traceback_text):
        super(SdkMissingError, self).__init__(str(error))
        self.error = error
        self.traceback = traceback_text


class Sdk(object):
    """Handles to the SDK classes, filled by load_sdk()."""

    def __init__(self, core_exceptions, credentials, http_config, dcs_client, models):
        self.exceptions = core_exceptions
        self.BasicCredentials = credentials
        self.HttpConfig = http_config
        self.DcsClient = dcs_client
        self._models = models

    @property
    def DcsRegion(self):  # pylint: disable=invalid-name
        """The SDK's region table; imported only when needed (its provider chain loads PyYAML)."""
        return importlib.import_module(SDK_PACKAGE + '.v2.region.dcs_region').DcsRegion

    def model(self, name):
        """Return the SDK model class called name (e.g. 'ListMigrationTaskRequest')."""
        return getattr(self._models, name)


def _read_exports(init_file):
    with open(init_file) as handle:
        return dict((name, module) for module, name in _EXPORT_RE.findall(handle.read()) if module != '__future__')


def _lazy_package(name, directory):
    """A package module that imports its exported names only when accessed."""
    package = types.ModuleType(name)
    package.__path__ = [directory]
    package.__package__ = name
    package.__file__ = os.path.join(directory, '__init__.py')
    spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
    spec.submodule_search_locations = [directory]
    package.__spec__ = spec
    exports = {}

    def load_exports():
        if not exports:
            exports.update(_read_exports(package.__file__))
        return exports

    def lazy_getattr(attr):
        module = load_exports().get(attr)
        if module is None:
            raise AttributeError('module %r has no attribute %r' % (name, attr))
        value = getattr(importlib.import_module(module), attr)
        setattr(package, attr, value)
        return value

    def lazy_dir():
        return sorted(set(load_exports()) | set(package.__dict__))

    package.__getattr__ = lazy_getattr
    package.__dir__ = lazy_dir
    return package, load_exports


def _install_lazy(name, directory):
    if name in sys.modules or not os.path.isfile(os.path.join(directory, '__init__.py')):
        return
    package, load_exports = _lazy_package(name, directory)
    sys.modules[name] = package
    parent, _sep, child = name.rpartition('.')
    setattr(sys.modules[parent], child, package)
    # "from package import *" must still see every name.
    package.__all__ = sorted(load_exports())


def _defer(name):
    """Register module `name` with the standard library's LazyLoader: its code runs on first attribute access.

    Nothing happens if it is imported already or cannot be found (the SDK then imports it as usual).
    """
    if name in sys.modules:
        return
    try:
        spec = importlib.util.find_spec(name)  # imports the parent packages (empty ones for pyasn1)
    except (ImportError, ValueError):
        return
    if spec is None or not hasattr(spec.loader, 'exec_module') or name in sys.modules:
        return
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    parent, _sep, child = name.rpartition('.')
    setattr(sys.modules[parent], child, module)


def load_sdk():
    """Import the SDK pieces the modules need; raise SdkMissingError if it is not installed."""
    try:
        if 'huaweicloudsdkcore.signer.utils' not in sys.modules:
            for name in DEFERRED_MODULES:
                _defer(name)
        from huaweicloudsdkcore.exceptions import exceptions as core_exceptions
        from huaweicloudsdkcore.auth.credentials import BasicCredentials
        from huaweicloudsdkcore.http.http_config import HttpConfig
        dcs = importlib.import_module(SDK_PACKAGE)
        v2_dir = os.path.join(os.path.dirname(dcs.__file__), 'v2')
        _install_lazy(SDK_PACKAGE + '.v2', v2_dir)
        _install_lazy(SDK_PACKAGE + '.v2.model', os.path.join(v2_dir, 'model'))
        dcs_client = importlib.import_module(SDK_PACKAGE + '.v2.dcs_client')
        models = importlib.import_module(SDK_PACKAGE + '.v2.model')
    except ImportError as error:
        raise SdkMissingError(error, traceback.format_exc())
    return Sdk(core_exceptions, BasicCredentials, HttpConfig, dcs_client.DcsClient, models)
