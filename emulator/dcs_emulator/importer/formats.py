# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Backup file formats as DCS accepts them, recognised by content (the name only breaks ties).

* ``.rdb``: an RDB snapshot (``REDIS0011``..., ``VALKEY080``...).
* ``.aof``: RESP commands, optionally after an RDB preamble (loaded by the AOF loader, so the tail counts).
* Redis 7 multi-part AOF: a directory with ``<name>.manifest`` plus its base/incr files, inside an archive.
* ``.zip`` / ``.tar.gz`` holding any of the above; members are applied in archive order.

Nothing here parses RDB payloads: only the 9-byte header is read, the servers' own loaders do the rest.
Archive members are extracted by streaming, and a member that tries to leave the extraction directory
(absolute path, '..', NUL, link or device) is refused.
"""

from __future__ import annotations

import re
import shutil
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Optional

RDB_MAGIC = re.compile(rb"^(REDIS|VALKEY)(\d{3,4})")
MANIFEST_LINE = re.compile(r"^file (\S+) seq (\d+) type ([bhi])\s*$")
CHUNK = 1 << 20


class FormatError(Exception):
    """The file is not something DCS can import; the message names it."""


@dataclass
class Unit:
    """One thing a loader takes: an RDB file, a single AOF file, or a multi-part AOF directory."""

    kind: str  # "rdb" | "aof" | "aofdir"
    path: Path  # the file, or for "aofdir" the directory holding the manifest
    label: str  # how messages name it, e.g. "backup.tar.gz:appendonlydir"
    rdb_version: Optional[int] = None  # RDB header version (of the file, the AOF preamble or the base file)
    manifest: str = ""  # "aofdir": the manifest's file name


def head(path: Path, size: int = 16) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(size)


def rdb_version(data: bytes) -> Optional[int]:
    """Version from an RDB header, or None when ``data`` does not start like an RDB file."""
    match = RDB_MAGIC.match(data)
    return int(match.group(2)) if match else None


def rdb_producer(version: int) -> str:
    """Which servers write an RDB version (for messages)."""
    if version >= 80:
        return "Valkey 9.0 or newer"
    names = {12: "Redis 7.4 or newer", 11: "Redis 7.2 / Valkey 7.2-8.x", 10: "Redis 7.0", 9: "Redis 5.0-6.2",
             8: "Redis 4.0", 7: "Redis 3.2"}
    return names.get(version, "RDB version %d" % version)


def _is_aof_text(data: bytes) -> bool:
    return data.startswith(b"*") or data.startswith(b"#TS:")


def classify(path: Path, label: str, name: str = "") -> Optional[Unit]:
    """A Unit for a plain file, or None when it is neither RDB nor AOF."""
    data = head(path)
    name = (name or path.name).lower()
    version = rdb_version(data)
    if version is not None:
        # An RDB preamble followed by commands only loads completely through the AOF loader.
        return Unit("aof" if name.endswith(".aof") else "rdb", path, label, version)
    if _is_aof_text(data):
        return Unit("aof", path, label)
    return None


def describe_bytes(data: bytes) -> str:
    if not data:
        return "it is empty"
    return "it starts with %r" % data[:8]


def expand(path: Path, label: str, workdir: Path) -> tuple:
    """``(units, skipped)`` for one downloaded file; archives are extracted under ``workdir``."""
    path = Path(path)
    data = head(path, 8)
    lower = label.lower()
    if data.startswith(b"PK\x03\x04") or (lower.endswith(".zip") and not data):
        return _expand_archive(path, label, workdir, _extract_zip)
    if data.startswith(b"\x1f\x8b") or lower.endswith((".tar.gz", ".tgz", ".tar")) and not rdb_version(data):
        return _expand_archive(path, label, workdir, _extract_tar)
    unit = classify(path, label)
    if unit is None:
        raise FormatError("The backup file %s is neither an RDB nor an AOF file (%s)." % (label, describe_bytes(data)))
    return [unit], []


# archives ----------------------------------------------------------------------------------------------------

def safe_member(name: str, archive: str) -> PurePosixPath:
    """The relative path of an archive member, refusing anything that could land outside the extraction dir."""
    if "\x00" in name or "\\" in name or name.startswith("/"):
        raise FormatError("The archive %s holds a member with an unsafe path: %r." % (archive, name))
    parts = [part for part in PurePosixPath(name).parts if part not in ("", ".")]
    if not parts or ".." in parts:
        raise FormatError("The archive %s holds a member with an unsafe path: %r." % (archive, name))
    return PurePosixPath(*parts)


def _copy_stream(source, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(dest, "wb") as out:
        shutil.copyfileobj(source, out, CHUNK)


def _extract_zip(path: Path, label: str, dest: Path) -> list:
    files = []
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                relative = safe_member(info.filename, label)
                if info.is_dir():
                    continue
                if (info.external_attr >> 16) & 0o170000 not in (0, 0o100000):
                    raise FormatError("The archive %s holds %s, which is not a regular file." % (label, info.filename))
                with archive.open(info) as source:
                    _copy_stream(source, dest / relative)
                files.append(relative)
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise FormatError("The archive %s is corrupt or truncated: %s." % (label, exc)) from None
    return files


def _extract_tar(path: Path, label: str, dest: Path) -> list:
    files = []
    try:
        # Stream mode ('r|*'): one pass, no random access, no member index held in memory.
        with tarfile.open(path, "r|*") as archive:
            for member in archive:
                relative = safe_member(member.name, label)
                if member.isdir():
                    continue
                if not member.isfile():
                    raise FormatError("The archive %s holds %s, which is not a regular file (links are refused)." % (label, member.name))
                _copy_stream(archive.extractfile(member), dest / relative)
                files.append(relative)
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise FormatError("The archive %s is corrupt or truncated: %s." % (label, exc)) from None
    return files


def _expand_archive(path: Path, label: str, workdir: Path, extract) -> tuple:
    dest = Path(workdir)
    dest.mkdir(parents=True, exist_ok=True)
    files = extract(path, label, dest)
    manifests = {member.parent: member for member in files if member.name.endswith(".manifest")}
    units, skipped = [], []
    done_dirs = set()
    for member in files:
        member_label = "%s:%s" % (label, member)
        if member.parent in manifests:
            if member.parent not in done_dirs:
                done_dirs.add(member.parent)
                units.append(_aof_dir(dest, manifests[member.parent], "%s:%s" % (label, member.parent or ".")))
            continue
        unit = classify(dest / member, member_label, member.name)
        if unit is not None:
            units.append(unit)
        elif member.name.lower().endswith((".rdb", ".aof")):
            raise FormatError("The backup file %s is neither an RDB nor an AOF file (%s)." % (member_label, describe_bytes(head(dest / member))))
        else:
            skipped.append(member_label)
    if not units:
        raise FormatError("The archive %s holds no RDB or AOF file." % label)
    return units, skipped


def _aof_dir(root: Path, manifest: PurePosixPath, label: str) -> Unit:
    """A multi-part AOF: check the manifest names only files of its own directory that exist."""
    directory = root / manifest.parent
    base_version = None
    with open(root / manifest, "rb") as handle:
        lines = handle.read(1 << 20).decode("utf-8", "replace").splitlines()
    entries = [MANIFEST_LINE.match(line) for line in lines if line.strip() and not line.startswith("#")]
    if not entries or not all(entries):
        raise FormatError("The AOF manifest %s:%s is not a valid manifest." % (label, manifest.name))
    for entry in entries:
        name = entry.group(1)
        if "/" in name or name in ("..", ".") or not (directory / name).is_file():
            raise FormatError("The AOF manifest %s lists %s, which is missing from the archive." % (label, name))
        if entry.group(3) == "b":
            base_version = rdb_version(head(directory / name))
    return Unit("aofdir", directory, label, base_version, manifest.name)
