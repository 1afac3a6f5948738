# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWX credential type (awx/) injects exactly what the modules read, the way they read it.

Checked against both what users read (plugins/doc_fragments/connection.py) and what the code
does (plugins/module_utils/options.py), so a renamed variable on either side fails here.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import certifi
import jinja2
import jinja2.meta
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from awx_env import (REDIS_PASSWORD_CREDENTIAL_TYPE, inject, injected_env,  # noqa: E402  pylint: disable=wrong-import-position
                     load_credential_type)

ROOT = Path(__file__).resolve().parents[2]


def load_file(name, relpath):
    spec = importlib.util.spec_from_file_location(name, ROOT / relpath)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def options():
    return load_file('hwcloud_dcs_options', 'plugins/module_utils/options.py')


@pytest.fixture(scope='module')
def documented_env():
    """{option: [env names in the documented order]} from the connection doc fragment."""
    fragment = load_file('hwcloud_dcs_connection', 'plugins/doc_fragments/connection.py').ModuleDocFragment
    documented = {}
    for name, spec in yaml.safe_load(fragment.DOCUMENTATION)['options'].items():
        names = re.findall(r'E\((\w+)\)', ' '.join(spec.get('description', [])))
        if names:
            documented[name] = names
    return documented


@pytest.fixture(scope='module')
def credential_type():
    inputs, injectors = load_credential_type()
    fields = dict((field['id'], field) for field in inputs['fields'])
    # env var -> the input its template reads
    feeds = {}
    for env_name, template in injectors['env'].items():
        read = jinja2.meta.find_undeclared_variables(jinja2.Environment().parse(template)) - {'tower'}
        assert len(read) == 1, '%s: injector template %r must read exactly one input' % (env_name, template)
        feeds[env_name] = read.pop()
    return inputs, fields, feeds


def test_injects_no_ansible_variables(credential_type):
    _inputs, _fields, feeds = credential_type
    assert [name for name in feeds if name.startswith('ANSIBLE_')] == []


def test_each_injected_variable_is_the_first_one_its_option_reads(credential_type, options, documented_env):
    _inputs, fields, feeds = credential_type
    for env_name, field in feeds.items():
        assert field in fields, '%s reads unknown input %s' % (env_name, field)
        assert documented_env.get(field, [None])[0] == env_name, \
            '%s: docs say option %s reads %s first' % (env_name, field, documented_env.get(field))
        assert options.ENV_FALLBACKS[field][0] == env_name, \
            '%s: the code reads %s first for %s' % (env_name, options.ENV_FALLBACKS[field], field)


def test_every_option_with_an_environment_variable_can_be_injected(credential_type, options, documented_env):
    _inputs, _fields, feeds = credential_type
    assert sorted(set(feeds.values())) == sorted(options.ENV_FALLBACKS) == sorted(documented_env)


def test_secret_inputs_are_the_no_log_options(credential_type, options):
    _inputs, fields, _feeds = credential_type
    spec = options.connection_argument_spec()
    secret_inputs = sorted(name for name, field in fields.items() if field.get('secret'))
    no_log_options = sorted(name for name in fields if spec[name].get('no_log'))
    assert secret_inputs == no_log_options == ['secret_key', 'security_token']


def test_required_inputs_are_what_the_modules_refuse_to_run_without(credential_type, options):
    inputs, fields, _feeds = credential_type
    full = dict((name, 'value') for name in fields)
    full.update(endpoint='http://127.0.0.1:1', iam_endpoint='http://127.0.0.1:2', validate_certs=True,
                ca_bundle=certifi.where(), api_timeout=5, retries=0)
    assert options.check_connection_options(full) is None
    for name in fields:
        params = dict(full, **{name: ''})
        missing_is_fatal = options.check_connection_options(params) is not None
        assert missing_is_fatal == (name in inputs['required']), name


def env_fallback_params(options, env):
    """Connection params as Ansible's env_fallback would fill them from env alone."""
    params = {}
    for option, names in options.ENV_FALLBACKS.items():
        for name in names:
            if name in env:
                params[option] = env[name]
                break
    return params


def test_rendered_environment_alone_satisfies_the_modules(options):
    env = injected_env(access_key='AKEXAMPLE', secret_key='sk-example', region='ap-southeast-1')
    # Optional inputs left empty still arrive, empty, like AWX renders them.
    assert env == {
        'HUAWEICLOUD_SDK_AK': 'AKEXAMPLE',
        'HUAWEICLOUD_SDK_SK': 'sk-example',
        'HUAWEICLOUD_SDK_SECURITY_TOKEN': '',
        'HUAWEICLOUD_SDK_PROJECT_ID': '',
        'HW_REGION_NAME': 'ap-southeast-1',
        'HUAWEICLOUD_SDK_DCS_ENDPOINT': '',
        'HUAWEICLOUD_SDK_IAM_ENDPOINT': '',
        # Never empty: certificate checks stay on unless the credential says false.
        'HUAWEICLOUD_SDK_VALIDATE_CERTS': 'true',
        # AWX writes the (empty) file anyway; the variable only names it when there is a bundle.
        'HUAWEICLOUD_SDK_CA_BUNDLE': '',
    }
    params = env_fallback_params(options, env)
    assert params['access_key'] == 'AKEXAMPLE' and params['secret_key'] == 'sk-example'
    assert options.check_connection_options(dict(params, api_timeout=60, retries=3)) is None


