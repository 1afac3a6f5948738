# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection options shared by every module of the collection.

The environment fallbacks follow one order for every option: the SDK's own
variable names first, then the names used in the vendor's samples, then the
Terraform provider's. No ANSIBLE_ prefix: AWX credential types cannot inject
those. A variable that is set but empty counts as unset (a CI secret that was
not injected must not hide the next name). Keep this file in sync with
plugins/doc_fragments/connection.py.

endpoint, validate_certs and ca_bundle have no name in the SDK, the samples or
Terraform (whose `insecure` means the opposite of validate_certs, so it cannot
be a fallback). They take the SDK's family of names, next to the SDK's own
HUAWEICLOUD_SDK_IAM_ENDPOINT, so that one family configures a job and the AWX
credential type injects that family only.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import ssl

from ansible.module_utils.errors import AnsibleFallbackNotFound

ENV_FALLBACKS = {
    'access_key': ['HUAWEICLOUD_SDK_AK', 'CLOUD_SDK_AK', 'HW_ACCESS_KEY'],
    'secret_key': ['HUAWEICLOUD_SDK_SK', 'CLOUD_SDK_SK', 'HW_SECRET_KEY'],
    'security_token': ['HUAWEICLOUD_SDK_SECURITY_TOKEN'],
    'project_id': ['HUAWEICLOUD_SDK_PROJECT_ID', 'HW_PROJECT_ID'],
    'region': ['HW_REGION_NAME'],
    'endpoint': ['HUAWEICLOUD_SDK_DCS_ENDPOINT'],
    'iam_endpoint': ['HUAWEICLOUD_SDK_IAM_ENDPOINT'],
    'validate_certs': ['HUAWEICLOUD_SDK_VALIDATE_CERTS'],
    'ca_bundle': ['HUAWEICLOUD_SDK_CA_BUNDLE'],
}

DEFAULT_API_TIMEOUT = 60
DEFAULT_RETRIES = 3
DEFAULT_WAIT_TIMEOUT = 1800
URL_SCHEMES = ('https://', 'http://')
# Credentials are sent as they are: a space or line break around one only shows as a refused signature.
CREDENTIALS = ('access_key', 'secret_key', 'security_token')


def non_empty_env_fallback(*names):
    """The value of the first of the environment variables names that is set and not empty.

    ansible's env_fallback stops at the first variable that is set, even to "".
    """
    for name in names:
        if os.environ.get(name):
            return os.environ[name]
    raise AnsibleFallbackNotFound


def _with_env(name, spec):
    spec = dict(spec)
    if name in ENV_FALLBACKS:
        spec['fallback'] = (non_empty_env_fallback, list(ENV_FALLBACKS[name]))
    return spec


def connection_argument_spec():
    """Return a fresh copy of the connection options (callers may mutate it)."""
    base = {
        'access_key': dict(type='str', no_log=False),
        'secret_key': dict(type='str', no_log=True),
        'security_token': dict(type='str', no_log=True),
        'project_id': dict(type='str'),
        'region': dict(type='str'),
        'endpoint': dict(type='str'),
        'iam_endpoint': dict(type='str'),
        'validate_certs': dict(type='bool', default=True),
        'ca_bundle': dict(type='path'),
        'api_timeout': dict(type='int', default=DEFAULT_API_TIMEOUT),
        'retries': dict(type='int', default=DEFAULT_RETRIES),
    }
    return dict((name, _with_env(name, spec)) for name, spec in base.items())


def wait_argument_spec():
    """Options of modules that can wait for a long-running operation."""
    return {
        'wait': dict(type='bool', default=True),
        'wait_timeout': dict(type='int', default=DEFAULT_WAIT_TIMEOUT),
    }


def check_connection_options(params):
    """Return a one-line message naming what is missing, or None.

    Runs before the SDK is imported so that bad input fails fast and never
    reaches the API (nor the SDK's metadata-service fallback).
    """
    missing = [name for name in ('access_key', 'secret_key') if not params.get(name)]
    if missing:
        return ('missing %s: set the option%s or the environment variable (%s); '
                'the module never falls back to the instance metadata service'
                % (' and '.join(missing), 's' if len(missing) > 1 else '',
                   '; '.join('%s: %s' % (name, ', '.join(ENV_FALLBACKS[name])) for name in missing)))
    padded = [name for name in CREDENTIALS if params.get(name) and params[name] != params[name].strip()]
    if padded:
        return ('%s %s spaces or a line break at the start or end (a copy-paste or a file read with its newline?): '
                'remove them, in the option or in the environment variable it came from; the value is not shown'
                % (' and '.join(padded), 'has' if len(padded) == 1 else 'have'))
    if not params.get('region') and not params.get('endpoint'):
        return 'one of region or endpoint is required (region may also come from HW_REGION_NAME)'
    if params.get('endpoint') and not params.get('project_id') and not params.get('region'):
        return ('project_id is required when endpoint is set without region '
                '(or set region so the project is looked up through IAM at iam_endpoint)')
    for name in ('api_timeout',):
        if params.get(name) is not None and params[name] <= 0:
            return '%s must be a positive number of seconds, got %s' % (name, params[name])
    if params.get('retries') is not None and params['retries'] < 0:
        return 'retries must be 0 or more, got %s' % params['retries']
    return endpoint_problem(params) or ca_bundle_problem(params)


def endpoint_problem(params):
    """A message if endpoint or iam_endpoint is not an http(s) URL with a host, else None."""
    for name in ('endpoint', 'iam_endpoint'):
        url = params.get(name)
        if not url:
            continue
        if not url.lower().startswith(URL_SCHEMES):
            return ("%s must start with https:// (or http:// for a plain-HTTP test endpoint), got '%s': "
                    "for example https://%s" % (name, url, url.split('://')[-1]))
        if not url.split('://', 1)[1].split('/')[0]:
            return "%s has no host name: '%s'" % (name, url)
    return None


def ca_bundle_problem(params):
    """A message if ca_bundle (used only with validate_certs) cannot be read or holds no certificate, else None."""
    path = params.get('ca_bundle')
    if not path or not params.get('validate_certs', True) or os.path.isdir(path):
        return None  # a directory of hashed certificates works too (requests hands it to OpenSSL as capath)
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cafile=path)
    except ssl.SSLError as error:
        return 'ca_bundle %s holds no PEM certificate that can be loaded (%s)' % (path, error)
    except (IOError, OSError) as error:
        return 'ca_bundle %s cannot be read: %s' % (path, error.strerror or error)
    return None
