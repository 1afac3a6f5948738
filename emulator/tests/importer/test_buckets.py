# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Buckets: local directories with path-trick guards, and an S3-compatible endpoint (a moto server)."""

from __future__ import annotations

import os

import boto3
import pytest
from moto.server import ThreadedMotoServer

from dcs_emulator.importer import BucketError, LocalBucket, S3Bucket, Source, import_backup, open_bucket

from .conftest import assert_same_data, populate, snapshot


@pytest.fixture(name="bucket_dir")
def bucket_dir_fixture(tmp_path):
    root = tmp_path / "bucket"
    (root / "sub").mkdir(parents=True)
    (root / "a.rdb").write_bytes(b"REDIS0011")
    (root / "sub" / "b.rdb").write_bytes(b"REDIS0011")
    (tmp_path / "outside.rdb").write_bytes(b"secret")
    os.symlink(tmp_path / "outside.rdb", root / "link.rdb")
    return root


def test_local_bucket_reads_in_place(bucket_dir):
    bucket = LocalBucket("b1", bucket_dir)
    assert bucket.fetch("a.rdb") == (bucket_dir / "a.rdb").resolve()
    assert bucket.fetch("sub/b.rdb") == (bucket_dir / "sub" / "b.rdb").resolve()


@pytest.mark.parametrize("name", ["../outside.rdb", "/etc/passwd", "sub/../../outside.rdb", "a\x00.rdb", "link.rdb", "sub\\..\\a.rdb", ""])
def test_local_bucket_refuses_path_tricks(bucket_dir, name):
    with pytest.raises(BucketError) as info:
        LocalBucket("b1", bucket_dir).fetch(name)
    assert "Invalid backup file name" in str(info.value)


def test_missing_object_and_bucket_are_named(bucket_dir, tmp_path):
    with pytest.raises(BucketError, match="^The object nope.rdb does not exist in bucket b1.$"):
        LocalBucket("b1", bucket_dir).fetch("nope.rdb")
    with pytest.raises(BucketError, match="^The bucket gone does not exist.$"):
        LocalBucket("gone", tmp_path / "no-such-dir").fetch("a.rdb")
    with pytest.raises(BucketError, match="^The bucket unknown does not exist.$"):
        open_bucket("unknown", None)


@pytest.fixture(name="s3", scope="module")
def s3_fixture():
    """A real S3-compatible HTTP endpoint on loopback (moto's server), with one bucket."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    spec = {"endpoint_url": "http://%s:%d" % (host, port), "bucket": "backups", "access_key": "AKS3TEST",
            "secret_key": "s3-secret", "region": "cn-north-4"}
    client = boto3.client("s3", endpoint_url=spec["endpoint_url"], region_name="us-east-1",
                          aws_access_key_id=spec["access_key"], aws_secret_access_key=spec["secret_key"])
    client.create_bucket(Bucket="backups")
    yield spec, client
    server.stop()


def test_s3_object_is_streamed_to_a_file_and_imported(s3, source, managed, tmp_path):
    spec, client = s3
    populate(source)
    rdb = source.save_rdb(tmp_path / "dump.rdb")
    client.upload_file(str(rdb), "backups", "nightly/dump.rdb")
    bucket = S3Bucket("obs-bucket", spec)
    fetched = bucket.fetch("nightly/dump.rdb", tmp_path / "dl")
    assert fetched.read_bytes() == rdb.read_bytes() and fetched.parent == tmp_path / "dl"
    source_obj = Source("nightly/dump.rdb", lambda dest: bucket.fetch("nightly/dump.rdb", dest))
    import_backup(managed, [source_obj], tmp_path / "work")
    assert_same_data(snapshot(managed), snapshot(source.server))


def test_s3_missing_object_and_bucket(s3, tmp_path):
    spec, _other = s3
    with pytest.raises(BucketError, match="^The object missing.rdb does not exist in bucket obs-bucket.$"):
        S3Bucket("obs-bucket", spec).fetch("missing.rdb", tmp_path)
    with pytest.raises(BucketError, match="^The bucket obs-gone does not exist"):
        S3Bucket("obs-gone", dict(spec, bucket="no-such-bucket")).fetch("a.rdb", tmp_path)
    with pytest.raises(BucketError, match="must stay inside the bucket"):
        S3Bucket("obs-bucket", spec).fetch("../a.rdb", tmp_path)
    assert not list(tmp_path.iterdir())
