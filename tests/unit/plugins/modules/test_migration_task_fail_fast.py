# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What retrying cannot fix fails at once, on one line, saying what to change.

Where the API answers (a refused signature), the answers are canned with `responses`. Where the transport
fails, the failure is real: a local TLS server with a certificate from a throw-away CA, a plain-HTTP server
spoken to with https, a host name under .invalid (which never resolves). The local servers count the
connections they accept, and name lookups are counted on their way to the real resolver, so "not retried"
is seen where the attempts arrive.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import trustme

from ansible_collections.hwcloud.dcs.plugins.modules import migration_task
from ansible_collections.hwcloud.dcs.tests.unit.conftest import ACCESS_KEY, PROJECT_ID, SECRET_KEY

NAME = 'restore-sessions'
UNKNOWN_HOST = 'nohost.invalid'
RETRIES = 3  # every case below would make 4 attempts if it were retried


class ListAnswer(BaseHTTPRequestHandler):
    """Answers every GET with an empty task list, like DCS for a name that has no task."""

    def do_GET(self):  # pylint: disable=invalid-name
        self.server.requests.append(self.path)
        body = json.dumps(dict(count=0, migration_tasks=[])).encode()
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass


class LocalServer(ThreadingHTTPServer):
    """A server on 127.0.0.1 that counts the connections it accepts (TLS ones when given an SSLContext)."""

    daemon_threads = True

    def __init__(self, tls=None):
        self.tls = tls
        self.connections = 0
        self.requests = []
        ThreadingHTTPServer.__init__(self, ('127.0.0.1', 0), ListAnswer)

    def get_request(self):
        sock, address = ThreadingHTTPServer.get_request(self)
        self.connections += 1
        if self.tls is not None:
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def handle_error(self, request, client_address):
        """A refused TLS handshake is what these tests provoke: nothing to report."""

    def url(self, scheme):
        return '%s://127.0.0.1:%d' % (scheme, self.server_address[1])


@pytest.fixture
def serve():
    """serve(tls=None) starts a LocalServer; every one is stopped after the test."""
    servers = []

    def start(tls=None):
        server = LocalServer(tls)
        threading.Thread(target=server.serve_forever, kwargs=dict(poll_interval=0.05), daemon=True).start()
        servers.append(server)
        return server
    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def ca():
    return trustme.CA()


def tls_context(ca, host='127.0.0.1'):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert(host).configure_cert(context)
    return context


def ca_file(ca, tmp_path):
    path = tmp_path / 'ca.pem'
    ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture
def lookups(monkeypatch):
    """Name lookups per host, counted on their way to the real resolver."""
    counted = {}
    resolve = socket.getaddrinfo

    def counting(host, *args, **kwargs):
        counted[host] = counted.get(host, 0) + 1
        return resolve(host, *args, **kwargs)
    monkeypatch.setattr(socket, 'getaddrinfo', counting)
    return counted


@pytest.fixture
def run(run_module):
    """state=absent for a name no task has, with retries: one list call when all goes well."""
    def absent(args, **kwargs):
        full = dict(task_name=NAME, state='absent', retries=RETRIES)
        full.update(args)
        return run_module(migration_task.main, full, **kwargs)
    return absent


def assert_fails_at_once(result, fake_clock, *texts):
    """Failed, one line, without a retry or a pause, and the message says each of texts."""
    assert result.failed, result
    assert '\n' not in result['msg'] and 'Traceback' not in result.output
    assert 'attempts' not in result['msg'] and fake_clock.sleeps == []
    for text in texts:
        assert text in result['msg'], (text, result['msg'])


# -- TLS ----------------------------------------------------------------------------------------

