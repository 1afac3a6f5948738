# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A streaming RDB reader that turns a file into RESTORE (and MSET) commands without decoding any value.

A DUMP payload is the value exactly as an RDB file stores it (its type byte and encoded value), then the RDB
version (2 bytes, little-endian) and a CRC64 (Redis's Jones polynomial, little-endian) of everything before it.
So the reader only has to find where each value ends: it walks the length prefixes of every type it knows and
copies the bytes in between (plain strings without expiry go in MSETs instead: a target sets them for half
of what a RESTORE costs it, and they need no payload).  A value type or opcode it does not know (module types, Redis 7.4's hash field
expiration types, Valkey's newer ones) raises ``Unreadable``: the caller falls back to a server's own loader.

Like a loader, the reader skips keys whose expiry has passed.  The file's own CRC64 (over all of it) is checked
before the first key is handed out, so a corrupt or truncated file is refused before anything reaches a target.
"""

from __future__ import annotations

import itertools
import mmap
import struct
import time
from binascii import crc_hqx
from pathlib import Path
from typing import Iterator, Optional

import anycrc
from redis.crc import REDIS_CLUSTER_HASH_SLOTS, key_slot

from dcs_emulator.importer.formats import rdb_version

CRC64 = anycrc.Model("CRC64-REDIS")  # reflected Jones polynomial 0xad93d23594c935a9, init 0: what Redis uses

# Opcodes (rdb.h).
OP_FUNCTION2 = 0xF5
OP_FUNCTION_PRE_GA = 0xF6
OP_MODULE_AUX = 0xF7
OP_IDLE = 0xF8
OP_FREQ = 0xF9
OP_AUX = 0xFA
OP_RESIZEDB = 0xFB
OP_EXPIRETIME_MS = 0xFC
OP_EXPIRETIME = 0xFD
OP_SELECTDB = 0xFE
OP_EOF = 0xFF

# Value types whose encoding is one string (ziplists, listpacks, intsets, zipmaps) or a plain string.
ONE_STRING = frozenset((0, 9, 10, 11, 12, 13, 16, 17, 20))
STRING_LIST = frozenset((1, 2, 14))  # n strings
STREAM_TYPES = {15: 1, 19: 2, 21: 3}  # RDB_TYPE_STREAM_LISTPACKS, _2, _3
TYPE_NAMES = {6: "a module value (pre-GA)", 7: "a module value", 22: "a hash with field expiration",
              23: "a hash with field expiration", 24: "a hash with field expiration", 25: "a hash with field expiration"}
TYPE_BYTES = [bytes((value,)) for value in range(256)]
FIRST_CHUNK_BYTES = 32 * 1024
MSET_KEYS = 128  # plain strings without expiry per MSET: a target sets them for half of what RESTOREs cost
# Routed by slot (a cluster): an MSET holds keys of one slot only (else CROSSSLOT), so plain strings wait for
# their slot's MSET. The slots take turns, SLOT_STEPS groups of them (the shards' slots interleaved) one after the
# other, a group every SLOT_CYCLE_BYTES / SLOT_STEPS bytes of the file: every shard gets MSETs all along (not in bursts
# while the reader waits), and each slot's strings go out at least once per SLOT_CYCLE_BYTES of the file; a slot with
# SLOT_MSET_KEYS strings waiting sends them at once. Both bound the memory the waiting strings hold (at most
# 16384 * SLOT_MSET_KEYS of them, and what SLOT_CYCLE_BYTES of the file holds).
SLOT_CYCLE_BYTES = 32 * 1024 * 1024
SLOT_STEPS = 256
SLOT_MSET_KEYS = 32
SLOT_MASK = REDIS_CLUSTER_HASH_SLOTS - 1  # CRC16 mod 16384, as redis-py's key_slot
MSET = b"*%d\r\n$4\r\nMSET\r\n"
PAIR = b"$%d\r\n%s\r\n$%d\r\n%s\r\n"
SET_PXAT = b"*5\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n$4\r\nPXAT\r\n$%d\r\n%s\r\n"  # SET key value PXAT unix-ms
# RESTORE key ttl payload REPLACE [ABSTTL], as RESP (payload = body + its CRC64).
RESTORE = b"*5\r\n$7\r\nRESTORE\r\n$%d\r\n%s\r\n$1\r\n0\r\n$%d\r\n%s%s\r\n$7\r\nREPLACE\r\n"
RESTORE_TTL = b"*5\r\n$7\r\nRESTORE\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n$%d\r\n%s%s\r\n$7\r\nREPLACE\r\n"
RESTORE_ABSTTL = b"*6\r\n$7\r\nRESTORE\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n$%d\r\n%s%s\r\n$7\r\nREPLACE\r\n$6\r\nABSTTL\r\n"

_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")
_BE32 = struct.Struct(">I")
_BE64 = struct.Struct(">Q")
INTEGERS = (struct.Struct("<b"), struct.Struct("<h"), struct.Struct("<i"))  # string encodings 0xC0, 0xC1, 0xC2


class Unreadable(Exception):
    """The file holds something this reader does not read; the message says what (for the task log)."""


class Corrupt(Exception):
    """The file is corrupt or truncated; the message says how."""


class RdbFile:
    """An RDB file mapped into memory: its version, its checksum, and its keys as commands."""

    def __init__(self, path):
        self.path = Path(path)
        self.size = self.path.stat().st_size
        with open(self.path, "rb") as handle:
            if self.size < 9:
                raise Corrupt("it is %d bytes long, shorter than an RDB header" % self.size)
            self.data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        if hasattr(self.data, "madvise"):
            self.data.madvise(mmap.MADV_SEQUENTIAL)  # read once, front to back: the kernel may read ahead and drop behind
        self.version = rdb_version(self.data[:9])
        if self.version is None:
            self.close()
            raise Corrupt("it does not start with an RDB header")
        self.footer = _U16.pack(self.version)
        self.position = 9  # bytes read so far (for progress)

    def close(self) -> None:
        self.data.close()

    def __enter__(self) -> "RdbFile":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def verify(self) -> None:
        """Check that the file ends with EOF and the CRC64 of everything before it.  A file written without a
        checksum (rdbchecksum no: eight zero bytes) or by a server before RDB 5 cannot be checked: Unreadable."""
        if self.version < 5:
            raise Unreadable("RDB version %d files carry no checksum" % self.version)
        if self.size < 18 or self.data[self.size - 9] != OP_EOF:
            raise Corrupt("it does not end with the RDB end-of-file mark")
        stored = _U64.unpack_from(self.data, self.size - 8)[0]
        if stored == 0:
            raise Unreadable("it was written without a checksum (rdbchecksum no), so it cannot be checked before keys are sent")
        view = memoryview(self.data)[:self.size - 8]
        try:
            actual = CRC64.calc(view)
        finally:
            view.release()
        if actual != stored:
            raise Corrupt("its checksum does not match its content")

    # reading -----------------------------------------------------------------------------------------------

    def restores(self, absolute: bool = True, now_ms: Optional[int] = None, chunk_bytes: int = 512 * 1024,
                 route: Optional[list] = None, set_pxat: bool = False) -> Iterator[tuple]:
        """The file as commands, in file order: yield ``("db", number, key count or None)``, ``("keys", commands,
        keys in each command, keys in all)`` (pipelined commands, about ``chunk_bytes`` together, the first chunks
        smaller) and ``("function", library code)``; ``self.position`` follows.  A key is one
        ``RESTORE key expiry payload REPLACE [ABSTTL]``, or for a plain string without expiry one pair of an
        ``MSET`` of up to MSET_KEYS keys (the same merge: the value replaces any key of that name, and its TTL).
        With ``set_pxat`` (a target that knows ``SET ... PXAT``: Redis 6.2+, Valkey), a plain string with an expiry
        is ``SET key value PXAT expiry`` (the same merge; the target sets it for less than a RESTORE costs).

        Expiries are absolute (ABSTTL) unless ``absolute`` is false (then the time left at ``now_ms``).  Keys
        already expired at ``now_ms`` (default: now) are skipped, as a server's loader skips them.  One loop, no
        call per key where it can be helped: this is the import's hot path.

        ``route`` (a Redis Cluster: the shard index owning each hash slot) splits the commands by shard: each
        ``("keys", ...)`` event then has a fifth item, the shard its commands are for, and an MSET holds keys of
        one slot only (up to SLOT_MSET_KEYS of them, see SLOT_CYCLE_BYTES)."""
        data = self.data
        end = self.size
        now_ms = int(time.time() * 1000) if now_ms is None else now_ms
        skip_value = self._skip_value
        footer = self.footer
        crc64 = CRC64.calc
        pack = _U64.pack
        types = TYPE_BYTES
        out, keys, count, size = [], [], 0, 0  # commands, keys in each, keys in all, bytes
        pairs = []  # key-value pairs of the next MSET
        limit = min(chunk_bytes, FIRST_CHUNK_BYTES)  # doubles up to chunk_bytes: the first keys go out at once
        router = _ShardBatches(route, chunk_bytes) if route is not None else None
        slot_pairs, next_step = (router.waiting, router.next_step) if router is not None else (None, 0)
        crc16, slot_mask, slot_mset_keys = crc_hqx, SLOT_MASK, SLOT_MSET_KEYS
        slot = 0
        pos = 9
        expire = -1
        while pos < end:
            op = data[pos]
            pos += 1
            if op < 0xF4:  # a key: type byte, key string, value
                head = data[pos]
                if head < 0x40:  # the usual short key
                    key_end = pos + 1 + head
                    key = data[pos + 1:key_end]
                else:
                    key, key_end = self._string(pos)
                if op == 0:
                    head = data[key_end]
                    if head < 0x40:
                        pos = key_end + 1 + head
                    elif head < 0x80:
                        pos = key_end + 2 + (((head & 0x3F) << 8) | data[key_end + 1])
                    else:
                        pos = self._skip_string(key_end)
                else:
                    pos = skip_value(op, key_end)
                if router is not None:  # the key's hash slot: CRC16 of the key, or of its {hash tag}
                    slot = crc16(key, 0) & slot_mask if b"{" not in key else key_slot(key)
                if expire == -1:
                    if op == 0 and head < 0x80:  # a plain string without expiry: MSET, many keys a command
                        value = data[pos - (head if head < 0x40 else ((head & 0x3F) << 8) | data[key_end + 1]):pos]
                        if router is not None:  # waits for its slot's MSET
                            waiting = slot_pairs[slot]
                            waiting.append(PAIR % (len(key), key, len(value), value))
                            if len(waiting) >= slot_mset_keys or pos >= next_step:
                                next_step = router.pairs_added(slot, pos)
                                if router.ready:
                                    self.position = pos
                                    yield from router.take()
                            continue
                        pairs.append(PAIR % (len(key), key, len(value), value))
                        if len(pairs) < MSET_KEYS:
                            continue
                        command, weight, pairs = MSET % (2 * MSET_KEYS + 1) + b"".join(pairs), MSET_KEYS, []
                    else:
                        body = types[op] + data[key_end:pos] + footer  # the DUMP payload, less its CRC64
                        command, weight = RESTORE % (len(key), key, len(body) + 8, body, pack(crc64(body))), 1
                else:
                    if expire < now_ms:
                        expire = -1
                        continue
                    if set_pxat and op == 0 and head < 0x80:  # a plain string: SET ... PXAT, no payload to check
                        value = data[pos - (head if head < 0x40 else ((head & 0x3F) << 8) | data[key_end + 1]):pos]
                        ttl = b"%d" % expire
                        command = SET_PXAT % (len(key), key, len(value), value, len(ttl), ttl)
                    else:
                        ttl = b"%d" % (expire if absolute else max(1, expire - now_ms))
                        body = types[op] + data[key_end:pos] + footer
                        restore = RESTORE_ABSTTL if absolute else RESTORE_TTL
                        command = restore % (len(key), key, len(ttl), ttl, len(body) + 8, body, pack(crc64(body)))
                    weight, expire = 1, -1
                if router is not None:
                    router.command(slot, command)
                    if router.ready:
                        self.position = pos
                        yield from router.take()
                    continue
                out.append(command)
                keys.append(weight)
                count += weight
                size += len(command)
                if size >= limit:
                    self.position = pos
                    yield ("keys", b"".join(out), keys, count)
                    out, keys, count, size, limit = [], [], 0, 0, min(chunk_bytes, 2 * limit)
                continue
            if router is not None and op in (OP_SELECTDB, OP_FUNCTION2, OP_EOF):
                self.position = pos - 1
                yield from router.take(flush=True)
            if (out or pairs) and op in (OP_SELECTDB, OP_FUNCTION2, OP_EOF):  # these follow the keys read so far
                if pairs:
                    out.append(MSET % (2 * len(pairs) + 1) + b"".join(pairs))
                    keys.append(len(pairs))
                    count += len(pairs)
                    pairs = []
                self.position = pos - 1
                yield ("keys", b"".join(out), keys, count)
                out, keys, count, size = [], [], 0, 0
            if op == OP_EXPIRETIME_MS:
                expire = _U64.unpack_from(data, pos)[0]
                pos += 8
            elif op == OP_SELECTDB:
                number, pos = self._length(pos)
                db_keys = None
                if data[pos] == OP_RESIZEDB:  # written right after SELECTDB since RDB 7: the database's key count
                    db_keys, pos = self._length(pos + 1)
                    _expires, pos = self._length(pos)
                self.position = pos
                yield ("db", number, db_keys)
            elif op == OP_RESIZEDB:
                _size, pos = self._length(pos)
                _expires, pos = self._length(pos)
            elif op == OP_AUX:
                pos = self._skip_string(self._skip_string(pos))
            elif op == OP_EXPIRETIME:
                expire = _U32.unpack_from(data, pos)[0] * 1000
                pos += 4
            elif op == OP_FREQ:
                pos += 1  # LFU counter: a hint the loader uses only under an LFU policy (MIGRATE does not copy it)
            elif op == OP_IDLE:
                _idle, pos = self._length(pos)
            elif op == OP_FUNCTION2:
                code, pos = self._string(pos)
                self.position = pos
                yield ("function", code)
            elif op == OP_EOF:
                if pos != end - 8:
                    raise Unreadable("its end-of-file mark is at byte %d, not where its checksum says" % (pos - 1))
                self.position = end
                return
            elif op == OP_MODULE_AUX:
                raise Unreadable("it holds module data (a module's auxiliary field)")
            elif op == OP_FUNCTION_PRE_GA:
                raise Unreadable("it holds functions in the format of Redis 7.0 release candidates")
            else:
                raise Unreadable("it holds RDB opcode %d, which this reader does not know" % op)
        raise Corrupt("it ends without an end-of-file mark")

    # the encoding ----------------------------------------------------------------------------------------------

    def _length(self, pos: int) -> tuple:
        """A length prefix: (value, next position); encoded-string markers are the caller's business."""
        data = self.data
        head = data[pos]
        kind = head >> 6
        if kind == 0:
            return head & 0x3F, pos + 1
        if kind == 1:
            return ((head & 0x3F) << 8) | data[pos + 1], pos + 2
        if head == 0x80:
            return _BE32.unpack_from(data, pos + 1)[0], pos + 5
        if head == 0x81:
            return _BE64.unpack_from(data, pos + 1)[0], pos + 9
        raise Unreadable("a length prefix 0x%02x at byte %d is not one" % (head, pos))

    def _skip_string(self, pos: int) -> int:
        head = self.data[pos]
        if head < 0xC0:
            length, pos = self._length(pos)
            return pos + length
        encoding = head & 0x3F
        if encoding < len(INTEGERS):
            return pos + 1 + INTEGERS[encoding].size
        if encoding == 3:  # LZF: compressed length, plain length, compressed bytes
            compressed, pos = self._length(pos + 1)
            _plain, pos = self._length(pos)
            return pos + compressed
        raise Unreadable("a string encoding 0x%02x at byte %d is not one" % (head, pos))

    def _string(self, pos: int) -> tuple:
        """A string's bytes (integers as their decimal text, LZF decompressed) and the next position."""
        data = self.data
        head = data[pos]
        encoding = head & 0x3F
        if head >= 0xC0 and encoding < len(INTEGERS):
            return b"%d" % INTEGERS[encoding].unpack_from(data, pos + 1)[0], pos + 1 + INTEGERS[encoding].size
        if head >= 0xC0 and encoding == 3:
            compressed, start = self._length(pos + 1)
            plain, start = self._length(start)
            return lzf_decompress(data[start:start + compressed], plain), start + compressed
        end = self._skip_string(pos)  # a plain string (or an error naming what is not)
        return data[end - self._length(pos)[0]:end], end

    def _skip_strings(self, pos: int, count: int) -> int:
        skip = self._skip_string
        data = self.data
        for _unused in range(count):
            head = data[pos]
            if head < 0x40:
                pos += 1 + head
            else:
                pos = skip(pos)
        return pos

    def _skip_value(self, kind: int, pos: int) -> int:
        """The position after a value of RDB type ``kind`` that starts at ``pos``."""
        if kind in ONE_STRING:
            return self._skip_string(pos)
        if kind in STRING_LIST:
            count, pos = self._length(pos)
            return self._skip_strings(pos, count)
        if kind == 4:  # hash table: field, value
            count, pos = self._length(pos)
            return self._skip_strings(pos, 2 * count)
        if kind == 5:  # sorted set: member, binary double
            count, pos = self._length(pos)
            for _unused in range(count):
                pos = self._skip_string(pos) + 8
            return pos
        if kind == 3:  # sorted set of Redis < 3.2: member, double as text (253-255: nan, inf, -inf)
            count, pos = self._length(pos)
            for _unused in range(count):
                pos = self._skip_string(pos)
                size = self.data[pos]
                pos += 1 if size >= 253 else 1 + size
            return pos
        if kind == 18:  # quicklist 2: container kind, node
            count, pos = self._length(pos)
            for _unused in range(count):
                _container, pos = self._length(pos)
                pos = self._skip_string(pos)
            return pos
        if kind in STREAM_TYPES:
            return self._skip_stream(pos, STREAM_TYPES[kind])
        raise Unreadable("it holds %s (RDB type %d)" % (TYPE_NAMES.get(kind, "a value type this reader does not know"), kind))

    def _skip_stream(self, pos: int, revision: int) -> int:
        length = self._length
        nodes, pos = length(pos)
        pos = self._skip_strings(pos, 2 * nodes)  # node key (master ID), listpack
        # entries, last ID (ms, seq); revision 2+: first ID, max deleted ID, entries added
        for _unused in range(3 if revision == 1 else 8):
            _value, pos = length(pos)
        groups, pos = length(pos)
        for _unused in range(groups):
            pos = self._skip_string(pos)  # name
            for _unused in range(2 if revision == 1 else 3):  # last delivered ID (ms, seq), revision 2+: entries read
                _value, pos = length(pos)
            pending, pos = length(pos)
            for _unused in range(pending):  # raw 16-byte ID, 8-byte delivery time, delivery count
                _count, pos = length(pos + 24)
            consumers, pos = length(pos)
            for _unused in range(consumers):
                pos = self._skip_string(pos) + (16 if revision == 3 else 8)  # name, seen time (revision 3: active time)
                owned, pos = length(pos)
                pos += 16 * owned
        return pos


class _ShardBatches:
    """The commands of a routed read (``RdbFile.restores(route=...)``), batched by shard; plain strings in MSETs
    of one slot each, the slots taking turns (see SLOT_CYCLE_BYTES)."""

    def __init__(self, route: list, chunk_bytes: int):
        self.route = route
        self.limit = min(chunk_bytes, FIRST_CHUNK_BYTES)  # doubles up to chunk_bytes, as for one target
        self.chunk_bytes = chunk_bytes
        shards = max(route) + 1
        self.out = [[] for _unused in range(shards)]  # commands waiting, by shard
        self.keys = [[] for _unused in range(shards)]  # keys in each of those commands
        self.size = [0] * shards
        self.waiting = [[] for _unused in route]  # slot -> MSET pairs waiting (the reader appends to them)
        self.turns = _interleaved(route)  # the slots in the order they take turns: the shards' alternate
        self.per_step = -(-len(route) // SLOT_STEPS)
        self.step_bytes = SLOT_CYCLE_BYTES // SLOT_STEPS
        self.turn = 0  # the slot of self.turns whose strings go out next
        self.next_step = 9 + self.step_bytes  # the file position at which the next group's go out
        self.ready = []  # ("keys", commands, keys in each, keys in all, shard) events to hand out

    def command(self, slot: int, command: bytes) -> None:
        self._add(self.route[slot], command, 1)

    def pairs_added(self, slot: int, pos: int) -> int:
        """After a string of ``slot`` read up to file position ``pos``: a full slot's MSET goes out, and the next
        groups of slots take their turn if their time has come (at most every slot once, however far ``pos`` went).
        Returns the position of the next turn."""
        if len(self.waiting[slot]) >= SLOT_MSET_KEYS:
            self._send_slot(slot)
        steps = 0
        while pos >= self.next_step and steps < SLOT_STEPS:
            for turn in self.turns[self.turn:self.turn + self.per_step]:
                if self.waiting[turn]:
                    self._send_slot(turn)
            self.turn = (self.turn + self.per_step) % len(self.turns)
            self.next_step += self.step_bytes
            steps += 1
        if pos >= self.next_step:  # every slot had its turn on the way
            self.next_step = pos + self.step_bytes
        return self.next_step

    def _send_slot(self, slot: int) -> None:
        pairs = self.waiting[slot]
        self.waiting[slot] = []
        self._add(self.route[slot], MSET % (2 * len(pairs) + 1) + b"".join(pairs), len(pairs))

    def _add(self, shard: int, command: bytes, weight: int) -> None:
        self.out[shard].append(command)
        self.keys[shard].append(weight)
        self.size[shard] += len(command)
        if self.size[shard] >= self.limit:
            self._emit(shard)
            self.limit = min(self.chunk_bytes, 2 * self.limit)

    def _emit(self, shard: int) -> None:
        keys = self.keys[shard]
        self.ready.append(("keys", b"".join(self.out[shard]), keys, sum(keys), shard))
        self.out[shard], self.keys[shard], self.size[shard] = [], [], 0

    def take(self, flush: bool = False) -> list:
        """The events ready; with ``flush``, every command waiting too (the keys read so far end here)."""
        if flush:
            for slot, pairs in enumerate(self.waiting):
                if pairs:
                    self._send_slot(slot)
            for shard, commands in enumerate(self.out):
                if commands:
                    self._emit(shard)
        ready, self.ready = self.ready, []
        return ready


def _interleaved(route: list) -> list:
    """Every slot, the shards' taking turns (route: the shard of each slot), so each group of slots in a row holds
    some of every shard."""
    by_shard = [[] for _unused in range(max(route) + 1)]
    for slot, shard in enumerate(route):
        by_shard[shard].append(slot)
    return [slot for group in itertools.zip_longest(*by_shard) for slot in group if slot is not None]


def lzf_decompress(data: bytes, size: int) -> bytes:
    """LZF (liblzf) decompression, for the rare compressed key name (values are copied as they are)."""
    out = bytearray()
    pos, end = 0, len(data)
    while pos < end:
        ctrl = data[pos]
        pos += 1
        if ctrl < 32:  # a literal run of ctrl + 1 bytes
            out += data[pos:pos + ctrl + 1]
            pos += ctrl + 1
            continue
        length = ctrl >> 5
        if length == 7:
            length += data[pos]
            pos += 1
        back = len(out) - ((ctrl & 0x1F) << 8) - data[pos] - 1
        pos += 1
        if back < 0:
            raise Corrupt("a compressed string refers before its start")
        for _unused in range(length + 2):  # may overlap what it writes: byte by byte
            out.append(out[back])
            back += 1
    if len(out) != size:
        raise Corrupt("a compressed string decompresses to %d bytes, not %d" % (len(out), size))
    return bytes(out)
