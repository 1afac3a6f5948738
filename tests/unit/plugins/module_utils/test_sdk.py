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


def test_load_sdk_defers_the_ecdsa_signers_asn1_codec_until_used():
    result = run_python(
        'import json, sys\n'
        'from ansible_collections.hwcloud.dcs.plugins.module_utils.sdk import load_sdk\n'
        'sdk = load_sdk()\n'
        'sdk.DcsClient.new_builder()\n'
        'before = sorted(m for m in sys.modules if m.startswith("pyasn1.codec.ber") or m == "pyasn1.type.base")\n'
        'from huaweicloudsdkcore.signer.utils import P256SigningKey\n'
        'key = P256SigningKey(123456789)\n'
        'signature = key.sign(b"payload")\n'
        'from pyasn1.codec.der import decoder\n'
        'print(json.dumps({"before": before, "verified": key.verify(signature, b"payload"),\n'
        '                  "tampered": key.verify(signature, b"other"),\n'
        '                  "loaded": "pyasn1.codec.ber.encoder" in sys.modules,\n'
        '                  "decoded": len(decoder.decode(signature)[0])}))\n')
    # Nothing of pyasn1's codecs is loaded by the import; the signer then works as before.
    assert result == {'before': [], 'verified': True, 'tampered': False, 'loaded': True, 'decoded': 2}


def test_signed_requests_work_with_the_deferred_modules():
    result = run_python(
        'import json, sys\n'
        'from ansible_collections.hwcloud.dcs.plugins.module_utils.sdk import load_sdk\n'
        'sdk = load_sdk()\n'
        'from huaweicloudsdkcore.sdk_request import SdkRequest\n'
        'request = SdkRequest(method="GET", schema="https", host="dcs.unit.test", resource_path="/v2/p/instances", query_params=[],\n'
        '                     header_params={"Content-Type": "application/json"})\n'
        'signed = sdk.BasicCredentials("AK0001", "secret-0001", "p").sign_request(request)\n'
        'print(json.dumps({"auth": signed.header_params["Authorization"].split(" ")[0],\n'
        '                  "asn1_loaded": "pyasn1.codec.ber.encoder" in sys.modules}))\n')
    assert result == {'auth': 'SDK-HMAC-SHA256', 'asn1_loaded': False}