def test_an_unverifiable_certificate_fails_at_once_and_points_to_ca_bundle(run, serve, ca, fake_clock):
    server = serve(tls_context(ca))

    result = run(dict(endpoint=server.url('https')))

    assert_fails_at_once(result, fake_clock, 'Failed to list migration tasks: TLS certificate verification failed',
                         'CERTIFICATE_VERIFY_FAILED', 'Set ca_bundle', server.url('https'), 'validate_certs')
    assert result['status_code'] is None and result['error_msg'].startswith('TLS certificate verification failed')
    assert server.connections == 1 and server.requests == []


def test_the_ca_bundle_the_hint_asks_for_makes_the_call_work(run, serve, ca, tmp_path):
    server = serve(tls_context(ca))

    result = run(dict(endpoint=server.url('https'), ca_bundle=ca_file(ca, tmp_path)))

    assert not result.failed and result['changed'] is False
    assert len(server.requests) == 1 and server.requests[0].startswith('/v2/%s/migration-tasks?' % PROJECT_ID)


def test_a_certificate_from_another_ca_names_the_ca_bundle_in_use(run, serve, ca, tmp_path, fake_clock):
    server = serve(tls_context(trustme.CA()))
    bundle = ca_file(ca, tmp_path)

    result = run(dict(endpoint=server.url('https'), ca_bundle=bundle))

    assert_fails_at_once(result, fake_clock, 'CERTIFICATE_VERIFY_FAILED',
                         'is not signed by a CA in ca_bundle (%s)' % bundle, 'check ca_bundle and endpoint')
    assert server.connections == 1


def test_a_certificate_for_another_host_name_is_not_retried(run, serve, ca, tmp_path, fake_clock):
    server = serve(tls_context(ca, host='dcs.example.com'))

    result = run(dict(endpoint=server.url('https'), ca_bundle=ca_file(ca, tmp_path)))

    assert_fails_at_once(result, fake_clock, 'CERTIFICATE_VERIFY_FAILED', "not valid for '127.0.0.1'",
                         'or is not valid for that host name')
    assert server.connections == 1


def test_https_to_a_plain_http_server_says_to_write_http(run, serve, fake_clock):
    server = serve()

    result = run(dict(endpoint=server.url('https')))

    assert_fails_at_once(result, fake_clock, 'TLS handshake failed: the server does not speak TLS',
                         '%s (from endpoint) does not answer in TLS' % server.url('https'),
                         'write endpoint with http://')
    assert server.connections == 1 and server.requests == []


def test_https_to_a_plain_http_iam_endpoint_names_iam_endpoint(run, serve, fake_clock):
    server = serve()

    result = run(dict(endpoint=server.url('http'), iam_endpoint=server.url('https'), region='xx-1',
                      project_id=None))

    assert_fails_at_once(result, fake_clock, "Failed to look up the project ID of region 'xx-1'",
                         'write iam_endpoint with http://')
    assert server.connections == 1


# -- unknown host names -------------------------------------------------------------------------

@pytest.mark.parametrize('args, host, option', [
    (dict(endpoint='https://%s' % UNKNOWN_HOST), UNKNOWN_HOST, 'endpoint'),
    # The project lookup goes to endpoint when iam_endpoint is not set.
    (dict(endpoint='https://%s' % UNKNOWN_HOST, region='xx-1', project_id=None), UNKNOWN_HOST, 'endpoint'),
    (dict(endpoint='http://127.0.0.1:9', region='xx-1', project_id=None, iam_endpoint='https://iam.' + UNKNOWN_HOST),
     'iam.' + UNKNOWN_HOST, 'iam_endpoint'),
], ids=['endpoint', 'endpoint-for-iam', 'iam_endpoint'])
def test_an_unknown_host_names_the_host_and_its_option(run, lookups, fake_clock, args, host, option):
    result = run(args)

    assert_fails_at_once(result, fake_clock, 'host name not found', 'The host %s does not resolve: check %s'
                         % (host, option))
    assert lookups[host] == 1


