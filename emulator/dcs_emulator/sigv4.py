# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Verification of S3 signature version 4 (``AWS4-HMAC-SHA256`` in the Authorization header), which OBS's
S3-compatible API takes.

The client's canonical request is::

    METHOD \\n URI-encoded path (S3: not encoded twice, '/' kept) \\n sorted, encoded query \\n
    'name:trimmed value\\n' per signed header \\n signed header names joined by ';' \\n x-amz-content-sha256

and the string to sign is ``AWS4-HMAC-SHA256\\n{X-Amz-Date}\\n{date}/{region}/s3/aws4_request\\n
hex(sha256(canonical request))``, signed with a key derived from the secret, the date, the region and ``s3``.
We rebuild it from what arrived and compare in constant time. The payload hash the client announces in
``x-amz-content-sha256`` is checked against the body by the caller (``payload_hash``), once the body is read.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime, timezone
from typing import Callable, Iterable, Optional, Tuple
from urllib.parse import parse_qsl, quote

from dcs_emulator.signing import header_map

ALGORITHM = "AWS4-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
MAX_SKEW_SECONDS = 15 * 60
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
_AUTH_RE = re.compile(r"^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/s3/aws4_request,\s*"
                      r"SignedHeaders=([^,\s]+),\s*Signature=([0-9a-fA-F]{64})\s*$")


class SignatureError(Exception):
    """A request that is not correctly signed; ``code`` is the S3 error code, the message says why."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def _encode(value: str, safe: str = "~") -> str:
    return quote(value, safe=safe)


def canonical_request(method: str, path: str, query_string: str, headers: dict, signed: list) -> str:
    query = sorted((_encode(k), _encode(v)) for k, v in parse_qsl(query_string, keep_blank_values=True))
    lines = ["%s:%s" % (name, " ".join(headers.get(name, "").split())) for name in signed]
    return "\n".join([method.upper(), _encode(path, safe="/~"), "&".join("%s=%s" % pair for pair in query),
                      "\n".join(lines) + "\n", ";".join(signed), headers.get("x-amz-content-sha256", "")])


def signing_key(secret_key: str, day: str, region: str) -> bytes:
    key = ("AWS4" + secret_key).encode("utf-8")
    for part in (day, region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key


def _check_date(amz_date: Optional[str], day: str, now: datetime) -> None:
    try:
        sent = datetime.strptime(amz_date or "", DATE_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        raise SignatureError("AccessDenied", "X-Amz-Date is missing or not in the form yyyyMMddTHHmmssZ") from None
    if not amz_date.startswith(day):
        raise SignatureError("SignatureDoesNotMatch", "the credential scope's date is not X-Amz-Date's")
    if abs((now - sent).total_seconds()) > MAX_SKEW_SECONDS:
        raise SignatureError("RequestTimeTooSkewed", "X-Amz-Date is more than %d s from the server's clock"
                             % MAX_SKEW_SECONDS)


def verify(method: str, path: str, query_string: str, header_items: Iterable[Tuple[str, str]], region: str,
           secret_for: Callable[[str], Optional[str]], now: Optional[datetime] = None) -> str:
    """Return the access key of a correctly signed request, or raise SignatureError."""
    headers, repeated = header_map(header_items)
    match = _AUTH_RE.match(headers.get("authorization", "").strip())
    if not match:
        raise SignatureError("AccessDenied", "no AWS4-HMAC-SHA256 Authorization header")
    access_key, day, scope_region, signed_names, sent_signature = match.groups()
    secret = secret_for(access_key)
    if secret is None:
        raise SignatureError("InvalidAccessKeyId", "the access key is not known")
    if scope_region != region:
        raise SignatureError("AuthorizationHeaderMalformed", "the credential scope's region must be %s" % region)
    _check_date(headers.get("x-amz-date"), day, now or datetime.now(timezone.utc))
    signed = signed_names.split(";")
    for name in ("host", "x-amz-date", "x-amz-content-sha256"):
        if name not in signed:
            raise SignatureError("AccessDenied", "the header %s must be signed" % name)
    for name in signed:
        if name not in headers or name in repeated:
            raise SignatureError("AccessDenied", "the signed header %s is missing or sent twice" % name)
    canonical = canonical_request(method, path, query_string, headers, signed)
    text = "\n".join([ALGORITHM, headers["x-amz-date"], "%s/%s/s3/aws4_request" % (day, region),
                      hashlib.sha256(canonical.encode("utf-8")).hexdigest()])
    expected = hmac.new(signing_key(secret, day, region), text.encode("utf-8"), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, sent_signature.lower()):
        raise SignatureError("SignatureDoesNotMatch", "the signature does not match the request")
    return access_key


def payload_hash(headers: dict) -> Optional[str]:
    """The body hash the signature covers (lower-case hex), None for UNSIGNED-PAYLOAD; streaming is refused."""
    announced = headers.get("x-amz-content-sha256", "").strip()
    if announced == UNSIGNED_PAYLOAD:
        return None
    if not re.match(r"^[0-9a-fA-F]{64}$", announced):
        raise SignatureError("NotImplemented", "x-amz-content-sha256 %s is not supported (send the body's "
                             "SHA-256 or UNSIGNED-PAYLOAD, no aws-chunked streaming)" % announced[:40])
    return announced.lower()
