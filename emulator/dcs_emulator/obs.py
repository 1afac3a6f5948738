# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An S3-compatible object endpoint (as OBS serves one) at ``/obs/``, path-style: ``/obs/<bucket>/<key>``.

It writes into the config's local buckets (``{path: DIR}``), so that a client uploads a backup file and the
import task then reads it, all offline. Served calls: HEAD, GET and PUT of an object, and multipart uploads
(POST ``?uploads``, PUT ``?partNumber&uploadId``, POST ``?uploadId``, DELETE ``?uploadId``). Every request must
be signed with S3 signature version 4 by a configured account for the emulator's region (``sigv4``); a body
whose hash differs from the signed ``x-amz-content-sha256`` is refused. Answers and errors are S3's XML.

Object metadata (``x-amz-meta-*``, ETag) is kept beside the data directory, never inside the bucket, so a
bucket holds only its objects. Object names that would leave the bucket (``..``, a leading ``/``, a backslash,
NUL, a symlink pointing out) are refused with ``InvalidArgument``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import uuid
import xml.etree.ElementTree as ET
from email.utils import formatdate
from pathlib import Path, PurePosixPath
from typing import Optional
from urllib.parse import parse_qs

from dcs_emulator import sigv4

PREFIX = "/obs/"
CHUNK = 1 << 20
MAX_PARTS = 10000
XML_NS = "http://s3.amazonaws.com/doc/2006-03-01/"


class S3Error(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code = status, code


def _xml(root_name: str, fields: dict) -> bytes:
    # S3's results carry its namespace, its <Error> documents none.
    root = ET.Element(root_name, xmlns=XML_NS) if root_name != "Error" else ET.Element(root_name)
    for name, value in fields.items():
        ET.SubElement(root, name).text = str(value)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root)


async def _respond(send, status: int, headers: dict, body: bytes = b"", head: bool = False) -> None:
    items = [(k.lower().encode("latin-1"), str(v).encode("latin-1")) for k, v in headers.items()]
    if "content-length" not in {k.lower() for k in headers}:
        items.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": items})
    await send({"type": "http.response.body", "body": b"" if head else body})


def object_name_problem(name: str) -> Optional[str]:
    if not name or "\x00" in name or name.startswith("/") or "\\" in name or ".." in PurePosixPath(name).parts:
        return "The object name %r must stay inside the bucket." % name
    return None


