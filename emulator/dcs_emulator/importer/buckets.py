# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where backup files come from: a local directory per bucket, or an S3-compatible object store (boto3).

A bucket config is ``{path: DIR}`` or ``{s3: {endpoint_url, bucket, access_key, secret_key, region}}``.
``fetch(object_name, dest_dir)`` returns a local file: local objects are used in place (the import only reads
them), S3 objects are streamed to a file in ``dest_dir`` chunk by chunk, never held whole in memory.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path, PurePosixPath
from typing import Optional

S3_KEYS = ("endpoint_url", "bucket", "access_key", "secret_key", "region")


class BucketError(Exception):
    """A missing bucket or object, or a name that tries to leave its bucket; the message names it."""


def check_object_name(name: str, bucket: str = "") -> str:
    """Object names are keys inside a bucket: no NUL, no absolute path, no '..' component, no backslash."""
    where = " in bucket %s" % bucket if bucket else ""
    if not isinstance(name, str) or not name or "\x00" in name:
        raise BucketError("Invalid backup file name %r%s." % (name, where))
    parts = PurePosixPath(name).parts
    if name.startswith("/") or "\\" in name or ".." in parts:
        raise BucketError("Invalid backup file name %s%s: it must stay inside the bucket." % (name, where))
    return name


class LocalBucket:
    """A directory on this machine."""

    def __init__(self, name: str, root):
        self.name = name
        self.root = Path(root)

    def fetch(self, object_name: str, dest_dir: Optional[Path] = None) -> Path:
        del dest_dir  # read in place
        check_object_name(object_name, self.name)
        if not self.root.is_dir():
            raise BucketError("The bucket %s does not exist." % self.name)
        root = self.root.resolve()
        candidate = (root / object_name).resolve()
        # resolve() follows symlinks: a link that points outside the bucket is refused like '..'.
        if root not in candidate.parents:
            raise BucketError("Invalid backup file name %s in bucket %s: it must stay inside the bucket." % (object_name, self.name))
        if not candidate.is_file():
            raise BucketError("The object %s does not exist in bucket %s." % (object_name, self.name))
        return candidate


class S3Bucket:
    """An S3-compatible endpoint (OBS, MinIO, ...) read with boto3."""

    def __init__(self, name: str, spec: dict):
        self.name = name
        missing = [key for key in ("bucket",) if not spec.get(key)]
        if missing:
            raise BucketError("The bucket %s is misconfigured: s3.%s is required." % (name, missing[0]))
        self.spec = dict(spec)

    def _client(self):
        try:
            import boto3  # pylint: disable=import-outside-toplevel
            from botocore.config import Config  # pylint: disable=import-outside-toplevel
        except ImportError:
            raise BucketError("The bucket %s is an S3 bucket but boto3 is not installed "
                              "(pip install 'hwcloud-dcs-emulator[s3]')." % self.name) from None
        return boto3.client("s3", endpoint_url=self.spec.get("endpoint_url"), region_name=self.spec.get("region") or "us-east-1",
                            aws_access_key_id=self.spec.get("access_key"), aws_secret_access_key=self.spec.get("secret_key"),
                            config=Config(retries={"max_attempts": 3}, s3={"addressing_style": "path"}))

    def fetch(self, object_name: str, dest_dir: Optional[Path] = None) -> Path:
        from botocore.exceptions import BotoCoreError, ClientError  # pylint: disable=import-outside-toplevel

        check_object_name(object_name, self.name)
        dest_dir = Path(dest_dir or tempfile.gettempdir())
        dest_dir.mkdir(parents=True, exist_ok=True)
        target = dest_dir / PurePosixPath(object_name).name
        client = self._client()
        partial = target.with_name(target.name + ".part")
        try:
            response = client.get_object(Bucket=self.spec["bucket"], Key=object_name)
            with open(partial, "wb") as handle:
                for chunk in response["Body"].iter_chunks(chunk_size=1 << 20):
                    handle.write(chunk)
            os.replace(partial, target)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in ("NoSuchBucket",):
                raise BucketError("The bucket %s does not exist (S3 bucket %s)." % (self.name, self.spec["bucket"])) from None
            if code in ("NoSuchKey", "404", "NotFound"):
                raise BucketError("The object %s does not exist in bucket %s." % (object_name, self.name)) from None
            raise BucketError("Cannot read %s from bucket %s: %s." % (object_name, self.name, code or exc)) from None
        except BotoCoreError as exc:
            raise BucketError("Cannot read %s from bucket %s: %s" % (object_name, self.name, exc)) from None
        finally:
            if partial.exists():
                partial.unlink()
        return target


def open_bucket(name: str, config: Optional[dict]):
    """The bucket object for a config entry; a missing entry is a missing bucket."""
    if config is None:
        raise BucketError("The bucket %s does not exist." % name)
    if "s3" in config:
        return S3Bucket(name, config["s3"] or {})
    return LocalBucket(name, config["path"])
