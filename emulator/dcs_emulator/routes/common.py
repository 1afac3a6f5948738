# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers shared by the routes: the emulator object, JSON bodies and query parameters."""

from __future__ import annotations

import json
from typing import Optional

from fastapi import Request

from dcs_emulator import errors


def emulator(request: Request):
    return request.app.state.emulator


def json_body(request: Request, required: bool = True):
    """The request's JSON body (read by the middleware); DCS.4004 when empty, DCS.4005 when not JSON."""
    raw = getattr(request.state, "body", b"") or b""
    if not raw.strip():
        if required:
            raise errors.empty_body()
        return None
    try:
        body = json.loads(raw)
    except ValueError:
        raise errors.body_not_json() from None
    if not isinstance(body, dict):
        raise errors.body_not_json()
    return body


def int_param(request: Request, name: str, default: int, minimum: int, maximum: Optional[int] = None) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise errors.invalid_field(name) from None
    if value < minimum or (maximum is not None and value > maximum):
        raise errors.invalid_field(name)
    return value


def str_param(request: Request, name: str) -> Optional[str]:
    value = request.query_params.get(name)
    return value if value else None
