# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Signed raw HTTP for requests the SDK cannot send (bytes that are not JSON, odd query strings, content types).

``SdkHmacAuth`` is a ``requests`` auth hook that signs the prepared request, byte for byte as sent, with the
emulator's own signing code, the way huaweicloudsdkcore's Signer does (Host and X-Sdk-Date signed).
"""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import unquote, urlsplit

import requests

from dcs_emulator import signing

from conftest import AK, SK


class SdkHmacAuth(requests.auth.AuthBase):
    """``requests.request(..., auth=SdkHmacAuth(ak, sk))`` sends an ``SDK-HMAC-SHA256`` signed request."""

    def __init__(self, access_key: str, secret_key: str):
        self.access_key = access_key
        self.secret_key = secret_key

    def __call__(self, prepared: requests.PreparedRequest) -> requests.PreparedRequest:
        url = urlsplit(prepared.url)
        date = datetime.now(timezone.utc).strftime(signing.DATE_FORMAT)
        headers = {"host": url.netloc, "x-sdk-date": date}
        body = prepared.body or b""
        body = body.encode("utf-8") if isinstance(body, str) else body
        # The server signs the decoded path (ASGI scope["path"]), as uvicorn decodes it.
        canonical = signing.canonical_request(prepared.method, unquote(url.path), url.query, headers,
                                              sorted(headers), body)
        prepared.headers["X-Sdk-Date"] = date
        prepared.headers["Authorization"] = "%s Access=%s, SignedHeaders=%s, Signature=%s" % (
            signing.ALGORITHM, self.access_key, ";".join(sorted(headers)),
            signing.signature(self.secret_key, signing.string_to_sign(canonical, date)))
        return prepared


def send(emu, method: str, path: str, body=None, query: str = "", content_type="application/json",
         signed: bool = True) -> requests.Response:
    """A raw request to ``emu`` (an EmulatorProcess): ``body`` bytes as given, ``query`` as the literal string."""
    headers = {"Content-Type": content_type} if content_type else {}
    url = emu.url + path + ("?" + query if query else "")
    return requests.request(method, url, data=body, headers=headers, timeout=30,
                            auth=SdkHmacAuth(AK, SK) if signed else None)
