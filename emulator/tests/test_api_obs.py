# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The buckets' S3-compatible endpoint (``/obs/``) through the official AWS SDK (boto3): uploads land in the
local bucket directory, multipart uploads are assembled, and every request's SigV4 signature is verified."""

from __future__ import annotations

import hashlib
import os

import pytest

from conftest import AK, REGION, SK

boto3 = pytest.importorskip("boto3")
from boto3.s3.transfer import TransferConfig  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

BUCKET = "demo-bucket"
MIB = 1024 * 1024


def s3_client(emu, access_key=AK, secret_key=SK, region=REGION):
    return boto3.client("s3", endpoint_url=emu.url + "/obs", region_name=region, aws_access_key_id=access_key,
                        aws_secret_access_key=secret_key, verify=False,
                        config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                                      retries={"max_attempts": 1}, request_checksum_calculation="when_required",
                                      response_checksum_validation="when_required"))


def bucket_dir(emu):
    return emu.workdir / "backups"


def error_of(excinfo):
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_a_put_object_lands_in_the_bucket_directory_with_its_metadata(emu):
    s3 = s3_client(emu)
    s3.put_object(Bucket=BUCKET, Key="uploads/new.rdb", Body=b"REDIS0011 uploaded", Metadata={"sha256": "abc"})
    assert (bucket_dir(emu) / "uploads" / "new.rdb").read_bytes() == b"REDIS0011 uploaded"
    head = s3.head_object(Bucket=BUCKET, Key="uploads/new.rdb")
    assert head["ContentLength"] == len(b"REDIS0011 uploaded")
    assert head["ETag"].strip('"') == hashlib.md5(b"REDIS0011 uploaded").hexdigest()
    assert head["Metadata"] == {"sha256": "abc"}
    assert s3.get_object(Bucket=BUCKET, Key="uploads/new.rdb")["Body"].read() == b"REDIS0011 uploaded"


def test_a_file_put_there_by_hand_is_seen_with_its_md5(emu):
    head = s3_client(emu).head_object(Bucket=BUCKET, Key="dump.rdb")
    data = (bucket_dir(emu) / "dump.rdb").read_bytes()
    assert head["ContentLength"] == len(data) and head["ETag"].strip('"') == hashlib.md5(data).hexdigest()


def test_a_large_file_is_uploaded_in_parts_and_assembled(emu, tmp_path):
    big = tmp_path / "big.rdb"
    big.write_bytes(b"REDIS0011" + os.urandom(11 * MIB))
    s3 = s3_client(emu)
    s3.upload_file(str(big), BUCKET, "big.rdb", ExtraArgs={"Metadata": {"sha256": "f00"}},
                   Config=TransferConfig(multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB, use_threads=False))
    assert (bucket_dir(emu) / "big.rdb").read_bytes() == big.read_bytes()
    head = s3.head_object(Bucket=BUCKET, Key="big.rdb")
    assert head["ETag"].strip('"').endswith("-3") and head["Metadata"] == {"sha256": "f00"}
    assert not list((emu.workdir / "data" / "obs" / "uploads").iterdir())  # the parts are gone


