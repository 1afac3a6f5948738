# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Source-side helper of the online_migration_task target: fill a Redis, write to it, compare two of them.

fill     writes --keys keys of every type under --prefix into databases 0 and 1, a third of them with a TTL;
write    keeps writing for --seconds under --prefix (sets, deletes, expiries, counters, hashes, lists,
         MULTI/EXEC, Lua, a FLUSHDB of database 2) and prints how many commands it sent;
compare  prints a JSON report of the keys under --prefix that differ between the source and the target
         (type, value, or a TTL present on one side only), per database; exit status 1 if any differ.
Passwords come from SOURCE_PASSWORD and TARGET_PASSWORD (never from the command line).
"""

from __future__ import absolute_import, division, print_function

import argparse
import json
import os
import random
import sys
import time

import redis

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, 'setup_dcs', 'files'))
from redis_values import value_of  # noqa: E402  pylint: disable=wrong-import-position

DATABASES = (0, 1, 2)


def connect(address, password_variable, db=0):
    host, _colon, port = address.rpartition(':')
    return redis.Redis(host=host, port=int(port), db=db, password=os.environ.get(password_variable) or None,
                       socket_timeout=30)


def fill(client_for, prefix, keys):
    for db in (0, 1):
        client = client_for(db)
        pipe = client.pipeline(transaction=False)
        for index in range(keys // 2):
            key = '%sdb%d:%d' % (prefix, db, index)
            kind = index % 5
            if kind == 0:
                pipe.set(key, 'value-%d' % index)
            elif kind == 1:
                pipe.hset(key, mapping={'field': index, 'other': 'x' * (index % 7)})
            elif kind == 2:
                pipe.rpush(key, *range(index % 4 + 1))
            elif kind == 3:
                pipe.sadd(key, *('m%d' % n for n in range(index % 3 + 1)))
            else:
                pipe.zadd(key, dict(('z%d' % n, n) for n in range(index % 3 + 1)))
            if index % 3 == 0:
                pipe.expire(key, 3600)
        pipe.execute()
    # A database the writer flushes during the replication.
    client_for(2).set(prefix + 'db2:doomed', 'flushed later')


def write(client_for, prefix, seconds):
    rng = random.Random(7)
    client, sent, deadline = client_for(0), 0, time.monotonic() + seconds
    bump = client.register_script("return redis.call('INCRBY', KEYS[1], ARGV[1])")
    while time.monotonic() < deadline:
        index = rng.randrange(500)
        key = '%sdb0:%d' % (prefix, index)
        choice = index % 6
        if choice == 0:
            client.set(key, 'written-%d' % sent)
        elif choice == 1:
            client.delete(key)
        elif choice == 2:
            client.set('%sshort:%d' % (prefix, index), 'expires', px=200)
        elif choice == 3:
            with client.pipeline(transaction=True) as multi:
                multi.incr(prefix + 'counter')
                multi.hset(prefix + 'hash', 'last', sent)
                multi.execute()
        elif choice == 4:
            bump(keys=[prefix + 'lua'], args=[index])
        else:
            client.rpush(prefix + 'list', sent)
            client.ltrim(prefix + 'list', -50, -1)
        sent += 1
        time.sleep(0.002)
    client_for(2).flushdb()
    client_for(1).set(prefix + 'db1:last', 'written after the flush')
    print(json.dumps({'commands': sent}))


def snapshot(client, prefix):
    """{key: (type, value, has_ttl)} under prefix."""
    found = {}
    for key in client.scan_iter(match=prefix + '*', count=1000):
        kind, value = value_of(client, key)
        if value is None and kind != 'none':
            continue
        found[key] = (kind, repr(value), client.ttl(key) > 0)
    return found


def compare(source_for, target_for, prefix):
    report, differing = {}, 0
    for db in DATABASES:
        source, target = snapshot(source_for(db), prefix), snapshot(target_for(db), prefix)
        # A key with a TTL may expire on one side between the two reads: only keys without one must match.
        keys = [key for key in set(source) | set(target)
                if source.get(key) != target.get(key)
                and not ((source.get(key) or target.get(key))[2] and key.startswith((prefix + 'short:').encode()))]
        differing += len(keys)
        report[str(db)] = {'source_keys': len(source), 'target_keys': len(target),
                           'differing': sorted(key.decode() for key in keys)[:10]}
    print(json.dumps({'differing': differing, 'databases': report}))
    return 1 if differing else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('action', choices=['fill', 'write', 'compare'])
    parser.add_argument('--source', required=True, help='host:port')
    parser.add_argument('--target', help='host:port (compare)')
    parser.add_argument('--prefix', required=True)
    parser.add_argument('--keys', type=int, default=1000)
    parser.add_argument('--seconds', type=float, default=8.0)
    args = parser.parse_args()

    def source_for(db):
        return connect(args.source, 'SOURCE_PASSWORD', db)

    def target_for(db):
        return connect(args.target, 'TARGET_PASSWORD', db)

    if args.action == 'fill':
        fill(source_for, args.prefix, args.keys)
        return 0
    if args.action == 'write':
        write(source_for, args.prefix, args.seconds)
        return 0
    return compare(source_for, target_for, args.prefix)


if __name__ == '__main__':
    sys.exit(main())
