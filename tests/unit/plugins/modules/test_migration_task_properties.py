# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property-based tests: invalid and hostile option values always end in one clear failure, before any API call.

Hypothesis generates wrong types, huge strings, unicode, path tricks in file names, bad dates, missing
nested keys and unknown options, each put into an otherwise valid request. Every case must fail with a
one-line msg that names the option, print no traceback, and make no HTTP request at all (the `responses`
mock has no answer registered: it records any request the SDK would send).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import re
import string

import pytest

hypothesis = pytest.importorskip('hypothesis')
from hypothesis import HealthCheck, given, settings  # noqa: E402 pylint: disable=wrong-import-position
from hypothesis import strategies as st  # noqa: E402 pylint: disable=wrong-import-position

from ansible_collections.hwcloud.dcs.plugins.modules import migration_task  # noqa: E402 pylint: disable=wrong-import-position

INSTANCE_ID = 'd2c8399f-bdba-43c1-8069-3ff17a1a79d5'
VALID = dict(
    task_name='restore-sessions',
    backup_files=dict(file_source='self_build_obs', bucket_name='redis-backups',
                      files=[dict(file_name='dump.rdb', size='1024', update_at='2024-11-06 10:00:00')]),
    target_instance=dict(id=INSTANCE_ID, password='unit-redis-password-Uh6Dw0PeV8mAz2'),
)
PROPERTY_SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                             suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
INT_TEXT = re.compile(r'^\s*[-+]?\d+\s*$')
# Every option name at any level (and aliases): an unknown one is anything else.
KNOWN_OPTIONS = frozenset([
    'name', 'state', 'description', 'task_id', 'task_name', 'wait', 'retries', 'region', 'endpoint', 'api_timeout',
    'wait_timeout', 'access_key', 'secret_key', 'security_token', 'project_id', 'iam_endpoint', 'validate_certs',
    'ca_bundle', 'network_type', 'source_instance', 'target_instance', 'backup_files', 'retry_failed',
    'migration_type', 'migration_method', 'id', 'ip', 'port', 'addrs', 'db', 'password', 'proxy_multi_db', 'size',
    'update_at', 'backup_id', 'file_source', 'bucket_name', 'files', 'file_name'])
BOOLEAN_WORDS = frozenset(['y', 'yes', 'on', '1', 'true', 't', 'n', 'no', 'off', '0', 'false', 'f'])

# Text that users and attackers type: any unicode, control characters, path tricks, huge strings.
hostile_text = st.one_of(
    st.text(min_size=1, max_size=80),
    st.text(alphabet=st.characters(min_codepoint=0x80), min_size=1, max_size=40),
    st.text(alphabet=string.printable, min_size=1, max_size=40),
    st.integers(min_value=2000, max_value=200000).map(lambda n: 'a' * n),
    st.sampled_from(['../../etc/passwd', '/etc/shadow', '..', '.', 'a/../../b', 'a//b', '\\\\server\\share',
                     'C:\\dump', 'dump\x00.rdb', 'dump\n.rdb', '$(reboot)', '`id`', "'; DROP TABLE tasks;--",
                     '%2e%2e%2f', '\u202e', '\ufeffname', 'nm\u200b', 'ﾀｽｸ', '任务', 'ĳ']),
)


def with_value(path, value):
    """The valid request with the option at `path` (a tuple of keys/indexes) set to value."""
    args = copy.deepcopy(VALID)
    node = args
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return args


def run_invalid(run, dcs, args, names):
    """Run the module; it must fail, on one line, naming one of `names`, without a request."""
    result = run(args)
    assert result.failed, (args, result)
    msg = result['msg']
    assert msg and '\n' not in msg and '\r' not in msg, repr(msg)
    assert any(name in msg for name in names), (names, msg)
    assert 'Traceback' not in result.output and 'exception' not in result
    assert dcs.calls() == [], 'an invalid request reached the API: %r' % (dcs.calls(),)
    return msg


@pytest.fixture
def run(run_module):
    def run_main(args, **kwargs):
        return run_module(migration_task.main, args, **kwargs)
    return run_main


def not_an_int(value):
    return not (isinstance(value, str) and INT_TEXT.match(value))


# -- wrong types ----------------------------------------------------------------------------------

@PROPERTY_SETTINGS
@given(option=st.sampled_from(['retries', 'api_timeout', 'wait_timeout']),
       value=st.one_of(st.text(min_size=1).filter(not_an_int), st.lists(st.integers(), min_size=1),
                       st.dictionaries(st.text(), st.integers(), min_size=1),
                       st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not f.is_integer())))
def test_integers_of_the_wrong_type(run, dcs, option, value):
    run_invalid(run, dcs, with_value((option,), value), [option])


@PROPERTY_SETTINGS
@given(option=st.sampled_from([('wait',), ('retry_failed',), ('validate_certs',), ('target_instance', 'proxy_multi_db')]),
       value=st.one_of(st.text(min_size=1).filter(lambda t: t.strip().lower() not in BOOLEAN_WORDS),
                       st.lists(st.booleans(), min_size=1), st.integers(min_value=2)))
def test_booleans_of_the_wrong_type(run, dcs, option, value):
    run_invalid(run, dcs, with_value(option, value), [option[-1]])


@PROPERTY_SETTINGS
@given(option=st.sampled_from([('state',), ('migration_type',), ('migration_method',), ('backup_files', 'file_source')]),
       value=hostile_text)
def test_choices_outside_the_list(run, dcs, option, value):
    choices = {'state': 'present', 'migration_type': 'backupfile_import', 'migration_method': 'full_amount_migration',
               'file_source': 'self_build_obs'}
    if value in (choices[option[-1]], 'absent', 'stopped', 'online_migration', 'incremental_migration', 'backup_record'):
        return
    run_invalid(run, dcs, with_value(option, value), [option[-1]])


