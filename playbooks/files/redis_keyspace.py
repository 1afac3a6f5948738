# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Print (JSON) how many keys a Redis server holds per database: {"total": N, "databases": {"0": N0, ...}}.

Used by demo.yml to show what an import brought into the target. Connection from the environment:
REDIS_HOST, REDIS_PORT, REDIS_PASSWORD (the password never goes on a command line).
"""

from __future__ import absolute_import, division, print_function

import json
import os

import redis


def main():
    client = redis.Redis(host=os.environ.get('REDIS_HOST', '127.0.0.1'), port=int(os.environ['REDIS_PORT']),
                         password=os.environ.get('REDIS_PASSWORD') or None, socket_timeout=30)
    try:
        keyspace = client.info('keyspace')
    finally:
        client.close()
    databases = dict((name[2:], info['keys']) for name, info in sorted(keyspace.items()) if name.startswith('db'))
    print(json.dumps({'total': sum(databases.values()), 'databases': databases}, sort_keys=True))


if __name__ == '__main__':
    main()