def test_an_unknown_host_from_the_region_names_region(run, lookups, fake_clock, monkeypatch):
    # The SDK's own override of its region table (a real SDK feature), pointing at a name that never resolves.
    monkeypatch.setenv('HUAWEICLOUD_SDK_REGION_DCS_XX_TEST_1', 'https://dcs.' + UNKNOWN_HOST)

    result = run(dict(endpoint=None, region='xx-test-1'))

    assert_fails_at_once(result, fake_clock, "The host dcs.%s comes from the SDK's endpoint for region" % UNKNOWN_HOST,
                         'check region, or set endpoint')
    assert lookups['dcs.' + UNKNOWN_HOST] == 1


def test_a_temporary_dns_failure_is_still_retried(run, monkeypatch, fake_clock):
    # No resolver can be made to fail temporarily on demand: this one answer is simulated.
    attempts = []

    def dns_server_unreachable(host, *args, **kwargs):
        attempts.append(host)
        raise socket.gaierror(socket.EAI_AGAIN, 'Temporary failure in name resolution')
    monkeypatch.setattr(socket, 'getaddrinfo', dns_server_unreachable)

    result = run(dict(endpoint='https://dcs.unit.test', retries=1))

    assert result.failed and result['msg'].startswith('Failed to list migration tasks: connection error')
    assert result['msg'].endswith('(after 2 attempts)') and attempts == ['dcs.unit.test'] * 2
    assert len(fake_clock.sleeps) == 1


# -- refused credentials ------------------------------------------------------------------------

# The API gateway's answer, and the emulator's older one.
REFUSED_SIGNATURE = [
    ('APIGW.0301', 'Incorrect IAM authentication information: verify aksk signature fail'),
    ('DCS.1003', 'The request signature does not match.'),
]
UNKNOWN_ACCESS_KEY = [
    ('APIGW.0301', 'Incorrect IAM authentication information: ak %s not exist' % ACCESS_KEY),
    ('DCS.1002', 'The access key does not exist.'),
]


@pytest.mark.parametrize('code, message', REFUSED_SIGNATURE, ids=[c for c, m in REFUSED_SIGNATURE])
def test_a_refused_signature_names_secret_key_and_the_clock(run, dcs, fake_clock, code, message):
    dcs.error('GET', '/migration-tasks', 401, code, message, request_id='gw-401')

    result = run({})

    assert_fails_at_once(result, fake_clock, 'Failed to list migration tasks: %s %s' % (code, message.rstrip('.')),
                         '(HTTP 401, request_id gw-401)', 'check that secret_key is the secret of access_key',
                         'the clock of the machine running the module')
    assert (result['status_code'], result['error_code'], result['error_msg'], result['request_id']) == \
        (401, code, message, 'gw-401')
    assert len(dcs.calls()) == 1


@pytest.mark.parametrize('code, message', UNKNOWN_ACCESS_KEY, ids=[c for c, m in UNKNOWN_ACCESS_KEY])
def test_an_unknown_access_key_names_access_key(run, dcs, fake_clock, code, message):
    dcs.error('GET', '/migration-tasks', 401, code, message)

    result = run({})

    assert_fails_at_once(result, fake_clock, 'The API does not know this access key: check access_key')
    assert 'secret_key' not in result['msg'] and result['error_code'] == code
    assert len(dcs.calls()) == 1


def test_a_refused_signature_at_the_project_lookup_says_the_same(run, dcs, fake_clock):
    iam = 'https://iam.unit.test'
    dcs.error('GET', None, 401, REFUSED_SIGNATURE[0][0], REFUSED_SIGNATURE[0][1], url=iam + '/v3/projects')

    result = run(dict(project_id=None, region='xx-1', iam_endpoint=iam))

    assert_fails_at_once(result, fake_clock, "Failed to look up the project ID of region 'xx-1'", 'secret_key',
                         'clock')
    assert len(dcs.calls()) == 1


# -- refused before any call --------------------------------------------------------------------

