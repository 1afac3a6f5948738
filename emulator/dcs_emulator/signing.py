# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Verification of ``SDK-HMAC-SHA256`` request signatures, as strict as the API gateway.

The client builds a canonical request::

    METHOD \\n canonical URI (each path segment quote(safe='~'), trailing '/') \\n
    sorted, encoded query \\n 'name:value\\n' per signed header \\n signed header names joined by ';' \\n
    hex(sha256(body))

and signs ``SDK-HMAC-SHA256\\n{X-Sdk-Date}\\n{hex(sha256(canonical request))}`` with HMAC-SHA256 keyed by the
secret key. We rebuild the same string from what arrived on the wire and compare in constant time.

The body hash is always the hash of the body that arrived. A client may announce it in
``X-Sdk-Content-Sha256``; that header is then only accepted when it is signed and equals the body's hash, so
a signed request's body cannot be swapped. ``X-Sdk-Date`` must be signed and within 15 minutes of the
server's clock (API signing guide), and a signed header may not be sent twice.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime, timezone
from typing import Callable, Iterable, Optional, Tuple
from urllib.parse import parse_qsl, quote

from dcs_emulator import errors

ALGORITHM = "SDK-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
MAX_SKEW_SECONDS = 15 * 60
_AUTH_RE = re.compile(r"^SDK-HMAC-SHA256\s+Access=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-fA-F]+)\s*$")


def _encode(value: str) -> str:
    return quote(value, safe="~")


def canonical_uri(path: str) -> str:
    """``path`` is the already-decoded request path (ASGI ``scope['path']``)."""
    uri = "/".join(_encode(segment) for segment in path.split("/"))
    return uri if uri.endswith("/") else uri + "/"


def canonical_query(query_string: str) -> str:
    pairs = sorted(parse_qsl(query_string, keep_blank_values=True))
    return "&".join("%s=%s" % (_encode(k), _encode(v)) for k, v in pairs)


def _header_text(value: str) -> str:
    # The SDK signs the text, then sends its UTF-8 bytes; servers decode header bytes as latin-1.
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def canonical_request(method: str, path: str, query_string: str, headers: dict, signed: list, body: bytes) -> str:
    """Rebuild the client's canonical request; ``headers`` maps lower-case names to values."""
    lines = ["%s:%s" % (name, _header_text(headers.get(name, "")).strip()) for name in signed]
    return "%s\n%s\n%s\n%s\n%s\n%s" % (method.upper(), canonical_uri(path), canonical_query(query_string),
                                       "\n".join(lines) + "\n", ";".join(signed), body_hash(body))


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body or b"").hexdigest()


def string_to_sign(canonical: str, sdk_date: str) -> str:
    return "%s\n%s\n%s" % (ALGORITHM, sdk_date, hashlib.sha256(canonical.encode("utf-8")).hexdigest())


def signature(secret_key: str, text: str) -> str:
    return hmac.new(secret_key.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()


def _check_date(sdk_date: Optional[str], now: datetime) -> None:
    if not sdk_date:
        raise errors.auth_bad_signature("no X-Sdk-Date header")
    try:
        sent = datetime.strptime(sdk_date, DATE_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        raise errors.auth_bad_signature("X-Sdk-Date is not in the form yyyyMMddTHHmmssZ") from None
    skew = (now - sent).total_seconds()
    if abs(skew) > MAX_SKEW_SECONDS:
        raise errors.auth_bad_signature("X-Sdk-Date is %d s %s the server's clock (at most %d s allowed)"
                                        % (abs(skew), "behind" if skew > 0 else "ahead of", MAX_SKEW_SECONDS))


def _check_signed_headers(headers: dict, repeated: set, signed: list, body: bytes) -> None:
    """What the signature covers must be what the request carries."""
    if "x-sdk-date" not in signed:
        raise errors.auth_bad_signature("X-Sdk-Date is not among the signed headers")
    for name in signed:
        if name not in headers:
            raise errors.auth_bad_signature("the signed header %s is missing" % name)
        if name in repeated:
            raise errors.auth_bad_signature("the signed header %s is sent more than once" % name)
    announced = headers.get("x-sdk-content-sha256")
    if announced is None:
        return
    if "x-sdk-content-sha256" not in signed:
        raise errors.auth_bad_signature("X-Sdk-Content-Sha256 is sent but not signed")
    if not hmac.compare_digest(announced.strip().lower(), body_hash(body)):
        raise errors.auth_bad_signature("X-Sdk-Content-Sha256 is not the hash of the body received")


def header_map(header_items: Iterable[Tuple[str, str]]) -> Tuple[dict, set]:
    """(lower-case name -> value, the names sent more than once): a signed header may not be sent twice."""
    headers, repeated = {}, set()
    for name, value in header_items:
        name = name.lower()
        if name in headers:
            repeated.add(name)
        headers[name] = value
    return headers, repeated


def verify(method: str, path: str, query_string: str, header_items: Iterable[Tuple[str, str]], body: bytes,
           secret_for: Callable[[str], Optional[str]], now: Optional[datetime] = None) -> str:
    """Return the access key of a correctly signed request, or raise a GatewayError (401 APIGW.0301).

    ``secret_for(access_key)`` returns the key's secret, or None for an unknown key.
    """
    headers, repeated = header_map(header_items)
    authorization = headers.get("authorization", "").strip()
    if not authorization:
        raise errors.auth_not_signed("no Authorization header")
    match = _AUTH_RE.match(authorization)
    if not match:
        raise errors.auth_bad_signature("the Authorization header is not SDK-HMAC-SHA256 Access=.., "
                                        "SignedHeaders=.., Signature=..")
    access_key, signed_names, sent_signature = match.groups()
    secret = secret_for(access_key)
    if secret is None:
        raise errors.auth_unknown_key(access_key)
    sdk_date = headers.get("x-sdk-date")
    _check_date(sdk_date, now or datetime.now(timezone.utc))
    signed = signed_names.split(";")
    _check_signed_headers(headers, repeated, signed, body)
    expected = signature(secret, string_to_sign(canonical_request(method, path, query_string, headers, signed, body),
                                                sdk_date))
    if not hmac.compare_digest(expected, sent_signature.lower()):
        raise errors.auth_bad_signature("the signature does not match the request")
    return access_key
