# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the DCS service defines, written down once (internal: no compatibility promise).

Task statuses and what they mean, the error codes the collection acts on, the service's
naming rules (tasks, IDs, OBS buckets and objects), the API's value formats and how a value
the API shows is normalised before it is compared with an option. Modules and task kinds
read these names; none of them repeats a status, a code or a rule.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

# -- task statuses (the documented set; both spellings of the incremental one) -------------------

SUCCEEDED = ('SUCCESS', 'MIGRATION_SUCCESS')
FAILED = ('FAILED', 'MIGRATION_FAILED', 'TERMINATED')
# RELEASED: the helper VM of a task that ended was released; DELETED: the task is gone.
RELEASED = 'RELEASED'
GONE = 'DELETED'
FINAL = SUCCEEDED + FAILED + (RELEASED, GONE)
# A task that is still working and can be stopped.
RUNNING = ('MIGRATING', 'RUNNING', 'CREATING', 'FULLMIGRATING', 'INCRMIGEATING', 'INCRMIGRATING')
STOPPING = ('TERMINATING',)
STOPPED = 'TERMINATED'
# A target instance accepts imports only in this status.
INSTANCE_READY = 'RUNNING'
# Online migration: created (CREATING while its helper VM is made), then RUNNING until it is configured.
AWAITING_CONFIGURATION = ('CREATING', 'RUNNING')
# An incremental online migration that finished its full sync and replicates: what a wait for it waits for.
STEADY_REPLICATION = ('INCRMIGRATING', 'INCRMIGEATING')
# An online migration that failed or was stopped can be restarted (batch-restart).
RESTARTABLE = ('FAILED', 'MIGRATION_FAILED', 'TERMINATED')


def ended_in_failure(status, error_message):
    """True if a task with this status and list error_message ended in a failure.

    RELEASED only says the helper VM is gone: the task failed if the list shows an error message.
    """
    if status == RELEASED:
        return bool(error_message)
    return status in FAILED


# -- error codes -------------------------------------------------------------------------------

# A task the service no longer knows answers 400 with this code (not 404).
TASK_NOT_FOUND = 'DCS.4133'
INSTANCE_NOT_FOUND = 'DCS.3022'
# Stop refused: the task is no longer in a state that can be stopped (it finished meanwhile). Which code says so
# is not documented: DCS.4026 is the appendix's code for the instance's state, DCS.4957 the one for the task's.
OPERATION_NOT_ALLOWED = 'DCS.4026'
TASK_STATE_NOT_ALLOWED = 'DCS.4957'
STOP_REFUSED_AS_FINISHED = (OPERATION_NOT_ALLOWED, TASK_STATE_NOT_ALLOWED)


def has_error_code(error, codes):
    """True if the DcsApiError carries one of these error codes."""
    return getattr(error, 'error_code', None) in codes


def is_instance_missing(error):
    """True if a DcsApiError of the show-instance call says the instance does not exist."""
    return error.status_code == 404 or has_error_code(error, (INSTANCE_NOT_FOUND,))


# -- the user's values in messages ------------------------------------------------------------

def quoted_for_message(value, limit=64):
    """A user's value inside a message: quoted, control characters escaped, long ones cut."""
    text = ''.join(c if c.isprintable() else repr(c)[1:-1] for c in str(value))
    return "'%s'" % (text if len(text) <= limit else text[:limit] + '...(%d characters)' % len(text))


# -- naming rules and limits (checked before any call: a bad value never reaches the API) --------
# ASCII only: str.isdigit() and \d also accept other scripts' digits.

TASK_NAME = re.compile(r'^[A-Za-z][A-Za-z0-9_-]{3,63}$')
TASK_NAME_RULE = '4 to 64 characters: a letter, then letters, digits, - or _'
RESOURCE_ID = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$')
BUCKET_NAME = re.compile(r'^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$')
BUCKET_NAME_RULE = '3 to 63 lower-case letters, digits, . or -, starting and ending with a letter or digit'
ASCII_DIGITS = re.compile(r'^[0-9]+$')
BACKUP_SUFFIXES = ('.rdb', '.aof', '.zip', '.tar.gz')
MAX_DESCRIPTION = 1024
# An online migration's bandwidth limit, in MB/s ("greater than 0 and less than 10,241").
BANDWIDTH_LIMIT_MB = (1, 10240)
MAX_OBJECT_NAME = 1024


def object_name_problem(name):
    """Why an OBS object name is unsafe to send, or None. Folders ('a/b.rdb') are fine; escapes are not."""
    if len(name.encode('utf-8')) > MAX_OBJECT_NAME:
        return 'must be at most %d bytes' % MAX_OBJECT_NAME
    if not all(c.isprintable() for c in name):
        return 'must not contain control characters'
    if name.startswith('/') or '\\' in name:
        return 'must be a path inside the bucket (no leading / and no backslash)'
    if any(part in ('', '.', '..') for part in name.split('/')):
        return "must not contain empty, '.' or '..' path segments"
    return None