@pytest.mark.parametrize('option, value, example', [
    ('endpoint', '127.0.0.1:8080', 'https://127.0.0.1:8080'),
    ('endpoint', 'dcs.ap-southeast-1.myhuaweicloud.com', 'https://dcs.ap-southeast-1.myhuaweicloud.com'),
    ('endpoint', 'ftp://dcs.unit.test', 'https://dcs.unit.test'),
    ('iam_endpoint', 'iam.unit.test', 'https://iam.unit.test'),
])
def test_an_endpoint_without_http_or_https_is_refused_before_any_call(run, dcs, option, value, example):
    result = run({option: value, 'region': 'xx-1'})

    assert result.failed
    assert result['msg'] == ("%s must start with https:// (or http:// for a plain-HTTP test endpoint), got '%s': "
                             "for example %s" % (option, value, example))
    assert dcs.calls() == []


def test_an_endpoint_without_a_host_is_refused(run, dcs):
    result = run(dict(endpoint='https:///v2'))

    assert result['msg'] == "endpoint has no host name: 'https:///v2'" and dcs.calls() == []


def test_a_missing_ca_bundle_is_refused_before_any_call(run, dcs, tmp_path):
    missing = str(tmp_path / 'missing.pem')

    result = run(dict(ca_bundle=missing))

    assert result['msg'] == 'ca_bundle %s cannot be read: No such file or directory' % missing
    assert dcs.calls() == []


def test_a_ca_bundle_without_a_certificate_is_refused_before_any_call(run, dcs, tmp_path):
    not_pem = tmp_path / 'key.txt'
    not_pem.write_text('this is not a certificate\n')

    result = run(dict(ca_bundle=str(not_pem)))

    assert result['msg'].startswith('ca_bundle %s holds no PEM certificate that can be loaded' % not_pem)
    assert dcs.calls() == []


@pytest.mark.parametrize('option, value', [
    ('access_key', ' ' + ACCESS_KEY),
    ('secret_key', SECRET_KEY + '\n'),
    ('secret_key', '\t' + SECRET_KEY + ' '),
    ('security_token', 'token-value\r\n'),
])
def test_credentials_with_spaces_or_a_newline_around_are_refused_without_showing_them(run, dcs, option, value):
    result = run({option: value})

    assert result.failed
    assert result['msg'].startswith('%s has spaces or a line break at the start or end' % option)
    assert value.strip() not in result['msg']  # and no secret of conftest.SECRETS anywhere (the runner checks)
    assert dcs.calls() == []


# -- environment variables that are set but empty -----------------------------------------------

def test_an_empty_variable_does_not_hide_the_next_one(run, dcs, monkeypatch):
    for name, value in (('HUAWEICLOUD_SDK_AK', ''), ('CLOUD_SDK_AK', ACCESS_KEY),
                        ('HUAWEICLOUD_SDK_SK', ''), ('CLOUD_SDK_SK', ''), ('HW_SECRET_KEY', SECRET_KEY),
                        ('HUAWEICLOUD_SDK_PROJECT_ID', ''), ('HW_PROJECT_ID', PROJECT_ID)):
        monkeypatch.setenv(name, value)
    dcs.list_tasks()

    result = run(dict(endpoint='https://dcs.unit.test'), connection=False)

    assert not result.failed and result['changed'] is False
    request = dcs.mock.calls[0].request
    assert request.headers['Authorization'].startswith('SDK-HMAC-SHA256 Access=%s,' % ACCESS_KEY)
    assert request.url.startswith('https://dcs.unit.test/v2/%s/' % PROJECT_ID)


def test_only_empty_variables_count_as_missing(run, dcs, monkeypatch):
    for name in ('HUAWEICLOUD_SDK_AK', 'CLOUD_SDK_AK', 'HW_ACCESS_KEY'):
        monkeypatch.setenv(name, '')
    monkeypatch.setenv('HUAWEICLOUD_SDK_SK', SECRET_KEY)

    result = run(dict(endpoint='https://dcs.unit.test', project_id=PROJECT_ID), connection=False)

    assert result['msg'].startswith('missing access_key: set the option or the environment variable')
    assert dcs.calls() == []
