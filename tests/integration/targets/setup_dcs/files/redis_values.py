# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Redis key's value in a form two servers' copies can be compared by (shared by the targets' helper scripts).

A script in another target's files/ puts this folder on sys.path (needs/target/setup_dcs in that target's
aliases places setup_dcs beside it) and imports this module.
"""

from __future__ import absolute_import, division, print_function


def stream_value(client, key):
    groups = [(group['name'], group['pending'], group['last-delivered-id'], group['consumers'])
              for group in client.xinfo_groups(key)]
    return client.xrange(key), groups


READERS = {
    'string': lambda client, key: client.get(key),
    'hash': lambda client, key: sorted(client.hgetall(key).items()),
    'list': lambda client, key: client.lrange(key, 0, -1),
    'set': lambda client, key: sorted(client.smembers(key)),
    'zset': lambda client, key: client.zrange(key, 0, -1, withscores=True),
    'stream': stream_value,
}


def value_of(client, key):
    """(type, value): members sorted where Redis keeps no order; value None for a type not read here (or 'none':
    the key is gone)."""
    kind = client.type(key).decode()
    reader = READERS.get(kind)
    return kind, reader(client, key) if reader else None
