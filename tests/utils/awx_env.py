# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render the AWX credential types' injectors (awx/) the way AWX does.

For tests that run the modules with only what an AWX job would get from its credentials:

    from awx_env import injected_env, inject
    env = injected_env(access_key='AK', secret_key='SK', project_id='...', region='...')
    injection = inject(DCS_CREDENTIAL_TYPE, private_data_dir, access_key='AK', ..., ca_bundle=pem)
    injection.env, injection.extra_vars, injection.files

or from a shell (prints JSON, or `export` lines with --export):

    python tests/utils/awx_env.py access_key=AK secret_key=SK region=ap-southeast-1

AWX's rules, mirrored here: inputs are checked against the input configuration (unknown
fields, values outside a field's choices and missing required ones are refused, as the AWX API
does when a credential is saved); a boolean field left unset is false; templates are rendered
with Jinja2's immutable sandbox over the inputs that have a value, so an optional input left
empty renders as an empty string; every file template is written to a private file under
<private_data_dir>/env (even when it renders empty) and `tower.filename.<label>` names it;
extra_vars are written to a file passed as `-e @file`; names starting with ANSIBLE_ are never
injected.
"""

from __future__ import annotations

import json
import os
import shlex
import stat
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

AWX_DIR = Path(__file__).resolve().parents[2] / 'awx'
DCS_CREDENTIAL_TYPE = 'credential_type'
REDIS_PASSWORD_CREDENTIAL_TYPE = 'redis_password_credential_type'
INPUTS_FILE = AWX_DIR / (DCS_CREDENTIAL_TYPE + '_inputs.yml')
INJECTORS_FILE = AWX_DIR / (DCS_CREDENTIAL_TYPE + '_injectors.yml')


def load_credential_type(kind=DCS_CREDENTIAL_TYPE):
    """(inputs, injectors) as AWX would store them."""
    return (yaml.safe_load((AWX_DIR / (kind + '_inputs.yml')).read_text()),
            yaml.safe_load((AWX_DIR / (kind + '_injectors.yml')).read_text()))


def checked_namespace(inputs, values):
    """The template namespace AWX builds from a credential's values, after AWX's save-time checks."""
    fields = {field['id']: field for field in inputs['fields']}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ValueError('not an input of the credential type: %s' % ', '.join(unknown))
    missing = [name for name in inputs.get('required', []) if not values.get(name)]
    if missing:
        raise ValueError('required input(s) without a value: %s' % ', '.join(missing))
    for name, value in values.items():
        choices = fields[name].get('choices')
        if choices and value not in (None, '') and value not in choices:
            raise ValueError('%s: %r is not one of %s' % (name, value, choices))
    namespace = dict((name, value) for name, value in values.items() if value not in (None, ''))
    for name, field in fields.items():
        if field['type'] == 'boolean' and name not in values:
            namespace[name] = False
    return namespace


def private_file(private_data_dir, text, mode):
    env_dir = Path(private_data_dir) / 'env'
    env_dir.mkdir(parents=True, exist_ok=True)
    handle, path = tempfile.mkstemp(dir=str(env_dir))
    with os.fdopen(handle, 'w') as stream:
        stream.write(text)
    os.chmod(path, mode)
    return path


def inject(kind, private_data_dir, **values):
    """What a job gets from one credential: env, extra_vars (dict) and {label: path} of the files written."""
    inputs, injectors = load_credential_type(kind)
    namespace = checked_namespace(inputs, values)
    sandbox = ImmutableSandboxedEnvironment()
    single, files = None, {}
    for label, template in injectors.get('file', {}).items():
        path = private_file(private_data_dir, sandbox.from_string(template).render(**namespace),
                            stat.S_IRUSR | stat.S_IWUSR)
        if '.' in label:  # template.<name>: tower.filename.<name>; a bare label: tower.filename itself
            files[label.split('.', 1)[1]] = path
        else:
            single = path
    namespace['tower'] = SimpleNamespace(filename=single or SimpleNamespace(**files))
    env = dict((name, sandbox.from_string(template).render(**namespace))
               for name, template in injectors.get('env', {}).items() if not name.startswith('ANSIBLE_'))
    extra_vars = dict((name, sandbox.from_string(template).render(**namespace))
                      for name, template in injectors.get('extra_vars', {}).items())
    return SimpleNamespace(env=env, extra_vars=extra_vars, files=dict(files, **({'template': single} if single else {})))


def injected_env(private_data_dir=None, **values):
    """The environment variables an AWX job gets from a "Huawei Cloud DCS" credential with these values.

    Without private_data_dir the files AWX writes go to a directory removed at once: fine while no file
    injector has content (a ca_bundle needs the job's directory, where its file must stay).
    """
    if private_data_dir is not None:
        return inject(DCS_CREDENTIAL_TYPE, private_data_dir, **values).env
    if values.get('ca_bundle'):
        raise ValueError('a ca_bundle is written to a file: pass the private_data_dir it must stay in')
    with tempfile.TemporaryDirectory(prefix='awx-private-data-') as scratch:
        return inject(DCS_CREDENTIAL_TYPE, scratch, **values).env


def main(argv):
    export = '--export' in argv
    values = dict(arg.split('=', 1) for arg in argv if arg != '--export')
    env = injected_env(**values)
    if export:
        print('\n'.join('export %s=%s' % (name, shlex.quote(value)) for name, value in sorted(env.items())))
    else:
        print(json.dumps(env, indent=2, sort_keys=True))


if __name__ == '__main__':
    main(sys.argv[1:])
