# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The servers behind master/standby and Redis Cluster instances: real replication, a real cluster.

* ``HaServers``: the master is a ManagedServer (the import engine's target, unchanged); a second managed server
  follows it with ``REPLICAOF`` (``masterauth``: the instance's password).
* ``ClusterServers``: ``shards`` masters with one replica each, ``cluster-enabled yes``; formed once with
  ``CLUSTER ADDSLOTSRANGE`` (``ADDSLOTS`` before 7.0), ``CLUSTER MEET`` and ``CLUSTER REPLICATE``, then kept in
  each node's ``nodes.conf``. Ports are chosen once and kept (``ports.json``): the nodes know each other by
  address, so a restart on other ports would break the cluster bus.

Replicas never fail over on their own (``cluster-replica-no-failover``): a master the emulator restarts (a failed
import restored from its snapshot) stays master. After a restore from a snapshot, ``resync`` gives the master a new
replication ID and drops its replicas' links: they reconnect, cannot continue the old stream, and take a full
copy. A master/standby import loads each file on both servers at once (``HaServers.mirror_load``), since the
master's ``DEBUG RELOAD`` bypasses the stream; a full copy repairs any disagreement.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
import uuid
from pathlib import Path
from typing import Optional

import redis

from dcs_emulator.importer.binaries import ServerBinary
from dcs_emulator.importer.common import keyspace
from dcs_emulator.importer.servers import LOCALHOST, SNAPSHOT_FILE, ManagedServer, ServerFailed
from dcs_emulator.launcher import free_port

SLOTS = 16384
# How long client writes to a master may wait while it and its standby load a file (an upper bound: CLIENT
# UNPAUSE ends the pause when the loads end).
MIRROR_PAUSE_MS = 3_600_000
SYNC_TIMEOUT = 300.0
CLUSTER_TIMEOUT = 60.0
# A master waits repl-diskless-sync-delay for more replicas before a full copy (default 5 s; ours have one each);
# a replica loads a full copy straight from the socket (swapdb: its old data stays until the copy is whole), not
# through a file that Valkey 9 checks for only once a second.
REPLICATION_SETTINGS = {"repl-diskless-sync-delay": 0, "repl-diskless-load": "swapdb"}


def wait_until(check, timeout: float, what: str) -> None:
    """Poll ``check()`` until it is true; ServerFailed naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise ServerFailed("%s within %d s" % (what, timeout))
        time.sleep(0.02)


def replication(server) -> dict:
    client = server.client(socket_timeout=10)
    try:
        return client.info("replication")
    finally:
        client.close()


def in_sync(master, replica) -> bool:
    """The replica's link is up, no full sync is running and it has applied everything the master sent."""
    try:
        mine, theirs = replication(replica), replication(master)
    except (redis.RedisError, OSError):
        return False
    return (mine.get("master_link_status") == "up" and not int(mine.get("master_sync_in_progress", 0))
            and int(mine.get("slave_repl_offset", -1)) >= int(theirs.get("master_repl_offset", 0)))


def resync(master, replicas: list, timeout: float = SYNC_TIMEOUT) -> float:
    """Make ``replicas`` take a full copy of ``master`` and wait until they hold it; returns the seconds taken."""
    started = time.monotonic()
    client = master.client(socket_timeout=30)
    try:
        client.execute_command("DEBUG", "CHANGE-REPL-ID")
        client.execute_command("CLIENT", "KILL", "TYPE", "replica")
    finally:
        client.close()
    wait_replicas(master, replicas, timeout)
    return time.monotonic() - started


def wait_replicas(master, replicas: list, timeout: float = SYNC_TIMEOUT) -> None:
    for replica in replicas:
        wait_until(lambda r=replica: in_sync(master, r), timeout,
                   "the replica %s:%s did not catch up with its master %s:%s" % (replica.host, replica.port, master.host, master.port))


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((LOCALHOST, port))
            return True
        except OSError:
            return False


class HaServers(ManagedServer):
    """A master/standby pair: this object is the master (what imports and clients use); ``replica`` follows it."""

    kind = "ha"

    def __init__(self, directory: Path, password: Optional[str] = None, binary: Optional[ServerBinary] = None,
                 port: Optional[int] = None):
        super().__init__(Path(directory) / "master", password=password, binary=binary, port=port, label="master server")
        self.settings.update(REPLICATION_SETTINGS)
        self.replica = ManagedServer(Path(directory) / "replica", password=password, binary=self.binary, label="standby server")
        self.replica.settings.update(REPLICATION_SETTINGS)
        if password:
            self.replica.settings["masterauth"] = password
        self.mirrored = True  # every load of the current import was also made by the standby

    def start(self, timeout: float = 300.0) -> None:
        with self._lock:
            super().start(timeout)
            self.replica.start(timeout)
            self.follow()

    def follow(self) -> None:
        """Point the standby at the master (its port may have changed) and wait until it holds the master's data."""
        client = self.replica.client(socket_timeout=30)
        try:
            client.execute_command("REPLICAOF", self.host, self.port)
        finally:
            client.close()
        wait_replicas(self, [self.replica])

    @contextlib.contextmanager
    def mirror_load(self, rdb: Path):
        """While the master loads ``rdb`` (DEBUG RELOAD, which replication does not carry), the standby loads the same
        file with the same loader, as the service's standby applies an import alongside its master. Client writes
        to the master wait meanwhile (CLIENT PAUSE WRITE), after the standby has applied every earlier one, so both
        merge the file into the same data; ``sync_replicas`` then checks that they agree."""
        link = self.replica.directory / ("mirror-%s.rdb" % uuid.uuid4().hex[:8])
        os.symlink(Path(rdb).resolve(), link)
        outcome = {}
        master = self.client(socket_timeout=30)
        try:
            try:
                master.execute_command("CLIENT", "PAUSE", MIRROR_PAUSE_MS, "WRITE")
                wait_replicas(self, [self.replica], timeout=60)
            except (ServerFailed, redis.RedisError, OSError):
                yield  # the standby is not caught up (or the master is gone): the master loads alone, a full copy follows
                return
            thread = threading.Thread(target=self._standby_load, args=(link.name, outcome), name="dcs-standby-load", daemon=True)
            thread.start()
            try:
                yield
            finally:
                thread.join()
        finally:
            self.mirrored = self.mirrored and outcome.get("ok", False)
            try:
                master.execute_command("CLIENT", "UNPAUSE")
            except (redis.RedisError, OSError):
                pass  # the master was killed (a stop) or died: it restarts unpaused
            master.close()
            link.unlink()

    def _standby_load(self, name: str, outcome: dict) -> None:
        client = self.replica.client(socket_timeout=None)
        try:
            client.config_set("dbfilename", name)
            try:
                client.execute_command("DEBUG", "RELOAD", "MERGE", "NOFLUSH", "NOSAVE")
                outcome["ok"] = True
            finally:
                client.config_set("dbfilename", SNAPSHOT_FILE)
        except (redis.RedisError, OSError):
            outcome["ok"] = False  # the full copy in sync_replicas repairs the standby
        finally:
            client.close()

    def sync_replicas(self, after_failure: bool = False) -> str:
        """After an import: the standby loaded the same files (``mirror_load``) and holds what the master holds --
        or else (a failed import restored the master from its snapshot, a load failed, an already expired key that
        only a standby's loader keeps) it takes a full copy of the master. Returns what happened, for the log."""
        started = time.monotonic()
        mirrored, self.mirrored = self.mirrored, True
        if mirrored and not after_failure and self._agree():
            return "the standby loaded the same files alongside the master and holds the same keys (checked in %.2f s)" \
                % (time.monotonic() - started)
        self.full_copy()
        return "the standby server took a full copy of the master in %.2f s and is in sync" % (time.monotonic() - started)

    def _agree(self) -> bool:
        try:
            wait_replicas(self, [self.replica], timeout=60)
            with self.client(socket_timeout=30) as master, self.replica.client(socket_timeout=30) as replica:
                return keyspace(master) == keyspace(replica)
        except (ServerFailed, redis.RedisError, OSError):
            return False

    def full_copy(self) -> None:
        """The standby leaves and rejoins (a new replication ID of its own), so it cannot continue the old stream and
        takes a full copy at once (``resync`` from the master's side waits for the standby's next reconnect)."""
        client = self.replica.client(socket_timeout=30)
        try:
            client.execute_command("REPLICAOF", "NO", "ONE")
            client.execute_command("REPLICAOF", self.host, self.port)
        finally:
            client.close()
        wait_replicas(self, [self.replica])

    def stop(self, save: bool = True) -> None:
        with self._lock:
            super().stop(save=save)
            self.replica.stop(save=save)

    def is_running(self) -> bool:
        return super().is_running() and self.replica.is_running()

    def members(self) -> dict:
        return {"masters": [(self.host, self.port)], "replicas": [(self.replica.host, self.replica.port)]}


class ClusterServers:
    """A Redis Cluster of ``shards`` masters, each with one replica (see the module docstring)."""

    managed = True
    kind = "cluster"
    host = LOCALHOST

    def __init__(self, directory: Path, shards: int, password: Optional[str] = None, binary: Optional[ServerBinary] = None):
        self.directory = Path(directory)
        self.password = password
        self.masters = [self._node("shard-%d/master" % n, binary, "shard %d master" % (n + 1)) for n in range(shards)]
        self.replicas = [self._node("shard-%d/replica" % n, binary, "shard %d replica" % (n + 1)) for n in range(shards)]
        self.binary = self.masters[0].binary
        self._lock = threading.RLock()
        self.process = None  # set once started (the plugin starts a managed target on first use)

    def _node(self, name: str, binary, label: str) -> ManagedServer:
        node = ManagedServer(self.directory / name, password=self.password, binary=binary, label=label)
        node.settings.update({"cluster-enabled": "yes", "cluster-config-file": "nodes.conf",
                              "cluster-replica-no-failover": "yes", "cluster-node-timeout": 15000, **REPLICATION_SETTINGS})
        if self.password:
            node.settings["masterauth"] = self.password
        return node

    @property
    def nodes(self) -> list:
        return self.masters + self.replicas

    @property
    def port(self) -> int:
        return self.masters[0].port

    def client(self, **kwargs) -> redis.Redis:
        """A plain client of the first master (cluster-wide questions go through ``key_count`` and friends)."""
        return self.masters[0].client(**kwargs)

    # lifecycle -------------------------------------------------------------------------------------------

    def start(self, timeout: float = 300.0) -> None:
        with self._lock:
            if self.process is not None and all(node.alive() for node in self.nodes):
                return
            for node, (port, bus_port) in zip(self.nodes, self._ports()):
                node.fixed_port = port
                if self._has_cluster_port():
                    node.settings["cluster-port"] = bus_port
                node.start(timeout)
            self.process = True
            if not self._formed():
                self._form()
            self.wait_healthy()

    def wait_healthy(self) -> None:
        """Every node sees cluster_state:ok and every replica holds its master's data."""
        wait_until(self._state_ok, CLUSTER_TIMEOUT, "the cluster did not reach cluster_state:ok")
        for master, replica in zip(self.masters, self.replicas):
            wait_replicas(master, [replica])

    def _has_cluster_port(self) -> bool:
        """cluster-port (7.0+) names the bus port; before, the bus is the port + 10000."""
        return self.binary.flavor == "valkey" or self.binary.version >= (7, 0, 0)

    def _ports(self) -> list:
        """Each node's [port, bus port]: chosen once, then kept in ports.json (peers know a node by its address)."""
        path = self.directory / "ports.json"
        try:
            ports = json.loads(path.read_text(encoding="ascii"))
            if len(ports) == len(self.nodes):
                return ports
        except (OSError, ValueError):
            pass
        ports, taken = [], set()
        while len(ports) < len(self.nodes):
            port = free_port()
            bus_port = free_port() if self._has_cluster_port() else port + 10000
            if {port, bus_port} & taken or port == bus_port or bus_port > 65535 or not _bindable(bus_port):
                continue
            taken |= {port, bus_port}
            ports.append([port, bus_port])
        self.directory.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(ports), encoding="ascii")
        return ports

    def _formed(self) -> bool:
        info = self._cluster_info(self.masters[0])
        return int(info.get("cluster_known_nodes", 0)) == len(self.nodes) and int(info.get("cluster_slots_assigned", 0)) == SLOTS

    def _form(self) -> None:
        """Slots split evenly over the masters, every node met, each replica following its shard's master."""
        shards = len(self.masters)
        for number, master in enumerate(self.masters):
            first, last = number * SLOTS // shards, (number + 1) * SLOTS // shards - 1
            with master.client(socket_timeout=30) as client:
                if master.binary.version >= (7, 0, 0) or master.binary.flavor == "valkey":
                    client.execute_command("CLUSTER", "ADDSLOTSRANGE", first, last)
                else:
                    client.execute_command("CLUSTER", "ADDSLOTS", *range(first, last + 1))
        with self.masters[0].client(socket_timeout=30) as client:
            for node in self.nodes[1:]:
                bus_port = node.settings.get("cluster-port")
                client.execute_command("CLUSTER", "MEET", node.host, node.port, *([bus_port] if bus_port else []))
        wait_until(lambda: all(int(self._cluster_info(n).get("cluster_known_nodes", 0)) == len(self.nodes) for n in self.nodes),
                   CLUSTER_TIMEOUT, "the cluster's nodes did not all meet")
        for master, replica in zip(self.masters, self.replicas):
            master_id = self._node_id(master)
            with replica.client(socket_timeout=30) as client:
                # A replica learns of its master through gossip: retry until it has.
                wait_until(lambda c=client, m=master_id: self._replicate(c, m), CLUSTER_TIMEOUT,
                           "%s could not follow its master" % replica.label)

    @staticmethod
    def _replicate(client: redis.Redis, master_id: str) -> bool:
        try:
            client.execute_command("CLUSTER", "REPLICATE", master_id)
            return True
        except redis.ResponseError:
            return False

    @staticmethod
    def _cluster_info(node) -> dict:
        try:
            with node.client(socket_timeout=10) as client:
                text = client.execute_command("CLUSTER", "INFO")
        except (redis.RedisError, OSError):
            return {}
        text = text.decode() if isinstance(text, bytes) else text
        return dict(line.split(":", 1) for line in text.split() if ":" in line) if isinstance(text, str) else dict(text)

    @staticmethod
    def _node_id(node) -> str:
        with node.client(socket_timeout=10) as client:
            value = client.execute_command("CLUSTER", "MYID")
        return value.decode() if isinstance(value, bytes) else value

    def _state_ok(self) -> bool:
        return all(self._cluster_info(node).get("cluster_state") == "ok" for node in self.nodes)

    def stop(self, save: bool = True) -> None:
        with self._lock:
            for node in self.nodes:
                node.stop(save=save)

    def kill(self) -> None:
        for node in self.nodes:
            node.kill()

    def alive(self) -> bool:
        return all(node.alive() for node in self.nodes)

    def is_running(self) -> bool:
        return all(node.is_running() for node in self.nodes) and self._state_ok()

    def members(self) -> dict:
        return {"masters": [(n.host, n.port) for n in self.masters], "replicas": [(n.host, n.port) for n in self.replicas]}

    # what the import asks --------------------------------------------------------------------------------

    def slot_ranges(self) -> list:
        """[(first slot, last slot, master index)] as the cluster itself reports them (CLUSTER SLOTS)."""
        by_port = {master.port: index for index, master in enumerate(self.masters)}
        with self.masters[0].client(socket_timeout=10) as client:
            slots = client.execute_command("CLUSTER", "SLOTS")
        return sorted((int(entry[0]), int(entry[1]), by_port[int(entry[2][1])]) for entry in slots)

    def key_count(self) -> int:
        total = 0
        for master in self.masters:
            with master.client(socket_timeout=30) as client:
                total += sum(keyspace(client).values())
        return total
