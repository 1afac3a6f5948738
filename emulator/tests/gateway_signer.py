# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An SDK-HMAC-SHA256 signer written from the published algorithm (Huawei Cloud API signing guide), not from
the SDK's code nor the emulator's: a request it signs and the emulator accepts proves the emulator follows the
algorithm, not one implementation of it.

    canonical request = METHOD \\n URI (each path segment RFC 3986-encoded, ending in '/') \\n
                        query (pairs encoded, sorted) \\n 'name:value' lines of the signed headers \\n
                        signed header names, lower case, sorted, ';'-joined \\n hex(SHA-256(body))
    string to sign    = SDK-HMAC-SHA256 \\n X-Sdk-Date \\n hex(SHA-256(canonical request))
    Authorization     = SDK-HMAC-SHA256 Access=AK, SignedHeaders=..., Signature=hex(HMAC-SHA256(SK, string to sign))
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timezone
from typing import Optional

UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")


def rfc3986(text: str) -> str:
    return "".join(chr(byte) if byte in UNRESERVED else "%%%02X" % byte for byte in text.encode("utf-8"))


def _canonical(method: str, path: str, query: list, headers: dict, signed: list, body: bytes) -> str:
    uri = "/".join(rfc3986(segment) for segment in path.split("/"))
    if not uri.endswith("/"):
        uri += "/"
    pairs = sorted((rfc3986(str(k)), rfc3986(str(v))) for k, v in query)
    header_lines = "".join("%s:%s\n" % (name, headers[name].strip()) for name in signed)
    return "\n".join([method, uri, "&".join("%s=%s" % pair for pair in pairs), header_lines, ";".join(signed),
                      hashlib.sha256(body).hexdigest()])


def sign(method: str, host: str, path: str, access_key: str, secret_key: str, query=(), headers=None,
         body: bytes = b"", date: Optional[datetime] = None, unsigned=()) -> dict:
    """Headers to send (Authorization included) for the request; header names in ``unsigned`` are sent but
    left out of the signature."""
    moment = date or datetime.now(timezone.utc)
    sent = {"Host": host, "X-Sdk-Date": moment.strftime("%Y%m%dT%H%M%SZ")}
    sent.update(headers or {})
    lowered = {name.lower(): value for name, value in sent.items()}
    skip = {name.lower() for name in unsigned}
    signed = sorted(name for name in lowered if name not in skip)
    canonical = _canonical(method.upper(), path, list(query), lowered, signed, body)
    text = "SDK-HMAC-SHA256\n%s\n%s" % (sent["X-Sdk-Date"], hashlib.sha256(canonical.encode("utf-8")).hexdigest())
    digest = hmac.new(secret_key.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()
    sent["Authorization"] = "SDK-HMAC-SHA256 Access=%s, SignedHeaders=%s, Signature=%s" % (
        access_key, ";".join(signed), digest)
    return sent
