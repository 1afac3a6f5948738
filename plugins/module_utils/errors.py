# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn SDK and network failures into one-line, secret-free module errors.

Every failure a user can cause ends as DcsError; DcsModule.run() turns it into
fail_json(msg=..., status_code=..., error_code=..., error_msg=..., request_id=...).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket
import ssl
from contextlib import contextmanager
from urllib.parse import urlsplit

API_ERROR_KEYS = ('status_code', 'error_code', 'error_msg', 'request_id')

# Transport failures that sending the same request again cannot get past (transport_problem() finds them).
TLS_UNVERIFIED = 'TLS certificate verification failed'
NOT_TLS = 'TLS handshake failed: the server does not speak TLS'
UNKNOWN_HOST = 'host name not found'
# OpenSSL's reason when a TLS client gets plain HTTP back (newer OpenSSL releases may use the others).
PLAIN_HTTP_REASONS = ('WRONG_VERSION_NUMBER', 'RECORD_LAYER_FAILURE', 'UNKNOWN_PROTOCOL')
# getaddrinfo() answers meaning "no such name"; EAI_AGAIN (DNS server unreachable) stays transient.
UNKNOWN_HOST_ERRNOS = tuple(getattr(socket, name) for name in ('EAI_NONAME', 'EAI_NODATA') if hasattr(socket, name))


def one_line(text):
    """Collapse whitespace so that a message stays on one line."""
    return ' '.join(str(text).split())


class DcsError(Exception):
    """A failure to report to the user: a one-line msg plus result keys."""

    def __init__(self, msg, **extra):
        super(DcsError, self).__init__(one_line(msg))
        self.msg = one_line(msg)
        self.extra = extra


class DcsApiError(DcsError):
    """An API call failed; status_code/error_code/error_msg/request_id say how."""

    def __init__(self, action, status_code=None, error_code=None, error_msg=None, request_id=None,
                 detail=None, attempts=1, problem=None, hint=None):
        self.action = action
        self.status_code = status_code
        self.error_code = error_code
        self.error_msg = one_line(error_msg) if error_msg is not None else None
        self.request_id = request_id
        self.attempts = attempts
        self.problem = problem  # one of the transport problems above: no retry can help
        self.hint = hint  # what the user can do about it
        super(DcsApiError, self).__init__(
            self._message(detail),
            status_code=status_code, error_code=error_code, error_msg=self.error_msg, request_id=request_id)

    def _message(self, detail):
        parts = ['Failed to %s:' % self.action]
        if self.error_code and str(self.error_code) != str(self.status_code):
            parts.append(str(self.error_code))
        parts.append(self.error_msg or detail or 'unknown error')
        context = []
        if self.status_code is not None:
            context.append('HTTP %s' % self.status_code)
        if self.request_id:
            context.append('request_id %s' % self.request_id)
        if self.attempts > 1:
            context.append('after %d attempts' % self.attempts)
        if context:
            parts.append('(%s)' % ', '.join(context))
        message = ' '.join(parts)
        return '%s. %s' % (message.rstrip('.'), self.hint) if self.hint else message

    def with_attempts(self, attempts):
        """The same error, saying how many attempts were made."""
        return DcsApiError(self.action, self.status_code, self.error_code, self.error_msg, self.request_id,
                           attempts=attempts, problem=self.problem, hint=self.hint)

    def with_hint(self, hint):
        """The same error, saying what to do about it."""
        return DcsApiError(self.action, self.status_code, self.error_code, self.error_msg, self.request_id,
                           attempts=self.attempts, problem=self.problem, hint=hint)


def translate(error, action):
    """Map any exception raised while calling the SDK to a DcsApiError (or None if not an API error)."""
    from huaweicloudsdkcore.exceptions import exceptions as sdk_errors

    if isinstance(error, sdk_errors.ServiceResponseException):
        return DcsApiError(action, status_code=error.status_code, error_code=error.error_code,
                           error_msg=error.error_msg, request_id=error.request_id,
                           hint=authentication_hint(error.status_code, error.error_code, error.error_msg))
    problem = transport_problem(error)
    if problem is not None:
        kind, detail = problem
        return DcsApiError(action, error_msg='%s: %s' % (kind, detail), problem=kind)
    if isinstance(error, sdk_errors.ConnectionException):
        return DcsApiError(action, error_msg='connection error: %s' % error.error_msg)
    if isinstance(error, sdk_errors.RequestTimeoutException):
        return DcsApiError(action, error_msg='request timed out: %s' % error.error_msg)
    if isinstance(error, sdk_errors.SdkException):
        return DcsApiError(action, error_msg='%s: %s' % (type(error).__name__, error.error_msg))
    return _translate_transport(error, action)


