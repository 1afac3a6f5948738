# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Print (JSON) what a Redis server holds under a key prefix, per database: keys, keys per type, keys with a TTL.

The shape is that of the databases in a sample backup's manifest, so a target compares the two directly.
The password comes from the REDIS_PASSWORD environment variable (never from the command line).
"""

from __future__ import absolute_import, division, print_function

import argparse
import json
import os

import redis

DATABASES = 16


def describe(client, prefix):
    keys = list(client.scan_iter(match=prefix + '*', count=1000))
    if not keys:
        return None
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.type(key)
        pipe.ttl(key)
    answers = pipe.execute()
    types = {}
    for kind in answers[0::2]:
        kind = kind.decode() if isinstance(kind, bytes) else kind
        types[kind] = types.get(kind, 0) + 1
    return {'keys': len(keys), 'types': types, 'ttl': sum(1 for ttl in answers[1::2] if ttl > 0)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--prefix', required=True)
    args = parser.parse_args()
    result = {}
    for db in range(DATABASES):
        client = redis.Redis(host=args.host, port=args.port, db=db, password=os.environ.get('REDIS_PASSWORD') or None,
                             socket_timeout=30)
        try:
            found = describe(client, args.prefix)
        finally:
            client.close()
        if found:
            result[str(db)] = found
    print(json.dumps(result, sort_keys=True))


if __name__ == '__main__':
    main()
