# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The DCS user guide's import rules, checked before a backup import is created (internal: no compatibility promise).

The service documents no error code for these: it would accept the task and let it end FAILED. Each rule
has a name an operator can put in skip_checks, in case the service relaxes it:
- ssl: the target must have SSL off;
- aof_into_cluster: AOF files cannot be imported into a Redis Cluster instance;
- version: the target's Redis must be at least as new as the one that wrote the backup. Only a file the
  module can read (local_path) has a header to compare; OBS objects and DCS backup records are not read.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.hwcloud.dcs.plugins.module_utils import _instances as instances
from ansible_collections.hwcloud.dcs.plugins.module_utils.errors import DcsError

CHECKS = ('ssl', 'aof_into_cluster', 'version')

# RDB format version -> the first Redis release that writes it (redis rdb.h history; Valkey 9 jumped to 80).
RDB_WRITERS = {6: 'Redis 2.6', 7: 'Redis 3.2', 8: 'Redis 4.0', 9: 'Redis 5.0', 10: 'Redis 7.0',
               11: 'Redis 7.2', 12: 'Redis 7.4', 80: 'Valkey 9.0'}
# DCS engine_version -> the newest RDB format its Redis loads.
ENGINE_RDB = {'3.0': 6, '4.0': 8, '5.0': 9, '6.0': 9, '6.2': 9, '7.0': 10}
# REDIS0011...; Valkey 9 and newer write VALKEY080...
RDB_HEADER = re.compile(br'^(?:REDIS([0-9]{4})|VALKEY([0-9]{3}))')


def rdb_version(path):
    """The RDB format version in the file's header (an AOF with an RDB preamble has one too), or None."""
    try:
        with open(path, 'rb') as handle:
            match = RDB_HEADER.match(handle.read(9))
    except (IOError, OSError) as error:
        raise DcsError('backup_files.files[].local_path %s cannot be read: %s' % (path, error.strerror or error))
    return int(match.group(1) or match.group(2)) if match else None


def refusal(check, problem, fix):
    return DcsError('%s; %s, or if the service now allows it, set skip_checks to include %s' % (problem, fix, check))


def check_target(instance, request, local_paths, skip):
    """Raise DcsError on the first rule the import would break. instance: the show call's answer;
    local_paths: {file_name: path on the module's host}; skip: names from CHECKS."""
    label = "target instance '%s' (%s)" % (instance.get('name'), instance.get('instance_id'))
    files = [item['file_name'] for item in (request.get('backup_files') or {}).get('files') or []]
    if 'ssl' not in skip and instance.get('enable_ssl') is True:
        raise refusal('ssl', '%s has SSL enabled and DCS imports backups only into instances with SSL off' % label,
                      'turn SSL off on the instance (DCS console, or the SSL switch API) and run again')
    aof = [name for name in files if name.lower().endswith('.aof')]
    if 'aof_into_cluster' not in skip and aof and instances.cache_mode_of(instance) == instances.CLUSTER:
        raise refusal('aof_into_cluster', '%s is a Redis Cluster, which cannot import AOF files (%s)'
                      % (label, ', '.join(aof)), 'import RDB files instead (for example with BGSAVE on the source)')
    if 'version' not in skip:
        check_versions(label, instance.get('engine_version'), local_paths)


def check_versions(label, engine_version, local_paths):
    newest = ENGINE_RDB.get(str(engine_version))
    if newest is None:
        return  # an engine version the module does not know: nothing to compare with
    for file_name, path in sorted(local_paths.items()):
        version = rdb_version(path)
        if version is not None and version > newest:
            raise refusal('version', '%s runs Redis %s, which loads RDB versions up to %d, but %s is RDB version %d '
                          '(written by %s or newer)' % (label, engine_version, newest, file_name, version,
                                                        RDB_WRITERS.get(version, 'a newer server')),
                          'import into an instance of a newer Redis version, or write the backup with a Redis '
                          'no newer than %s' % engine_version)