def authentication_hint(status_code, error_code, error_msg):
    """What to check when the API refused the credentials, or None.

    The API gateway answers 401 APIGW.0301 "Incorrect IAM authentication information: ..." ("verify aksk
    signature fail", "ak ... not exist"); the emulator's older reading answered DCS.1002 to DCS.1004.
    """
    if str(status_code) != '401':
        return None
    text = (error_msg or '').lower()
    if error_code == 'DCS.1002' or (error_code == 'APIGW.0301' and 'not exist' in text):
        return ('The API does not know this access key: check access_key, and that endpoint or region points '
                'to the cloud the key was created in')
    if error_code in ('DCS.1003', 'DCS.1004') or (error_code == 'APIGW.0301' and 'signature' in text):
        return ('The API refused the request signature: check that secret_key is the secret of access_key '
                '(and security_token, for temporary keys), and that the clock of the machine running the module '
                'is right: requests are signed with its current time and refused when it is some minutes off')
    return None


def _causes(error):
    """error and the exceptions it wraps (__cause__, __context__, .reason, args), nearest first."""
    pending, seen = [error], set()
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        nested = [current.__cause__, current.__context__, getattr(current, 'reason', None)] + list(current.args)
        pending.extend(item for item in nested if isinstance(item, BaseException))


def transport_problem(error):
    """(problem, detail) if the exception chain of error holds a failure no retry can get past, else None."""
    for cause in _causes(error):
        if isinstance(cause, ssl.SSLError):
            if cause.reason == 'CERTIFICATE_VERIFY_FAILED':
                return TLS_UNVERIFIED, str(cause)
            if cause.reason in PLAIN_HTTP_REASONS:
                return NOT_TLS, str(cause)
        if isinstance(cause, socket.gaierror) and cause.errno in UNKNOWN_HOST_ERRNOS:
            return UNKNOWN_HOST, str(cause)
    return None


def transport_hint(problem, url, option, ca_bundle=None):
    """What to do about a transport problem met at url, which option (endpoint, iam_endpoint, region) set."""
    if problem == TLS_UNVERIFIED:
        if ca_bundle:
            return ('The certificate of %s is not signed by a CA in ca_bundle (%s), or is not valid for that host '
                    'name: check ca_bundle and %s' % (url, ca_bundle, option))
        return ('Set ca_bundle to a PEM file holding the CA certificate that signed the certificate of %s '
                '(or, for a test endpoint only, set validate_certs to false)' % url)
    if problem == NOT_TLS:
        return ('%s (from %s) does not answer in TLS: if it serves plain HTTP, write %s with http://'
                % (url, option, option))
    if problem == UNKNOWN_HOST:
        host = urlsplit(url).hostname
        if option == 'region':
            return ("The host %s comes from the SDK's endpoint for region: check region, or set endpoint "
                    "(and iam_endpoint)" % host)
        return 'The host %s does not resolve: check %s' % (host, option)
    return None


def _translate_transport(error, action):
    """Errors the SDK lets through from requests (e.g. a read timeout on some versions)."""
    try:
        from requests.exceptions import RequestException
    except ImportError:  # pragma: no cover - requests comes with the SDK
        return None
    if isinstance(error, RequestException):
        return DcsApiError(action, error_msg='connection error: %s: %s' % (type(error).__name__, error))
    return None


@contextmanager
def api_errors(action):
    """Context manager: raise DcsApiError for an SDK failure inside the block."""
    try:
        yield
    except DcsError:
        raise
    except Exception as error:  # noqa: B902 - translated below or re-raised
        translated = translate(error, action)
        if translated is None:
            raise
        raise translated


def answer_lost(error):
    """True if a failed call may have reached the service although no answer came back.

    A read timeout or a connection dropped after the request was sent leaves the outcome unknown:
    only then can a call that creates something have done so unseen. A connection that was never
    made (refused, connect timeout, an unknown host, a failed TLS handshake) sent nothing, and an
    HTTP answer, even an error, is an answer.
    """
    if error.status_code is not None or error.problem is not None:
        return False
    try:
        from urllib3.exceptions import ConnectTimeoutError  # NewConnectionError (refused) is a subclass
    except ImportError:  # pragma: no cover - urllib3 comes with the SDK
        return True
    return not any(isinstance(cause, ConnectTimeoutError) for cause in _causes(error))
