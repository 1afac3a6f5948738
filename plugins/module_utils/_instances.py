# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""DCS instances and their backup records as the modules show them (internal: no compatibility promise).

What the service says about an instance's type (cache_mode, spec_code), how an instance is found by its
exact name, and how backup records are ordered and judged restorable, written down once for
instance_info, backup_info and the import modules' name resolution and pre-checks.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible_collections.hwcloud.dcs.plugins.module_utils import _service as service
from ansible_collections.hwcloud.dcs.plugins.module_utils.errors import DcsApiError, DcsError

# ShowInstanceResponse.cache_mode -> the type the modules report.
TYPES = {'single': 'single', 'ha': 'master_standby', 'ha_rw_split': 'rw_splitting', 'proxy': 'proxy_cluster',
         'cluster': 'cluster'}
# Redis 3.0 spec codes name the mode in full; their cluster is a Proxy Cluster.
LEGACY_SPEC_MODES = {'single_node': 'single', 'master_standby': 'ha', 'cluster': 'proxy'}
CLUSTER = 'cluster'  # Redis Cluster: takes no AOF files

INSTANCE_FIELDS = ('instance_id', 'name', 'status', 'engine', 'engine_version', 'capacity', 'capacity_minor',
                   'max_memory', 'used_memory', 'spec_code', 'cache_mode', 'ip', 'port', 'domain_name',
                   'readonly_domain_name', 'enable_ssl', 'no_password_access', 'description', 'created_at', 'tags')

BACKUP_SUCCEEDED = 'succeed'
# The backup list call's begin_time/end_time (UTC).
BACKUP_QUERY_TIME = '%Y%m%d%H%M%S'
BACKUP_FIELDS = ('backup_id', 'backup_name', 'instance_id', 'status', 'size', 'backup_format', 'backup_type',
                 'created_at', 'updated_at', 'progress', 'is_support_restore', 'error_code', 'remark')


def cache_mode_of(instance):
    """The instance's cache_mode: shown by the show call; the list call only shows the spec code."""
    if instance.get('cache_mode'):
        return instance['cache_mode']
    parts = str(instance.get('spec_code') or '').lower().split('.')
    if len(parts) < 2:
        return None
    if parts[0] == 'dcs':
        return LEGACY_SPEC_MODES.get(parts[1])
    # redis.ha.xu1.large.p2.8: a master/standby spec with proxies is a read/write-splitting instance.
    if parts[1] == 'ha' and any(part[:1] == 'p' and part[1:].isdigit() for part in parts[2:]):
        return 'ha_rw_split'
    return parts[1] if parts[1] in TYPES else None


def instance_type(instance):
    """single, master_standby, rw_splitting, proxy_cluster or cluster; None if the API shows neither field."""
    return TYPES.get(cache_mode_of(instance))


def summary(instance):
    """The fields an operator needs before an import, with the instance's type."""
    shown = dict((key, instance.get(key)) for key in INSTANCE_FIELDS)
    shown['cache_mode'] = cache_mode_of(instance)
    shown['type'] = instance_type(instance)
    return shown


def tags_query(tags):
    """The list call's tags filter: key=value pairs separated by commas."""
    return ','.join('%s=%s' % (key, value) for key, value in sorted(tags.items())) if tags else None


def has_tags(instance, tags):
    """True if the instance carries every tag; an instance the API shows without tags was filtered by the API."""
    shown = instance.get('tags')
    if not tags or shown is None:
        return True
    pairs = set((str(tag.get('key')), str(tag.get('value'))) for tag in shown if isinstance(tag, dict))
    return all((str(key), str(value)) in pairs for key, value in tags.items())


def find(calls, name=None, instance_id=None, status=None, tags=None):
    """Listed instances matching every filter exactly (the API's own name filters may match more).

    Both readings of the documents are served: name_equal holds the exact name (SDK, newer pages) or is a
    true/false switch (older pages, where anything but "true" means the fuzzy `name`); either way the
    exact name is kept here.
    """
    found = calls.list_instances(name=name, name_equal=name, instance_id=instance_id, status=status,
                                 tags=tags_query(tags))
    return [item for item in found
            if (name is None or item.get('name') == name) and (instance_id is None or item.get('instance_id') == instance_id)
            and (status is None or item.get('status') == status) and has_tags(item, tags)]


def show(calls, instance_id, option):
    """The show call's answer; option names where the ID came from in the "does not exist" failure."""
    try:
        return calls.show_instance(instance_id)
    except DcsApiError as error:
        if service.is_instance_missing(error):
            raise DcsError("%s '%s' does not exist: %s" % (option, instance_id, error.msg), **error.extra)
        raise


def id_by_name(calls, name, option):
    """The ID of the one instance named exactly `name`; option (e.g. target_instance.name) names it in failures."""
    found = find(calls, name=name)
    if not found:
        raise DcsError('%s %s: no DCS instance has this name (the list call shows none); check the name and the '
                       'region or project, or give the instance ID' % (option, service.quoted_for_message(name)))
    if len(found) > 1:
        raise DcsError('%s %s: %d DCS instances have this name (%s); give the ID of the one to use instead'
                       % (option, service.quoted_for_message(name), len(found),
                          ', '.join(str(item.get('instance_id')) for item in found)))
    return found[0]['instance_id']


# -- backup records --------------------------------------------------------------------------------

def backup_query_time(value):
    """value (yyyyMMddHHmmss, or a time the API shows: YYYY-MM-DD HH:MM:SS in UTC, or with a zone) as the
    backup list call takes it (UTC), or None."""
    if len(value) == 14 and service.ASCII_DIGITS.match(value):
        try:
            return datetime.datetime.strptime(value, BACKUP_QUERY_TIME).strftime(BACKUP_QUERY_TIME)
        except ValueError:
            return None
    moment = service.as_utc_time(value)
    return moment.strftime(BACKUP_QUERY_TIME) if moment else None


def is_restorable(record):
    """A backup that succeeded and that the service says can be restored (when it says so at all)."""
    flag = record.get('is_support_restore')
    return record.get('status') == BACKUP_SUCCEEDED and (flag is None or str(flag).upper() == 'TRUE')


def backup_summary(record):
    shown = dict((key, record.get(key)) for key in BACKUP_FIELDS)
    shown['restorable'] = is_restorable(record)
    return shown


def newest_first(records):
    """The records by creation time, newest first (the API's order is not documented)."""
    return sorted(records, key=lambda record: service.normalized(record.get('created_at') or ''), reverse=True)


def latest_restorable(records):
    """The newest restorable record, or None."""
    return next((record for record in newest_first(records) if is_restorable(record)), None)