class ObsEndpoint:
    """Serves ``/obs/`` for one Emulator (its config's accounts, region, buckets and data_dir)."""

    def __init__(self, config):
        self.config = config
        self.state_dir = Path(config.data_dir) / "obs"

    # -- plumbing ------------------------------------------------------------------------------------------

    async def __call__(self, scope, receive, send, request_id: str) -> None:
        head = scope["method"] == "HEAD"
        try:
            await self._handle(scope, receive, send, head)
        except (S3Error, sigv4.SignatureError) as exc:
            status = exc.status if isinstance(exc, S3Error) else (501 if exc.code == "NotImplemented" else 403)
            if isinstance(exc, sigv4.SignatureError) and exc.code == "AuthorizationHeaderMalformed":
                status = 400
            body = _xml("Error", {"Code": exc.code, "Message": str(exc), "RequestId": request_id})
            # The body may be unread (a client waiting for 100-continue never sends it): close the connection,
            # so that its bytes are not taken for the next request.
            await _respond(send, status, {"content-type": "application/xml", "x-amz-request-id": request_id,
                                          "connection": "close"}, body, head)

    async def _handle(self, scope, receive, send, head):
        method, path = scope["method"], scope["path"]
        query_string = scope.get("query_string", b"").decode("latin-1")
        header_items = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        headers = {k.lower(): v for k, v in header_items}

        def secret_for(access_key):
            account = self.config.account(access_key)
            return account.secret_key if account else None
        sigv4.verify(method, path, query_string, header_items, self.config.region, secret_for)
        expected_hash = sigv4.payload_hash(headers)
        bucket, key = (path[len(PREFIX):].split("/", 1) + [""])[:2]
        root = self._bucket_root(bucket)
        if not key:
            raise S3Error(400, "InvalidRequest", "Only object calls are served: /obs/<bucket>/<key>.")
        target = self._object_path(root, bucket, key)
        query = parse_qs(query_string, keep_blank_values=True)
        upload_id = query.get("uploadId", [None])[0]
        if method in ("HEAD", "GET") and not upload_id:
            await self._get(send, target, bucket, key, head)
        elif method == "PUT" and upload_id:
            etag = await self._receive_part(receive, upload_id, query.get("partNumber", [""])[0], expected_hash)
            await _respond(send, 200, {"etag": '"%s"' % etag})
        elif method == "PUT":
            etag = await self._receive_object(receive, target, bucket, key, headers, expected_hash)
            await _respond(send, 200, {"etag": '"%s"' % etag})
        elif method == "POST" and "uploads" in query:
            await _drain(receive)
            new_id = self._start_upload(bucket, key, headers)
            await _respond(send, 200, {"content-type": "application/xml"},
                           _xml("InitiateMultipartUploadResult", {"Bucket": bucket, "Key": key, "UploadId": new_id}))
        elif method == "POST" and upload_id:
            body = await _read_small(receive, expected_hash)
            etag = self._complete_upload(upload_id, bucket, key, target, body)
            await _respond(send, 200, {"content-type": "application/xml"},
                           _xml("CompleteMultipartUploadResult", {"Bucket": bucket, "Key": key, "ETag": '"%s"' % etag}))
        elif method == "DELETE" and upload_id:
            await _drain(receive)
            shutil.rmtree(self._upload_dir(upload_id), ignore_errors=True)
            await _respond(send, 204, {})
        else:
            raise S3Error(405, "MethodNotAllowed", "%s is not served on objects here." % method)

    def _bucket_root(self, bucket: str) -> Path:
        config = self.config.buckets.get(bucket)
        if config is None:
            raise S3Error(404, "NoSuchBucket", "The bucket %s does not exist." % bucket)
        if "path" not in config:
            raise S3Error(501, "NotImplemented", "The bucket %s is kept in another object store; upload there."
                          % bucket)
        root = Path(config["path"]).resolve()
        if not root.is_dir():
            raise S3Error(404, "NoSuchBucket", "The bucket %s does not exist." % bucket)
        return root

    @staticmethod
    def _object_path(root: Path, bucket: str, key: str) -> Path:
        problem = object_name_problem(key)
        candidate = (root / key).resolve() if not problem else None
        # resolve() follows symlinks: a link out of the bucket is refused like '..'.
        if problem or root not in candidate.parents:
            raise S3Error(400, "InvalidArgument", problem or "The object name %s in bucket %s must stay inside "
                          "the bucket." % (key, bucket))
        return candidate

    def _meta_path(self, bucket: str, key: str) -> Path:
        return self.state_dir / "meta" / bucket / (hashlib.sha256(key.encode("utf-8")).hexdigest() + ".json")

    def _upload_dir(self, upload_id: str) -> Path:
        if not upload_id.isalnum():
            raise S3Error(404, "NoSuchUpload", "The upload %s does not exist." % upload_id[:64])
        return self.state_dir / "uploads" / upload_id

    def _save_meta(self, bucket, key, etag, metadata):
        path = self._meta_path(bucket, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"etag": etag, "metadata": metadata}))

    # -- calls ---------------------------------------------------------------------------------------------

    async def _get(self, send, target, bucket, key, head):
        if not target.is_file():
            raise S3Error(404, "NoSuchKey", "The object %s does not exist in bucket %s." % (key, bucket))
        try:
            meta = json.loads(self._meta_path(bucket, key).read_text())
        except (OSError, ValueError):
            meta = {"etag": _file_md5(target), "metadata": {}}  # put there by hand, not through this endpoint
        stat = target.stat()
        headers = {"content-length": stat.st_size, "etag": '"%s"' % meta["etag"],
                   "last-modified": formatdate(stat.st_mtime, usegmt=True),
                   "content-type": "application/octet-stream"}
        headers.update({"x-amz-meta-" + k: v for k, v in meta["metadata"].items()})
        if head:
            await _respond(send, 200, headers, b"", head=True)
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(k.encode("latin-1"), str(v).encode("latin-1")) for k, v in headers.items()]})
        with open(target, "rb") as handle:
            for chunk in iter(lambda: handle.read(CHUNK), b""):
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    async def _receive_object(self, receive, target, bucket, key, headers, expected_hash):
        target.parent.mkdir(parents=True, exist_ok=True)
        partial, md5 = await _receive_to_file(receive, target.parent, expected_hash)
        os.replace(partial, target)
        self._save_meta(bucket, key, md5, _user_metadata(headers))
        return md5

    def _start_upload(self, bucket, key, headers):
        upload_id = uuid.uuid4().hex
        directory = self._upload_dir(upload_id)
        directory.mkdir(parents=True)
        (directory / "upload.json").write_text(json.dumps({"bucket": bucket, "key": key,
                                                           "metadata": _user_metadata(headers)}))
        return upload_id

    async def _receive_part(self, receive, upload_id, number, expected_hash):
        directory = self._upload_dir(upload_id)
        if not directory.is_dir():
            raise S3Error(404, "NoSuchUpload", "The upload %s does not exist." % upload_id)
        if not number.isdigit() or not 1 <= int(number) <= MAX_PARTS:
            raise S3Error(400, "InvalidArgument", "partNumber must be 1 to %d." % MAX_PARTS)
        partial, md5 = await _receive_to_file(receive, directory, expected_hash)
        os.replace(partial, directory / ("%05d" % int(number)))
        return md5

    def _complete_upload(self, upload_id, bucket, key, target, body):
        directory = self._upload_dir(upload_id)
        try:
            upload = json.loads((directory / "upload.json").read_text())
        except OSError:
            raise S3Error(404, "NoSuchUpload", "The upload %s does not exist." % upload_id) from None
        if (upload["bucket"], upload["key"]) != (bucket, key):
            raise S3Error(404, "NoSuchUpload", "The upload %s is not for %s/%s." % (upload_id, bucket, key))
        numbers = _completed_parts(body)
        digests = []
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, prefix=".upload-", delete=False) as out:
            for number, etag in numbers:
                part = directory / ("%05d" % number)
                if not part.is_file() or _file_md5(part) != etag:
                    os.unlink(out.name)
                    raise S3Error(400, "InvalidPart", "Part %d was not uploaded with ETag %s." % (number, etag))
                with open(part, "rb") as handle:
                    shutil.copyfileobj(handle, out, CHUNK)
                digests.append(bytes.fromhex(etag))
        os.replace(out.name, target)
        etag = "%s-%d" % (hashlib.md5(b"".join(digests)).hexdigest(), len(digests))
        self._save_meta(bucket, key, etag, upload["metadata"])
        shutil.rmtree(directory, ignore_errors=True)
        return etag


