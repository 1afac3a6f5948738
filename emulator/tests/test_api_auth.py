# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Authentication as the cloud does it: SDK-HMAC-SHA256 signatures, access keys, projects, clock skew."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import requests
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException, SdkException
from huaweicloudsdkcore.region.region import Region
from huaweicloudsdkdcs.v2 import DcsClient, ListInstancesRequest, ShowInstanceRequest

from conftest import AK, AK2, INSTANCE, OTHER_INSTANCE, PROJECT, PROJECT2, REGION, SK, SK2, import_request


SIGNATURE_FAIL = "Incorrect IAM authentication information: verify aksk signature fail"


def _error(call):
    with pytest.raises(ClientRequestException) as info:
        call()
    return info.value.status_code, info.value.error_code


def _sdk_error(call) -> ClientRequestException:
    with pytest.raises(ClientRequestException) as info:
        call()
    return info.value


def test_signed_request_is_accepted(emu):
    listed = emu.client().list_instances(ListInstancesRequest())
    assert listed.instance_num == 2 and {i.instance_id for i in listed.instances} >= {INSTANCE}


def test_wrong_secret_key_is_the_gateways_401(emu):
    error = _sdk_error(lambda: emu.client(sk=SK + "x").list_instances(ListInstancesRequest()))
    assert (error.status_code, error.error_code, error.error_msg) == (401, "APIGW.0301", SIGNATURE_FAIL)
    assert len(error.request_id) == 32  # the SDK takes it from the X-Request-Id header
    assert SK not in str(error)


def test_unknown_access_key_is_401_naming_the_key(emu):
    error = _sdk_error(lambda: emu.client(ak="AKUNKNOWN").list_instances(ListInstancesRequest()))
    assert (error.status_code, error.error_code) == (401, "APIGW.0301")
    assert error.error_msg == "Incorrect IAM authentication information: ak AKUNKNOWN not exist"


def test_wrong_secret_key_creates_nothing(emu):
    assert _error(lambda: emu.client(sk="bad").create_migration_task(import_request("forged")))[0] == 401
    assert emu.admin("GET", "health")["tasks"] == 0


def test_project_the_key_does_not_own_is_403(emu):
    error = _sdk_error(lambda: emu.client(project=PROJECT2).list_instances(ListInstancesRequest()))
    assert (error.status_code, error.error_code) == (403, "DCS.2003")
    assert error.error_msg == "This role does not have the permission to perform this operation."
    other = emu.client(ak=AK2, sk=SK2, project=PROJECT2)
    assert other.show_instance(ShowInstanceRequest(instance_id=OTHER_INSTANCE)).name == "dcs-other"
    assert _error(lambda: emu.client(ak=AK2, sk=SK2, project=PROJECT).list_instances(ListInstancesRequest()))[0] == 403


@pytest.mark.parametrize("minutes,accepted", [(14, True), (-14, True), (16, False), (-16, False)])
def test_sdk_date_skew_over_15_minutes_is_401(emu, minutes, accepted):
    client = emu.client()
    moment = datetime.now(timezone.utc) - timedelta(minutes=minutes)
    client.preset_headers["X-Sdk-Date"] = moment.strftime("%Y%m%dT%H%M%SZ")
    if accepted:
        assert client.list_instances(ListInstancesRequest()).instance_num == 2
    else:
        assert _error(lambda: client.list_instances(ListInstancesRequest())) == (401, "APIGW.0301")


def test_unsigned_request_is_401(emu):
    response = requests.get(emu.url + "/v2/%s/instances" % PROJECT, timeout=5)
    assert response.status_code == 401
    assert response.json() == {"error_msg": "Incorrect IAM authentication information: x-auth-token not found",
                               "error_code": "APIGW.0301", "request_id": response.headers["X-Request-Id"]}


def test_region_lookup_through_iam(emu):
    """with_region: the SDK finds the project ID at {iam}/v3/projects?name=<region> and signs with it."""
    credentials = BasicCredentials(AK, SK).with_iam_endpoint(emu.url)
    client = DcsClient.new_builder().with_credentials(credentials).with_region(Region(REGION, emu.url)).build()
    assert client.show_instance(ShowInstanceRequest(instance_id=INSTANCE)).name == "dcs-demo"
    assert credentials.project_id == PROJECT
    assert emu.admin("GET", "stats")["operations"]["keystone_list_projects"] == 1


def test_region_lookup_of_an_unknown_region_finds_nothing(emu):
    credentials = BasicCredentials(AK, SK).with_iam_endpoint(emu.url)
    with pytest.raises(SdkException) as info:  # raised while building: the SDK looks the project up eagerly
        DcsClient.new_builder().with_credentials(credentials).with_region(Region("xx-nowhere-1", emu.url)).build()
    assert "Failed to get project id of region 'xx-nowhere-1'" in info.value.error_msg
