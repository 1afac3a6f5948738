# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""hwcloud.dcs.instance_info end to end: the real module and SDK, canned DCS HTTP answers."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from dcs_emulator.testing import shapes

from ansible_collections.hwcloud.dcs.plugins.modules import instance_info
from ansible_collections.hwcloud.dcs.tests.unit.conftest import INSTANCE_ID, PASSWORD


@pytest.fixture
def run(run_module):
    return lambda args, **kwargs: run_module(instance_info.main, args, **kwargs)


def listed(instance_id, name, spec_code='redis.ha.xu1.large.r2.2', **extra):
    """An instance as the list call answers it (the emulator's serialiser, a 2 GB master/standby Redis 5.0 with a
    tag), with extra fields on top; the SDK's list model drops cache_mode: only the spec code tells the type."""
    item = shapes.instance_detail(instance_id, name, ip='192.168.0.20', port=6379, engine_version='5.0',
                                  max_memory=2048, type='ha', tags={'team': 'payments'})
    item.update(used_memory=12, spec_code=spec_code, domain_name='redis-%s.dcs.example.com' % name)
    item.update(extra)
    return item


def add_list(dcs, *items, **kwargs):
    count = kwargs.pop('count', len(items))
    dcs.add('GET', '/instances', body=dict(instance_num=count, instances=list(items)))


def query_of(call):
    return dict(part.split('=', 1) for part in call[2].split('&') if part)


def test_lists_every_instance_over_all_pages_with_types(run, dcs):
    first = [listed('i%03d' % i, 'dcs-%d' % i) for i in range(100)]
    add_list(dcs, *first, count=103)
    add_list(dcs, listed('i100', 'dcs-cluster', spec_code='redis.cluster.xu1.large.r2.4'),
             listed('i101', 'dcs-proxy', spec_code='redis.proxy.xu1.large.4'),
             listed('i102', 'dcs-split', spec_code='redis.ha.xu1.large.p2.2'), count=103)

    result = run({})

    assert result['changed'] is False and not result.failed
    assert [item['instance_id'] for item in result['instances']] == ['i%03d' % i for i in range(103)]
    assert [item['type'] for item in result['instances'][-4:]] == ['master_standby', 'cluster', 'proxy_cluster',
                                                                   'rw_splitting']
    first_item = result['instances'][0]
    assert (first_item['engine_version'], first_item['ip'], first_item['port'], first_item['enable_ssl'],
            first_item['max_memory'], first_item['used_memory'], first_item['capacity']) == (
        '5.0', '192.168.0.20', 6379, False, 2048, 12, 2)
    assert [query_of(call)['offset'] for call in dcs.calls('GET', '/instances')] == ['0', '100']


def test_name_is_exact_under_both_readings_of_name_equal(run, dcs):
    # A service that reads name_equal as a true/false switch answers the fuzzy `name` match.
    add_list(dcs, listed(INSTANCE_ID, 'dcs-test'), listed('other', 'dcs-test-2'), listed('third', 'my-dcs-test'))

    result = run(dict(name='dcs-test'))

    assert [item['instance_id'] for item in result['instances']] == [INSTANCE_ID]
    query = query_of(dcs.calls('GET', '/instances')[0])
    assert (query['name'], query['name_equal']) == ('dcs-test', 'dcs-test')


def test_filters_the_api_has_are_sent_and_the_others_applied(run, dcs):
    add_list(dcs, listed('a', 'dcs-a'), listed('b', 'dcs-b', engine_version='6.0'),
             listed('c', 'dcs-c', engine='Memcached'), listed('d', 'dcs-d', tags=[dict(key='team', value='other')]),
             listed('e', 'dcs-e', status='FROZEN'))

    result = run(dict(status='RUNNING', engine='redis', engine_version='5.0', tags=dict(team='payments')))

    assert [item['instance_id'] for item in result['instances']] == ['a']
    query = query_of(dcs.calls('GET', '/instances')[0])
    assert (query['status'], query['tags']) == ('RUNNING', 'team%3Dpayments')
    assert 'engine' not in query and 'engine_version' not in query


def test_instance_id_filter_and_nothing_found_is_an_empty_list(run, dcs):
    add_list(dcs)

    result = run(dict(instance_id=INSTANCE_ID))

    assert result['instances'] == [] and not result.failed
    assert query_of(dcs.calls('GET', '/instances')[0])['instance_id'] == INSTANCE_ID


def test_type_comes_from_the_spec_code_and_legacy_codes_are_read(run, dcs):
    # The list call's model has no cache_mode: the SDK drops it even if the service sent it.
    add_list(dcs, listed('a', 'dcs-a', cache_mode='cluster', spec_code='redis.single.xu1.large.1'),
             listed('b', 'dcs-b', spec_code='dcs.cluster'), listed('c', 'dcs-c', spec_code='dcs.master_standby'),
             listed('d', 'dcs-d', spec_code=None))

    result = run({})

    assert [(item['type'], item['cache_mode']) for item in result['instances']] == [
        ('single', 'single'), ('proxy_cluster', 'proxy'), ('master_standby', 'ha'), (None, None)]


def test_no_password_is_returned(run, dcs):
    add_list(dcs, listed('a', 'dcs-a', password=PASSWORD, access_password=PASSWORD))

    result = run({})

    assert PASSWORD not in result.output
    assert result['instances'][0]['instance_id'] == 'a'


def test_api_error_fails_with_its_codes(run, dcs):
    dcs.error('GET', '/instances', 403, 'DCS.2003', 'The request is rejected.')

    result = run({})

    assert result.failed
    assert (result['error_code'], result['status_code']) == ('DCS.2003', 403)
    assert 'list instances' in result['msg'] and '\n' not in result['msg']


@pytest.mark.parametrize('args,message', [
    (dict(name=' '), 'name must not be empty'),
    (dict(tags={'a,b': 'c'}), "tags: key 'a,b' with value 'c' cannot be sent"),
    (dict(tags={'team': 'x,y'}), "tags: key 'team' with value 'x,y' cannot be sent"),
])
def test_bad_input_fails_before_any_call(run, dcs, args, message):
    result = run(args)

    assert result.failed and message in result['msg']
    assert dcs.calls() == []