def _user_metadata(headers: dict) -> dict:
    return {k[len("x-amz-meta-"):]: v for k, v in headers.items() if k.startswith("x-amz-meta-")}


def _completed_parts(body: bytes):
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        raise S3Error(400, "MalformedXML", "The CompleteMultipartUpload body is not XML.") from None
    parts = []
    for part in root.iter():
        if part.tag.rsplit("}", 1)[-1] != "Part":
            continue
        fields = {child.tag.rsplit("}", 1)[-1]: (child.text or "").strip() for child in part}
        number, etag = fields.get("PartNumber", ""), fields.get("ETag", "").strip('"').lower()
        if not number.isdigit() or len(etag) != 32:
            raise S3Error(400, "MalformedXML", "Each Part needs a PartNumber and an ETag.")
        parts.append((int(number), etag))
    numbers = [number for number, _etag in parts]
    if not parts or numbers != sorted(set(numbers)):
        raise S3Error(400, "InvalidPartOrder", "The parts must be listed once each, in ascending order.")
    return parts


def _file_md5(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


async def _receive_to_file(receive, directory: Path, expected_hash: Optional[str]):
    """Stream the body into a hidden temp file; (its path, MD5 hex). A body that is not the signed one is
    removed and refused."""
    sha256, md5 = hashlib.sha256(), hashlib.md5()
    with tempfile.NamedTemporaryFile(dir=directory, prefix=".upload-", delete=False) as out:
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            sha256.update(chunk)
            md5.update(chunk)
            out.write(chunk)
            if not message.get("more_body"):
                break
    if expected_hash is not None and sha256.hexdigest() != expected_hash:
        os.unlink(out.name)
        raise S3Error(400, "XAmzContentSHA256Mismatch", "The body is not the one the signature covers.")
    return out.name, md5.hexdigest()


async def _read_small(receive, expected_hash, limit: int = 1 << 20) -> bytes:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        if size > limit:
            raise S3Error(400, "EntityTooLarge", "The request body is too large.")
        if not message.get("more_body"):
            break
    body = b"".join(chunks)
    if expected_hash is not None and hashlib.sha256(body).hexdigest() != expected_hash:
        raise S3Error(400, "XAmzContentSHA256Mismatch", "The body is not the one the signature covers.")
    return body


async def _drain(receive):
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body"):
            return