def test_an_aborted_multipart_upload_leaves_no_object(emu):
    s3 = s3_client(emu)
    upload = s3.create_multipart_upload(Bucket=BUCKET, Key="aborted.rdb")["UploadId"]
    s3.upload_part(Bucket=BUCKET, Key="aborted.rdb", UploadId=upload, PartNumber=1, Body=b"x" * 100)
    s3.abort_multipart_upload(Bucket=BUCKET, Key="aborted.rdb", UploadId=upload)
    assert not (bucket_dir(emu) / "aborted.rdb").exists()
    with pytest.raises(ClientError) as excinfo:
        s3.complete_multipart_upload(Bucket=BUCKET, Key="aborted.rdb", UploadId=upload,
                                     MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"%s"' % ("0" * 32)}]})
    assert error_of(excinfo) == ("NoSuchUpload", 404)


def test_each_call_of_a_multipart_upload_is_verified(emu):
    """Initiate, part and complete are each checked: signed with another secret, or with a part body that is not
    the signed one, they are refused and leave nothing behind; the upload then completes with the good part only."""
    s3, forger = s3_client(emu), s3_client(emu, secret_key="wrong-secret")
    with pytest.raises(ClientError) as excinfo:
        forger.create_multipart_upload(Bucket=BUCKET, Key="parts.rdb")
    assert error_of(excinfo) == ("SignatureDoesNotMatch", 403)
    upload = s3.create_multipart_upload(Bucket=BUCKET, Key="parts.rdb")["UploadId"]
    with pytest.raises(ClientError) as excinfo:
        forger.upload_part(Bucket=BUCKET, Key="parts.rdb", UploadId=upload, PartNumber=1, Body=b"forged part")
    assert error_of(excinfo) == ("SignatureDoesNotMatch", 403)

    swapper = s3_client(emu)

    def swap_body(request, **_kwargs):
        request.body = b"swapped part"  # same length as the signed body
    swapper.meta.events.register("before-send.s3.UploadPart", swap_body)
    with pytest.raises(ClientError) as excinfo:
        swapper.upload_part(Bucket=BUCKET, Key="parts.rdb", UploadId=upload, PartNumber=1, Body=b"signed  part")
    assert error_of(excinfo) == ("XAmzContentSHA256Mismatch", 400)

    etag = s3.upload_part(Bucket=BUCKET, Key="parts.rdb", UploadId=upload, PartNumber=1, Body=b"the real part")["ETag"]
    parts = {"Parts": [{"PartNumber": 1, "ETag": etag}]}
    with pytest.raises(ClientError) as excinfo:
        forger.complete_multipart_upload(Bucket=BUCKET, Key="parts.rdb", UploadId=upload, MultipartUpload=parts)
    assert error_of(excinfo) == ("SignatureDoesNotMatch", 403)
    assert not (bucket_dir(emu) / "parts.rdb").exists()
    s3.complete_multipart_upload(Bucket=BUCKET, Key="parts.rdb", UploadId=upload, MultipartUpload=parts)
    assert (bucket_dir(emu) / "parts.rdb").read_bytes() == b"the real part"
    assert not [p for p in bucket_dir(emu).iterdir() if p.name.startswith(".upload-")]
    assert "wrong-secret" not in emu.log_text()


def test_a_missing_object_and_bucket_answer_404(emu):
    s3 = s3_client(emu)
    with pytest.raises(ClientError) as excinfo:
        s3.head_object(Bucket=BUCKET, Key="absent.rdb")
    assert error_of(excinfo)[1] == 404
    for bucket in ("no-such-bucket", "ghost-bucket"):
        with pytest.raises(ClientError) as excinfo:
            s3.put_object(Bucket=bucket, Key="x.rdb", Body=b"x")
        assert error_of(excinfo) == ("NoSuchBucket", 404)


@pytest.mark.parametrize("secret,access,region,expected", [
    ("wrong-secret", AK, REGION, ("SignatureDoesNotMatch", 403)),
    (SK, "AKUNKNOWN", REGION, ("InvalidAccessKeyId", 403)),
    (SK, AK, "eu-west-0", ("AuthorizationHeaderMalformed", 400)),
])
def test_badly_signed_uploads_are_refused_and_write_nothing(emu, secret, access, region, expected):
    s3 = s3_client(emu, access_key=access, secret_key=secret, region=region)
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=BUCKET, Key="forged.rdb", Body=b"forged")
    assert error_of(excinfo) == expected
    assert not (bucket_dir(emu) / "forged.rdb").exists()
    assert SK not in emu.log_text() and "wrong-secret" not in emu.log_text()


def test_a_body_swapped_after_signing_is_refused(emu):
    s3 = s3_client(emu)

    def swap_body(request, **_kwargs):
        request.body = b"swapped!"  # same length, other bytes: only the payload hash can tell
    s3.meta.events.register("before-send.s3.PutObject", swap_body)
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=BUCKET, Key="swapped.rdb", Body=b"original")
    assert error_of(excinfo) == ("XAmzContentSHA256Mismatch", 400)
    assert not (bucket_dir(emu) / "swapped.rdb").exists()
    assert not [p for p in bucket_dir(emu).iterdir() if p.name.startswith(".upload-")]


def test_an_unsigned_request_is_refused(emu):
    import urllib.request
    request = urllib.request.Request(emu.url + "/obs/%s/open.rdb" % BUCKET, data=b"x", method="PUT")
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(request, timeout=10)  # noqa: S310  # the test's own loopback server
    assert excinfo.value.code == 403 and b"<Code>AccessDenied</Code>" in excinfo.value.read()


@pytest.mark.parametrize("key", ["../secret-outside.rdb", "nested/../../secret-outside.rdb", "back\\slash.rdb"])
def test_names_that_leave_the_bucket_are_refused(emu, key):
    s3 = s3_client(emu)
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"escape")
    assert error_of(excinfo)[1] == 400
    assert (emu.workdir / "secret-outside.rdb").read_bytes() == b"outside the bucket"


def test_a_symlink_out_of_the_bucket_is_not_followed(emu):
    link = bucket_dir(emu) / "link-out"
    if not link.exists():
        link.symlink_to(emu.workdir)
    s3 = s3_client(emu)
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=BUCKET, Key="link-out/secret-outside.rdb", Body=b"escape")
    assert error_of(excinfo) == ("InvalidArgument", 400)
    assert (emu.workdir / "secret-outside.rdb").read_bytes() == b"outside the bucket"
