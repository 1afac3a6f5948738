# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Buckets: where a task's backup files come from.

A bucket is configured either as a local directory (``{path: DIR}``) or as another kind (``{s3: {...}}``)
served by a resolver that an extension registers with ``BucketStore.register_kind(kind, resolver)``;
``resolver(bucket_name, bucket_config, object_name, ctx) -> pathlib.Path`` returns a local file (downloading it
if needed) or raises ``TaskFailed`` naming the bucket or the object.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

Resolver = Callable[..., Path]


class ObjectMissing(Exception):
    """The named bucket or object does not exist; the message names it."""


class BucketStore:
    """Maps bucket names to local files."""

    def __init__(self, buckets: dict):
        self._buckets = buckets
        self._resolvers = {"path": self._resolve_local}

    def register_kind(self, kind: str, resolver: Resolver) -> None:
        self._resolvers[kind] = resolver

    def config(self, bucket: str) -> Optional[dict]:
        return self._buckets.get(bucket)

    def resolve(self, bucket: str, object_name: str, ctx=None) -> Path:
        """A local path for ``bucket/object_name``; raises ObjectMissing naming what is missing."""
        config = self._buckets.get(bucket)
        if config is None:
            raise ObjectMissing("The bucket %s does not exist." % bucket)
        kind = next(iter(config))
        resolver = self._resolvers.get(kind)
        if resolver is None:
            raise ObjectMissing("The bucket %s is of kind %s, which this emulator build cannot read." % (bucket, kind))
        return resolver(bucket, config, object_name, ctx)

    @staticmethod
    def _resolve_local(bucket: str, config: dict, object_name: str, _ctx) -> Path:
        root = Path(config["path"]).resolve()
        if not root.is_dir():
            raise ObjectMissing("The bucket %s does not exist." % bucket)
        candidate = (root / object_name.lstrip("/")).resolve()
        # Object names are keys inside the bucket: never let ".." or an absolute path escape it.
        if root not in candidate.parents or not candidate.is_file():
            raise ObjectMissing("The object %s does not exist in bucket %s." % (object_name, bucket))
        return candidate

    def size(self, bucket: str, object_name: str) -> Optional[int]:
        """Size of a local object, or None (other kinds are not fetched just to list them)."""
        config = self._buckets.get(bucket)
        if not config or "path" not in config:
            return None
        try:
            return self._resolve_local(bucket, config, object_name, None).stat().st_size
        except ObjectMissing:
            return None

    def mtime(self, bucket: str, object_name: str) -> Optional[float]:
        config = self._buckets.get(bucket)
        if not config or "path" not in config:
            return None
        try:
            return self._resolve_local(bucket, config, object_name, None).stat().st_mtime
        except ObjectMissing:
            return None
