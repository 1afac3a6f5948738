# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render the AWX credential type's env injectors (awx/) the way AWX does, into an env dict.

For tests that run the modules with only what an AWX job would inject:

    from awx_env import injected_env
    env = injected_env(access_key='AK', secret_key='SK', project_id='...', region='...')

or from a shell (prints JSON, or `export` lines with --export):

    python tests/utils/awx_env.py access_key=AK secret_key=SK region=ap-southeast-1

AWX's rules, mirrored here: inputs are checked against the input configuration (unknown
fields and missing required ones are refused, as the AWX API does when a credential is saved);
each env template is rendered with Jinja2 over the inputs that have a value, so an optional
input left empty renders as an empty string; names starting with ANSIBLE_ are never injected.
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import jinja2
import yaml

AWX_DIR = Path(__file__).resolve().parents[2] / 'awx'
INPUTS_FILE = AWX_DIR / 'credential_type_inputs.yml'
INJECTORS_FILE = AWX_DIR / 'credential_type_injectors.yml'


def load_credential_type():
    """(inputs, injectors) as AWX would store them."""
    return yaml.safe_load(INPUTS_FILE.read_text()), yaml.safe_load(INJECTORS_FILE.read_text())


def injected_env(**values):
    """The environment variables an AWX job gets from a credential with these input values."""
    inputs, injectors = load_credential_type()
    fields = {field['id']: field for field in inputs['fields']}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ValueError('not an input of the credential type: %s' % ', '.join(unknown))
    missing = [name for name in inputs.get('required', []) if not values.get(name)]
    if missing:
        raise ValueError('required input(s) without a value: %s' % ', '.join(missing))
    namespace = dict((name, value) for name, value in values.items() if value not in (None, ''))
    env = {}
    for name, template in injectors.get('env', {}).items():
        if name.startswith('ANSIBLE_'):
            continue
        env[name] = jinja2.Template(template).render(**namespace)
    return env


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
