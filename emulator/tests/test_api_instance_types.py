# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Instance types, SSL and tags as the list and show calls report them (ShowInstanceResponse.cache_mode,
spec_code, enable_ssl, tags; the list call's exact-name and tags filters), through the SDK."""

from __future__ import annotations

import pytest
from huaweicloudsdkdcs.v2 import ListInstancesRequest, ShowInstanceRequest

from dcs_emulator import config as config_mod

from conftest import PROJECT, EmulatorProcess, base_config

CLUSTER = "3f6bd5b4-1111-4222-8333-9444555599a1"
PROXY = "3f6bd5b4-1111-4222-8333-9444555599a2"
SPLIT = "3f6bd5b4-1111-4222-8333-9444555599a3"


@pytest.fixture(scope="module")
def typed(tmp_path_factory):
    root = tmp_path_factory.mktemp("typed")
    config = base_config(root)
    config["instances"] += [
        {"id": CLUSTER, "name": "dcs-cluster", "project_id": PROJECT, "type": "cluster", "enable_ssl": True,
         "max_memory": 4096, "tags": {"team": "payments", "env": "prod"}},
        {"id": PROXY, "name": "dcs-proxy", "project_id": PROJECT, "type": "proxy", "max_memory": 8192,
         "tags": {"team": "payments", "env": "test"}},
        {"id": SPLIT, "name": "dcs-split", "project_id": PROJECT, "type": "ha_rw_split", "max_memory": 2048},
    ]
    server = EmulatorProcess(root, config).start()
    yield server.client()
    server.stop()


@pytest.mark.parametrize("instance_id,cache_mode,spec_code,ssl", [
    (CLUSTER, "cluster", "redis.cluster.xu1.large.r2.4", True),
    (PROXY, "proxy", "redis.proxy.xu1.large.8", False),
    (SPLIT, "ha_rw_split", "redis.ha.xu1.large.p2.2", False),
])
def test_show_reports_the_configured_type_and_ssl(typed, instance_id, cache_mode, spec_code, ssl):
    shown = typed.show_instance(ShowInstanceRequest(instance_id=instance_id))
    assert (shown.cache_mode, shown.spec_code, shown.enable_ssl) == (cache_mode, spec_code, ssl)


def test_an_instance_without_a_type_is_single_node_without_ssl(typed):
    listed = typed.list_instances(ListInstancesRequest(name_equal="dcs-demo")).instances
    assert [(i.spec_code, i.enable_ssl, i.tags) for i in listed] == [("redis.single.xu1.large.1", False, [])]


def test_list_shows_spec_code_and_tags(typed):
    (listed,) = typed.list_instances(ListInstancesRequest(instance_id=CLUSTER)).instances
    assert listed.spec_code == "redis.cluster.xu1.large.r2.4" and listed.enable_ssl is True
    assert sorted((tag.key, tag.value) for tag in listed.tags) == [("env", "prod"), ("team", "payments")]


@pytest.mark.parametrize("tags,expected", [
    ("team=payments", ["dcs-cluster", "dcs-proxy"]),
    ("team=payments,env=test", ["dcs-proxy"]),
    ("env=prod,team=other", []),
])
def test_list_filters_by_every_tag(typed, tags, expected):
    listed = typed.list_instances(ListInstancesRequest(tags=tags)).instances
    assert sorted(i.name for i in listed) == expected


def test_name_equal_is_exact_and_name_is_fuzzy(typed):
    assert sorted(i.name for i in typed.list_instances(ListInstancesRequest(name="dcs-")).instances) == [
        "dcs-cluster", "dcs-demo", "dcs-frozen", "dcs-proxy", "dcs-split"]
    assert [i.name for i in typed.list_instances(ListInstancesRequest(name="dcs-", name_equal="dcs-proxy")).instances] \
        == ["dcs-proxy"]


@pytest.mark.parametrize("change,problem", [
    ({"type": "mesh"}, "instances[0].type: must be one of single, ha, cluster, proxy or ha_rw_split"),
    ({"enable_ssl": "yes"}, "instances[0].enable_ssl: must be true or false"),
    ({"tags": {"team": 7}}, "instances[0].tags.team: must be a string (quote it)"),
])
def test_config_refuses_bad_types_ssl_flags_and_tags(tmp_path, change, problem):
    raw = base_config(tmp_path)
    raw["instances"][0].update(change)
    with pytest.raises(config_mod.ConfigError) as info:
        config_mod.parse(raw, tmp_path)
    assert [p for p in info.value.problems if p.startswith(problem)], info.value.problems