@PROPERTY_SETTINGS
@given(option=st.sampled_from([('backup_files',), ('target_instance',), ('source_instance',), ('backup_files', 'files')]),
       value=st.one_of(st.integers(), st.lists(st.integers(), min_size=1), st.floats(allow_nan=False)))
def test_structures_of_the_wrong_type(run, dcs, option, value):
    run_invalid(run, dcs, with_value(option, value), [option[-1]])


@PROPERTY_SETTINGS
@given(port=st.one_of(st.integers(max_value=0), st.integers(min_value=65536), st.text(min_size=1).filter(not_an_int)))
def test_ports_that_are_no_ports(run, dcs, port):
    run_invalid(run, dcs, with_value(('target_instance', 'port'), port), ['port'])


# -- hostile strings -------------------------------------------------------------------------------

@PROPERTY_SETTINGS
@given(name=hostile_text)
def test_task_names_outside_the_service_rule(run, dcs, name):
    if re.match(r'^[A-Za-z][A-Za-z0-9_-]{3,63}$', name):
        return
    msg = run_invalid(run, dcs, with_value(('task_name',), name), ['task_name'])
    assert len(msg) < 400  # a huge value is cut in the message


@PROPERTY_SETTINGS
@given(name=hostile_text, suffix=st.sampled_from(['.rdb', '.aof', '.zip', '.tar.gz', '', '.RDB', '.rdb.exe']))
def test_file_names_with_path_tricks_or_bad_suffixes(run, dcs, name, suffix):
    file_name = name + suffix
    safe = (file_name.lower().endswith(('.rdb', '.aof', '.zip', '.tar.gz')) and len(file_name.encode('utf-8')) <= 1024
            and all(c.isprintable() for c in file_name) and not file_name.startswith('/') and '\\' not in file_name
            and all(part not in ('', '.', '..') for part in file_name.split('/')))
    if safe:
        return
    run_invalid(run, dcs, with_value(('backup_files', 'files', 0, 'file_name'), file_name),
                ['backup_files.files[0].file_name'])


@PROPERTY_SETTINGS
@given(value=hostile_text, option=st.sampled_from([('backup_files', 'bucket_name'), ('target_instance', 'id'),
                                                   ('target_instance', 'db'), ('backup_files', 'files', 0, 'size')]))
def test_names_ids_and_numbers_outside_the_rules(run, dcs, value, option):
    rules = {'bucket_name': r'^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$', 'id': r'^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$',
             'db': r'^[0-9]+$', 'size': r'^[0-9]+$|^[0-9]+(\.[0-9]+)?(B|KB|MB|GB|TB)$'}
    if re.match(rules[option[-1]], value):
        return
    shown = 'backup_files.files[0].size' if option[-1] == 'size' else '.'.join(option)
    run_invalid(run, dcs, with_value(option, value), [shown])


@PROPERTY_SETTINGS
@given(size=st.integers(min_value=1025, max_value=300000))
def test_huge_descriptions(run, dcs, size):
    run_invalid(run, dcs, with_value(('description',), 'd' * size), ['description'])


@PROPERTY_SETTINGS
@given(date=st.one_of(
    hostile_text,
    st.datetimes().map(lambda d: d.isoformat()),  # 'T' separator, microseconds
    st.tuples(st.integers(0, 9999), st.integers(0, 99), st.integers(0, 99), st.integers(0, 99), st.integers(0, 99),
              st.integers(0, 99)).map(lambda t: '%04d-%02d-%02d %02d:%02d:%02d' % t),
    st.sampled_from(['２０２４-01-01 00:00:00', '2024-02-30 10:00:00', '2024-1-1 1:2:3', '', ' 2024-01-01 00:00:00'])))
def test_bad_dates(run, dcs, date):
    # The API's table form, and the UTC form of OBS that the Terraform provider sends ('2025-07-22T11:57:24.401Z').
    if re.match(r'^[0-9]{4}-[0-9]{2}-[0-9]{2}'
                r'( [0-9]{2}:[0-9]{2}:[0-9]{2}|T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z)$', date):
        try:
            __import__('datetime').datetime.strptime(date[:19].replace('T', ' '), '%Y-%m-%d %H:%M:%S')
            return  # a real date
        except ValueError:
            pass
    run_invalid(run, dcs, with_value(('backup_files', 'files', 0, 'update_at'), date),
                ['backup_files.files[0].update_at'])


# -- missing and unknown keys ----------------------------------------------------------------------

@PROPERTY_SETTINGS
@given(path=st.sampled_from([('task_name',), ('backup_files',), ('target_instance',), ('target_instance', 'id'),
                             ('backup_files', 'bucket_name'), ('backup_files', 'files'),
                             ('backup_files', 'files', 0, 'file_name')]))
def test_missing_required_keys(run, dcs, path):
    args = copy.deepcopy(VALID)
    node = args
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    run_invalid(run, dcs, args, [path[-1]])


@PROPERTY_SETTINGS
@given(where=st.sampled_from([(), ('backup_files',), ('target_instance',), ('backup_files', 'files', 0)]),
       name=st.text(alphabet=string.ascii_lowercase + '_', min_size=3, max_size=20), value=st.text(max_size=10))
def test_unknown_options(run, dcs, where, name, value):
    args = copy.deepcopy(VALID)
    node = args
    for key in where:
        node = node[key]
    if name in node or name.startswith('_') or name in KNOWN_OPTIONS:
        return
    node[name] = value
    run_invalid(run, dcs, args, [name])
