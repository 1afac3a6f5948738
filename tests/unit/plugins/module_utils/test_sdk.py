# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lazy SDK loader, in fresh interpreters (the test process may already hold the whole SDK)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys


def run_python(code):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    output = subprocess.check_output([sys.executable, '-c', code], env=env)
    return json.loads(output.decode().strip().splitlines()[-1])


def test_module_import_does_not_import_the_sdk():
    loaded = run_python(
        'import json, sys\n'
        'import ansible_collections.hwcloud.dcs.plugins.modules.migration_task\n'
        'print(json.dumps([m for m in sys.modules if m.startswith("huaweicloudsdk")]))\n')
    assert loaded == []


def test_load_sdk_imports_only_the_models_it_uses():
    result = run_python(
        'import json, sys\n'
        'from ansible_collections.hwcloud.dcs.plugins.module_utils.sdk import load_sdk\n'
        'sdk = load_sdk()\n'
        'body = sdk.model("CreateMigrationTaskBody")\n'
        'sdk.DcsClient()\n'
        'models = [m for m in sys.modules if m.startswith("huaweicloudsdkdcs.v2.model.")]\n'
        'from huaweicloudsdkdcs.v2 import *  # noqa\n'
        'print(json.dumps({"models": models, "body": body.__name__, "star": ShowInstanceResponse.__name__}))\n')
    assert result['models'] == ['huaweicloudsdkdcs.v2.model.create_migration_task_body']
    assert result['body'] == 'CreateMigrationTaskBody'
    assert result['star'] == 'ShowInstanceResponse'
