# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Connection options shared by every module (plugins/module_utils/options.py).
    DOCUMENTATION = r'''
options:
  access_key:
    description:
      - Access key ID (AK) used to sign API requests.
      - If not set, the first of these environment variables that is set is used,
        in this order, E(HUAWEICLOUD_SDK_AK), E(CLOUD_SDK_AK), E(HW_ACCESS_KEY).
      - Required (as option or environment variable). The modules never fall back to
        the ECS instance metadata service for credentials.
    type: str
  secret_key:
    description:
      - Secret access key (SK) that signs API requests. Never logged or returned.
      - If not set, the first of E(HUAWEICLOUD_SDK_SK), E(CLOUD_SDK_SK), E(HW_SECRET_KEY) that is set is used.
      - Required (as option or environment variable).
    type: str
  security_token:
    description:
      - Security token of temporary credentials (AK/SK obtained from IAM or STS).
        Sent as C(X-Security-Token). Never logged or returned.
      - If not set, E(HUAWEICLOUD_SDK_SECURITY_TOKEN) is used.
    type: str
  project_id:
    description:
      - ID of the project that owns the DCS instances.
      - If not set, the first of E(HUAWEICLOUD_SDK_PROJECT_ID), E(HW_PROJECT_ID) that is set is used.
      - If still not set, the project named after O(region) is looked up through IAM
        (C(GET /v3/projects?name=<region>) at O(iam_endpoint)); exactly one project must match.
    type: str
  region:
    description:
      - Region ID, for example V(ap-southeast-1).
      - If not set, E(HW_REGION_NAME) is used.
      - Without O(endpoint), the DCS endpoint comes from the SDK's region table.
      - One of O(region) and O(endpoint) is required. With O(endpoint) but without O(project_id),
        O(region) is required to look the project up.
    type: str
  endpoint:
    description:
      - URL of the DCS API, overriding the one from the SDK's region table, for example a
        VPC endpoint or a local emulator (V(http://127.0.0.1:8443)).
      - If not set, E(HUAWEICLOUD_SDK_DCS_ENDPOINT) is used.
      - If still not set, the SDK looks O(region) up, first in its own variable
        E(HUAWEICLOUD_SDK_REGION_DCS_<REGION>) (for example E(HUAWEICLOUD_SDK_REGION_DCS_AP_SOUTHEAST_1)),
        then in C(~/.huaweicloud/regions.yaml) (or the file named by E(HUAWEICLOUD_SDK_REGIONS_FILE)),
        then in its built-in region table.
      - Without O(project_id), O(region) is needed too (see O(project_id)).
      - Must start with V(https://), or V(http://) for a plain-HTTP endpoint such as the emulator;
        a value without either is refused before any call.
    type: str
  iam_endpoint:
    description:
      - URL of the IAM API used only to look up O(project_id) from O(region).
      - If not set, E(HUAWEICLOUD_SDK_IAM_ENDPOINT) is used.
      - If still not set, it defaults to O(endpoint) when O(endpoint) is set, so that requests signed
        for a private or emulated endpoint are never sent to a public host you did not name;
        otherwise to the SDK's IAM endpoint for O(region).
      - Must start with V(https://) or V(http://), like O(endpoint).
    type: str
  validate_certs:
    description:
      - Verify the TLS certificates of O(endpoint) and O(iam_endpoint).
      - Only disable this for a test endpoint whose certificate you cannot verify; prefer O(ca_bundle).
      - If not set, E(HUAWEICLOUD_SDK_VALIDATE_CERTS) is used (V(true) or V(false)).
    type: bool
    default: true
  ca_bundle:
    description:
      - Path to a PEM file of CA certificates used to verify the API endpoints instead of the system store.
      - If not set, E(HUAWEICLOUD_SDK_CA_BUNDLE) is used.
      - If still not set, the system store is used, or the file named by E(REQUESTS_CA_BUNDLE) or
        E(CURL_CA_BUNDLE) when one of them is set (the SDK sends its requests through C(requests)).
      - Ignored when O(validate_certs=false).
      - A file that is missing, cannot be read or holds no PEM certificate is refused before any call.
    type: path
  api_timeout:
    description:
      - Seconds to wait for each API call to connect and for each response, before the call
        counts as a connection error (which is retried, see O(retries)).
    type: int
    default: 60
  retries:
    description:
      - How many times a failed API call is retried when the failure is transient
        (HTTP 429, HTTP 5xx, connection errors and timeouts), after a random pause of up to
        1, 2, 4, ... seconds (at most 20 seconds), that is capped, fully jittered exponential backoff.
      - A create call is never sent twice blindly. After a transient failure the module first looks
        the task up by name and only sends the create again if the task does not exist.
      - V(0) disables retries.
      - Failures that no retry can fix fail at once and say what to change. These are a TLS certificate that
        cannot be verified (see O(ca_bundle)), an V(https://) URL that reaches a plain-HTTP server, a host name
        that does not resolve (naming the option it came from), and a refused signature or unknown access key
        (HTTP 401).
    type: int
    default: 3
requirements:
  - python >= 3.8
  - huaweicloudsdkdcs >= 3.1.100
notes:
  - All modules of the collection are in the action group C(hwcloud.dcs.dcs), so
    C(module_defaults) with C(group/hwcloud.dcs.dcs) can set these options once per play.
  - An environment variable that is set but empty counts as unset, so the next variable in the option's
    list is used; for example E(HUAWEICLOUD_SDK_AK="") (a CI secret that was not injected) gives way to
    E(CLOUD_SDK_AK).
  - O(access_key), O(secret_key) and O(security_token) are used exactly as given; a value with spaces or a
    line break at its start or end is refused before any call, without showing it.
'''

    # For modules that can wait for a long-running operation.
    WAIT = r'''
options:
  wait:
    description:
      - Wait for the operation to finish before returning.
      - The module polls every 0.5 to 1 second for the first 10 seconds, then less often as the operation
        gets older (every 8% of the elapsed time, at least 2 and at most 10 seconds apart), so that a
        finished operation is noticed within about a tenth of its duration.
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait when O(wait=true). When the time is up the module fails,
        naming the last status seen; the operation itself goes on in the cloud.
    type: int
    default: 1800
'''