# -- value formats and normalisation -----------------------------------------------------------

# A file's size as the create call takes it: the field table says bytes ('754'); the vendor's own example
# sends '754.0MB' and the Terraform provider '0.09KB', which the service echoes unchanged.
FILE_SIZE = re.compile(r'^[0-9]+$|^[0-9]+(\.[0-9]+)?(B|KB|MB|GB|TB)$')
FILE_SIZE_RULE = "a number of bytes ('754') or a number with a unit B, KB, MB, GB or TB ('754.0MB', '0.09KB')"

# A file's update_at as the create call takes it: the field table's form, and the ISO 8601 UTC form in which
# OBS shows an object's last modification, which the Terraform provider sends and reads back unchanged.
UPDATE_AT = re.compile(r'^[0-9]{4}-[0-9]{2}-[0-9]{2}'
                       r'( [0-9]{2}:[0-9]{2}:[0-9]{2}|T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z)$')
UPDATE_AT_RULE = "YYYY-MM-DD HH:MM:SS or YYYY-MM-DDTHH:MM:SS.sssZ (UTC, as OBS shows it)"
# Any timestamp the API shows ('T' or ' ', '-' or '/', fractions, a zone or none); ASCII digits only.
TIMESTAMP = re.compile(r'^([0-9]{4})[-/]([0-9]{2})[-/]([0-9]{2})[ T]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?'
                       r'(Z|[+-][0-9]{2}:?[0-9]{2})?$')
COMPARED_TIME_FORMAT = '%Y-%m-%d %H:%M:%S'


def update_at_problem(value):
    """Why value is not a file time the create call takes ('<value> must be ...'), or None."""
    if UPDATE_AT.match(value) and as_utc_time(value) is not None:
        return None
    return '%s must be %s' % (quoted_for_message(value), UPDATE_AT_RULE)


def as_utc_time(text):
    """The timestamp in text as a naive UTC datetime (a time without a zone counts as UTC; fractions kept), or None."""
    match = TIMESTAMP.match(text)
    if not match:
        return None
    fraction = match.group(7)  # '.508'
    try:
        moment = datetime.datetime(*(int(part) for part in match.groups()[:6]),
                                   microsecond=int(fraction[1:7].ljust(6, '0')) if fraction else 0)
    except ValueError:  # 2024-02-30
        return None
    zone = match.group(8)
    if zone and zone != 'Z':
        sign = -1 if zone[0] == '-' else 1
        digits = zone[1:].replace(':', '')
        moment -= sign * datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return moment


def normalized(value):
    """A value as the comparison sees it: the API echoes strings as given, but shows ports as strings and
    timestamps in several forms (compared in UTC, to the second: the documented form has no fractions)."""
    if isinstance(value, bool):
        return value
    text = str(value)
    moment = as_utc_time(text)
    return moment.strftime(COMPARED_TIME_FORMAT) if moment is not None else text


def same_value(wanted, shown):
    """True if an option's value and the value the API shows (not None: the caller handles "not shown") agree."""
    return normalized(wanted) == normalized(shown)


# -- points in time ----------------------------------------------------------------------------

# Besides TIMESTAMP's forms the API shows '202404011057' (yyyyMMddHHmm[ss], UTC) and may show epoch numbers.
COMPACT_TIME = re.compile(r'^([0-9]{4})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})?$')
EPOCH = datetime.datetime(1970, 1, 1)


def instant(value):
    """Seconds since the epoch (UTC) of a time the API shows, in any of its formats; None if unknown."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    moment = as_utc_time(text)
    compact = COMPACT_TIME.match(text) if moment is None else None
    if compact:
        try:
            moment = datetime.datetime(*(int(part or 0) for part in compact.groups()))
        except ValueError:
            return None
    elif moment is None:
        if ASCII_DIGITS.match(text) and len(text) in (10, 13):  # epoch seconds or milliseconds
            return int(text) / (1000.0 if len(text) == 13 else 1.0)
        return None
    return (moment - EPOCH).total_seconds()


def time_resolution(value):
    """Seconds between two neighbouring values of the form the API showed this time in: 0.001 for
    '2021-06-16T06:12:55.508Z', 1 for '2019/10/22 14:44:30', 60 for '202404011057'. Tasks created within one such
    tick show the same time. 1 for a time in no known form (or none)."""
    text = '' if value is None or isinstance(value, bool) else str(value).strip()
    match = TIMESTAMP.match(text)
    if match:
        return 10.0 ** -len(match.group(7)[1:]) if match.group(7) else 1.0
    compact = COMPACT_TIME.match(text)
    if compact:
        return 1.0 if compact.group(6) else 60.0
    if ASCII_DIGITS.match(text) and len(text) == 13:  # epoch milliseconds
        return 0.001
    return 1.0