def test_injected_values_win_over_other_variable_families(options):
    env = {'CLOUD_SDK_AK': 'sample-ak', 'HW_ACCESS_KEY': 'tf-ak', 'HW_PROJECT_ID': 'tf-project'}
    env.update(injected_env(access_key='awx-ak', secret_key='awx-sk', project_id='awx-project', region='r1'))
    params = env_fallback_params(options, env)
    assert (params['access_key'], params['project_id']) == ('awx-ak', 'awx-project')


def test_refuses_inputs_awx_would_refuse():
    with pytest.raises(ValueError, match='secret_key'):
        injected_env(access_key='AK')
    with pytest.raises(ValueError, match='api_timeout'):
        injected_env(access_key='AK', secret_key='SK', api_timeout='5')
    with pytest.raises(ValueError, match='validate_certs'):
        injected_env(access_key='AK', secret_key='SK', validate_certs='no')


def test_ca_bundle_is_a_private_file_named_by_its_variable(tmp_path):
    pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'
    injection = inject('credential_type', tmp_path, access_key='AK', secret_key='SK', region='r1',
                       endpoint='https://dcs.example.internal', validate_certs='true', ca_bundle=pem)
    path = injection.env['HUAWEICLOUD_SDK_CA_BUNDLE']
    assert path == injection.files['ca_bundle'] and Path(path).parent == tmp_path / 'env'
    assert Path(path).read_text() == pem and Path(path).stat().st_mode & 0o077 == 0
    assert injection.env['HUAWEICLOUD_SDK_DCS_ENDPOINT'] == 'https://dcs.example.internal'


def test_redis_password_credential_reaches_the_play_as_an_extra_variable_only(tmp_path):
    injection = inject(REDIS_PASSWORD_CREDENTIAL_TYPE, tmp_path, password='redis-secret')
    assert injection.env == {} and injection.extra_vars == {'dcs_target_password': 'redis-secret'}
    inputs, _injectors = load_credential_type(REDIS_PASSWORD_CREDENTIAL_TYPE)
    assert [field['id'] for field in inputs['fields'] if field.get('secret')] == ['password']


def closed_port():
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def run_module_adhoc(tmp_path, env_extra, args=None):
    """Run hwcloud.dcs.migration_task ad hoc in a clean environment plus env_extra; return its result.

    args defaults to a state=absent call to an endpoint where nothing listens.
    """
    collections = tmp_path / 'collections'
    (collections / 'ansible_collections' / 'hwcloud').mkdir(parents=True)
    os.symlink(ROOT, collections / 'ansible_collections' / 'hwcloud' / 'dcs')
    # Only what any job has (PATH, HOME) and runner settings; no credential comes from here.
    env = {
        'PATH': os.path.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', ''),
        'HOME': str(tmp_path),
        'ANSIBLE_COLLECTIONS_PATH': str(collections),
        'ANSIBLE_LOCAL_TEMP': str(tmp_path / 'tmp'),
        'ANSIBLE_STDOUT_CALLBACK': 'minimal',
        'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
    }
    env.update(env_extra)
    if args is None:
        args = 'task_name=awx-probe state=absent retries=0 api_timeout=5 endpoint=http://127.0.0.1:%d' % closed_port()
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible'), 'localhost',
                           '-m', 'hwcloud.dcs.migration_task', '-a', args],
                          env=env, capture_output=True, text=True, check=False, timeout=120)
    # minimal callback: "localhost | FAILED! => {...}" (the status is in the head, not in the JSON)
    assert ' => ' in proc.stdout, proc.stdout + proc.stderr
    head, body = proc.stdout.split(' => ', 1)
    result = json.loads(body)
    result['failed'] = 'FAILED' in head
    return result


def test_module_runs_with_only_the_injected_variables(tmp_path):
    """The module signs its calls with the injected keys: it gets as far as the network."""
    injected = injected_env(access_key='AKAWXPROBE', secret_key='awx-probe-secret', project_id='0' * 32,
                            region='ap-southeast-1')
    result = run_module_adhoc(tmp_path, injected)
    assert result['failed'] is True
    assert 'connection error' in result['msg'], result['msg']
    assert 'awx-probe-secret' not in json.dumps(result)


def test_module_without_the_injected_variables_names_them(tmp_path):
    result = run_module_adhoc(tmp_path, {})
    assert result['failed'] is True
    assert 'HUAWEICLOUD_SDK_AK' in result['msg'] and 'HUAWEICLOUD_SDK_SK' in result['msg'], result['msg']
