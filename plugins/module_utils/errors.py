# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn SDK and network failures into one-line, secret-free module errors.

Every failure a user can cause ends as DcsError; DcsModule.run() turns it into
fail_json(msg=..., status_code=..., error_code=..., error_msg=..., request_id=...).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from contextlib import contextmanager

API_ERROR_KEYS = ('status_code', 'error_code', 'error_msg', 'request_id')


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
                 detail=None, attempts=1):
        self.action = action
        self.status_code = status_code
        self.error_code = error_code
        self.error_msg = one_line(error_msg) if error_msg is not None else None
        self.request_id = request_id
        self.attempts = attempts
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
        return ' '.join(parts)

    def with_attempts(self, attempts):
        """The same error, saying how many attempts were made."""
        return DcsApiError(self.action, self.status_code, self.error_code, self.error_msg, self.request_id,
                           attempts=attempts)


def translate(error, action):
    """Map any exception raised while calling the SDK to a DcsApiError (or None if not an API error)."""
    from huaweicloudsdkcore.exceptions import exceptions as sdk_errors

    if isinstance(error, sdk_errors.ServiceResponseException):
        return DcsApiError(action, status_code=error.status_code, error_code=error.error_code,
                           error_msg=error.error_msg, request_id=error.request_id)
    if isinstance(error, sdk_errors.ConnectionException):
        return DcsApiError(action, error_msg='connection error: %s' % error.error_msg)
    if isinstance(error, sdk_errors.RequestTimeoutException):
        return DcsApiError(action, error_msg='request timed out: %s' % error.error_msg)
    if isinstance(error, sdk_errors.SdkException):
        return DcsApiError(action, error_msg='%s: %s' % (type(error).__name__, error.error_msg))
    return _translate_transport(error, action)


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


def _exception_chain(error):
    """error and the exceptions it wraps (raised while handling, .reason, args), nearest first."""
    pending, seen = [error], set()
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        nested = [current.__cause__, current.__context__, getattr(current, 'reason', None)] + list(current.args)
        pending.extend(item for item in nested if isinstance(item, BaseException))


def answer_lost(error):
    """True if a failed call may have reached the service although no answer came back.

    A read timeout or a connection dropped after the request was sent leaves the outcome unknown:
    only then can a call that creates something have done so unseen. A connection that was never
    made (refused, connect timeout) sent nothing, and an HTTP answer, even an error, is an answer.
    """
    if error.status_code is not None:
        return False
    try:
        from urllib3.exceptions import ConnectTimeoutError  # NewConnectionError (refused) is a subclass
    except ImportError:  # pragma: no cover - urllib3 comes with the SDK
        return True
    return not any(isinstance(cause, ConnectTimeoutError) for cause in _exception_chain(error))
