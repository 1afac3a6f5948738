# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compare, key by key and value by value, what Redis servers hold under a key prefix with RDB backup files.

The reference is what a real server loads from the files: each file is loaded by a throw-away server of the
binary the emulator's instances run (the one its launcher prefers). Then either
- --node HOST:PORT: the server, and each replica it lists (ROLE: a master/standby instance's standby), must
  hold exactly the reference, per database; or
- --cluster HOST:PORT: a Redis Cluster, found from one of its nodes: every key of the reference must be on the
  master that owns its hash slot (and on no other master), and every master's replica must hold what its master holds.
Prints JSON: keys in the reference, and per server the keys found and the first few missing, different, extra
and (cluster) misplaced keys. Passwords come from REDIS_PASSWORD, never from the command line.
"""

from __future__ import absolute_import, division, print_function

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import redis
from redis.crc import key_slot

from dcs_emulator.importer.servers import StagingServer
from dcs_emulator.samples import preferred_binary

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, 'setup_dcs', 'files'))
from redis_values import value_of  # noqa: E402  pylint: disable=wrong-import-position

SHOWN = 5  # keys listed per kind of difference
# An import through MIGRATE carries a key's remaining TTL, so its expiry time moves by the time the copy took.
EXPIRY_TOLERANCE_MS = 60000


def read_db(client, prefix):
    """{key: (type, value, absolute expiry time in ms or -1)} under prefix."""
    found = {}
    for key in client.scan_iter(match=prefix + '*', count=1000):
        kind, value = value_of(client, key)
        found[key] = (kind, repr(value), client.execute_command('PEXPIRETIME', key))
    return found


def databases(client):
    return sorted(int(name[2:]) for name in client.info('keyspace'))


def reference(files, prefix):
    """{db: {key: value}} of the files, each loaded by a server of its own."""
    found = {}
    binary = preferred_binary()
    for path in files:
        directory = Path(tempfile.mkdtemp(prefix='it-ref-'))
        shutil.copyfile(path, str(directory / 'dump.rdb'))
        server = StagingServer(binary, directory, {'dbfilename': 'dump.rdb'}, label='reference server')
        server.start()
        try:
            for db in databases(server.client()):
                found.setdefault(db, {}).update(read_db(server.client(db=db), prefix))
        finally:
            server.stop()
            shutil.rmtree(str(directory), ignore_errors=True)
    return found


def same(expected, actual):
    return (expected[:2] == actual[:2]
            and (expected[2] == actual[2] or min(expected[2], actual[2]) > 0
                 and abs(expected[2] - actual[2]) <= EXPIRY_TOLERANCE_MS))


def differences(expected, actual):
    """The first keys missing, different and extra in actual ({key: value}) compared with expected."""
    return {
        'keys': len(actual),
        'missing': sorted(k.decode() for k in expected if k not in actual)[:SHOWN],
        'different': sorted(k.decode() for k in expected if k in actual and not same(expected[k], actual[k]))[:SHOWN],
        'extra': sorted(k.decode() for k in actual if k not in expected)[:SHOWN],
    }


def client_for(address, password, **kwargs):
    host, port = address.rsplit(':', 1)
    return redis.Redis(host=host, port=int(port), password=password, socket_timeout=30, **kwargs)


def check_node(address, password, expected, prefix):
    """Every database of the server at address against the reference."""
    result = {}
    for db in sorted(set(expected) | set(databases(client_for(address, password)))):
        result[str(db)] = differences(expected.get(db, {}), read_db(client_for(address, password, db=db), prefix))
    return result


def replicas_of(address, password):
    """HOST:PORT of the replicas that a master lists (ROLE): the API shows a standby's host, not its port."""
    role = client_for(address, password).execute_command('ROLE')
    return ['%s:%s' % (host.decode(), port.decode()) for host, port, _offset in role[2]] if role[0] == b'master' else []


def check_cluster(address, password, expected, prefix):
    """Every master against the reference keys of the slots it owns; every replica against its master."""
    expected = expected.get(0, {})
    slots = client_for(address, password).execute_command('CLUSTER SLOTS')
    shards = {}
    for start, end, master, *replicas in slots:
        name = '%s:%d' % (master[0].decode(), master[1])
        shard = shards.setdefault(name, {'slots': [], 'replicas': ['%s:%d' % (r[0].decode(), r[1]) for r in replicas]})
        shard['slots'].append((start, end))
    result = {}
    for name, shard in sorted(shards.items()):
        owned = [key for key in expected if any(start <= key_slot(key) <= end for start, end in shard['slots'])]
        actual = read_db(client_for(name, password), prefix)
        found = differences(dict((key, expected[key]) for key in owned), actual)
        found['misplaced'] = found.pop('extra')  # keys of the backup whose slot another master owns, or no key of it
        found['expected_keys'] = len(owned)
        found['replicas'] = {}
        for replica in shard['replicas']:
            reader = client_for(replica, password)
            reader.execute_command('READONLY')
            found['replicas'][replica] = differences(actual, read_db(reader, prefix))
        result[name] = found
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rdb', action='append', default=[], help='a backup file (repeatable; none: nothing may be there)')
    parser.add_argument('--prefix', required=True)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument('--node', help='HOST:PORT of a server that must hold the backup, as must its replicas')
    group.add_argument('--cluster', help='HOST:PORT of a node of a Redis Cluster that must hold the backup')
    args = parser.parse_args()
    password = os.environ.get('REDIS_PASSWORD') or None
    expected = reference(args.rdb, args.prefix)
    result = {'reference_keys': sum(len(keys) for keys in expected.values())}
    if args.cluster:
        result['shards'] = check_cluster(args.cluster, password, expected, args.prefix)
    else:
        result['master'] = check_node(args.node, password, expected, args.prefix)
        result['replicas'] = dict((replica, check_node(replica, password, expected, args.prefix))
                                  for replica in replicas_of(args.node, password))
    print(json.dumps(result, sort_keys=True))


if __name__ == '__main__':
    main()
