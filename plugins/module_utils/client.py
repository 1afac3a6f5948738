# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build a DCS client from the connection options.

Credentials are always explicit (BasicCredentials with AK/SK): when both are
missing the SDK would otherwise ask the ECS metadata service (169.254.169.254).
The endpoint is `endpoint` or the SDK's region table entry for `region`; the
project ID is `project_id` or looked up once through IAM with the same
signing, retries and error translation as every other call. Each URL is kept
with the option it came from, so that a failure no retry can fix (an unknown
host, a certificate that cannot be verified, a server without TLS) names what
to change.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import logging
from collections import namedtuple
from contextlib import contextmanager

from ansible_collections.hwcloud.dcs.plugins.module_utils.errors import DcsApiError, DcsError, transport_hint
from ansible_collections.hwcloud.dcs.plugins.module_utils.retries import Retrier, is_transient
from ansible_collections.hwcloud.dcs.plugins.module_utils.sdk import load_sdk

IAM_PROJECTS_PATH = '/v3/projects'


class Endpoint(namedtuple('Endpoint', 'url option ca_bundle')):
    """An API URL, the option that set it (endpoint, iam_endpoint or region) and the ca_bundle in use."""

    @contextmanager
    def failures_explained(self):
        """Add to a transport failure no retry can fix what to change, naming this endpoint's option."""
        try:
            yield
        except DcsApiError as error:
            if error.problem is None:
                raise
            raise error.with_hint(transport_hint(error.problem, self.url, self.option, self.ca_bundle))


class DcsApi(object):
    """A DCS client plus the retry policy every call goes through."""

    def __init__(self, sdk, client, retrier, project_id, endpoint):
        self.sdk = sdk
        self.client = client
        self.retrier = retrier
        self.project_id = project_id
        self.endpoint = endpoint

    def model(self, name):
        return self.sdk.model(name)

    def close(self):
        """Release the SDK's connection pool and its signing thread pool."""
        http_client = self.client.get_http_client()
        executor = getattr(http_client, 'executor', None)
        if executor is not None:
            executor.shutdown(wait=False)
        http_client.close()

    def call(self, action, operation, request, before_retry=None, retry_if=is_transient):
        """Run client.<operation>(request) with retries (see Retrier.call); action names it in errors."""
        method = getattr(self.client, operation)
        with self.endpoint.failures_explained():
            return self.retrier.call(action, lambda: method(request), before_retry=before_retry, retry_if=retry_if)


def http_config(sdk, params):
    config = sdk.HttpConfig.get_default_config()
    config.timeout = (params['api_timeout'], params['api_timeout'])
    config.ignore_ssl_verification = not params['validate_certs']
    # Only set with verification on: the SDK turns (ca, ignore=True) into verify=True.
    if params.get('ca_bundle') and params['validate_certs']:
        config.ssl_ca_cert = params['ca_bundle']
    return config


def _ca_bundle(params):
    return params.get('ca_bundle') if params['validate_certs'] else None


def dcs_endpoint(sdk, params):
    if params.get('endpoint'):
        return Endpoint(params['endpoint'], 'endpoint', _ca_bundle(params))
    try:
        return Endpoint(sdk.DcsRegion.value_of(params['region']).endpoints[0], 'region', _ca_bundle(params))
    except KeyError:
        raise DcsError("region '%s' is not in the SDK's region table for DCS: check region, or set endpoint "
                       "to the DCS API URL" % params['region'])


def iam_endpoint(params):
    """iam_endpoint, else endpoint (never send signed requests to a host the user did not name), else the SDK's."""
    for option in ('iam_endpoint', 'endpoint'):
        if params.get(option):
            return Endpoint(params[option], option, _ca_bundle(params))
    from huaweicloudsdkcore.auth.internal import IamHelper
    return Endpoint(IamHelper.get_iam_endpoint(params['region']), 'region', _ca_bundle(params))


def _quiet_sdk_logger(client):
    # The SDK logs errors to a logger without handlers; Python would print them to
    # stderr (the module's output) through its last-resort handler.
    logger = logging.getLogger('HuaweiCloud-SDK-%s' % type(client).__name__)
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())


def _keep_throttling_answers(client, config):
    """Let HTTP 429 answers through to the SDK's error handler, body included.

    The SDK mounts a urllib3 Retry(total=0, status_forcelist=[429]) on its session, which
    turns a 429 on GET or DELETE into a RetryError without the gateway's error_code,
    message and request ID. Retries are ours (retries.py), so urllib3 must not judge them.
    """
    session = getattr(client.get_http_client(), '_session', None)
    if session is None:  # a future SDK without this session: keep its behaviour
        return
    from requests.adapters import HTTPAdapter
    from urllib3.util import Retry
    retry = Retry(total=0, status_forcelist=None, respect_retry_after_header=False, raise_on_status=False)
    adapter = HTTPAdapter(pool_connections=config.pool_connections, pool_maxsize=config.pool_maxsize,
                          max_retries=retry)
    session.mount('https://', adapter)
    session.mount('http://', adapter)


def lookup_project_id(client, credentials, config, iam, region, retrier):
    """GET {iam}/v3/projects?name={region}, signed like any call; exactly one project must match."""
    from huaweicloudsdkcore.auth.internal import IamHelper
    http_client = client.get_http_client()
    iam_url = iam.url

    def list_projects():
        # A fresh request per attempt: signing adds headers to the request object.
        request = IamHelper.get_keystone_list_projects_request(config, iam_url, region_id=region)
        signed = credentials.process_auth_request(request, http_client).result()
        return json.loads(http_client.do_request_sync(signed).content)

    action = "look up the project ID of region '%s' through IAM at %s" % (region, iam_url)
    with iam.failures_explained():
        body = retrier.call(action, list_projects)
    projects = [p for p in (body or {}).get('projects') or [] if p.get('name') == region]
    if len(projects) == 1:
        return projects[0]['id']
    if not projects:
        raise DcsError("No IAM project named '%s' at %s: set project_id (or check region and iam_endpoint)"
                       % (region, iam_url))
    raise DcsError("%d IAM projects named '%s' at %s (%s): set project_id to one of them"
                   % (len(projects), region, iam_url, ', '.join(p['id'] for p in projects)))


def connect(params, sdk=None):
    """Return a DcsApi for the connection options (already checked by check_connection_options)."""
    sdk = sdk or load_sdk()
    config = http_config(sdk, params)
    endpoint = dcs_endpoint(sdk, params)
    credentials = sdk.BasicCredentials(params['access_key'], params['secret_key'], params.get('project_id') or None)
    if params.get('security_token'):
        credentials.with_security_token(params['security_token'])
    client = (sdk.DcsClient.new_builder()
              .with_http_config(config)
              .with_credentials(credentials)
              .with_endpoints([endpoint.url])
              .build())
    _quiet_sdk_logger(client)
    _keep_throttling_answers(client, config)
    retrier = Retrier(params['retries'])
    if not credentials.project_id:
        credentials.project_id = lookup_project_id(client, credentials, config, iam_endpoint(params),
                                                   params['region'], retrier)
    return DcsApi(sdk, client, retrier, credentials.project_id, endpoint)
