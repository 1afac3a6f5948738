# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a request becomes values: the emulator object, JSON bodies and query parameters, with limits.

Every route reads its input through these functions, so hostile input is refused in one place with a DCS
error naming the field (``DCS.4800``) or the body (``DCS.4004``/``DCS.4005``), before it can reach storage,
a log line or a response that could not be serialised again.
"""

from __future__ import annotations

import json
import math
import re
from typing import Optional, Sequence

from fastapi import Request

from dcs_emulator import errors
from dcs_emulator.timeutil import parse_compact

# The middleware refuses larger bodies before buffering them; DCS bodies are a few kilobytes.
MAX_BODY_BYTES = 1024 * 1024
# Deepest nesting a DCS body needs is 4 (create: body.backup_files.files[i]); 32 leaves room, and keeps every
# walk over a body far from Python's recursion limit.
MAX_JSON_DEPTH = 32
# The documented ranges say only "offset >= 0": the SDKs declare offset and limit as 32-bit integers.
MAX_INT32 = 2 ** 31 - 1
_ASCII_DIGITS = re.compile(r"[0-9]{1,10}")  # re's \d and int() take other scripts' digits and "1_0"
_COMPACT_TIME = re.compile(r"[0-9]{14}")
_JSON_TYPES = ("application/json",)


def emulator(request: Request):
    return request.app.state.emulator


def json_body(request: Request, required: bool = True):
    """The request's JSON object body (read by the middleware), checked for everything storage and logs need.

    DCS.4004 when empty; DCS.4005 when not JSON sent as JSON (content type, UTF-8, syntax, object, nesting);
    DCS.4800 naming the field that holds a lone surrogate (it could never be encoded again).
    """
    raw = getattr(request.state, "body", b"") or b""
    if not raw.strip():
        if required:
            raise errors.empty_body()
        return None
    if not _is_json_content_type(request.headers.get("content-type", "")):
        raise errors.body_not_json("The request body must be sent with Content-Type application/json.")
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_not_json, parse_float=_finite_float)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise errors.body_not_json() from None
    if not isinstance(body, dict):
        raise errors.body_not_json()
    _check_tree(body)
    return body


def _not_json(constant: str):
    raise ValueError("%s is not JSON" % constant)  # Python's json takes NaN and Infinity; JSON does not


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError("%s is out of range" % text)  # 1e999 would come back as Infinity: not JSON
    return value


def _is_json_content_type(header: str) -> bool:
    return header.split(";", 1)[0].strip().lower() in _JSON_TYPES


def _check_tree(body: dict) -> None:
    """Depth limit and no lone surrogate, walked without recursion (the body may be hostile)."""
    pending = [(body, "", 1)]
    while pending:
        value, where, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            raise errors.body_not_json("The request body is nested deeper than %d levels." % MAX_JSON_DEPTH)
        if isinstance(value, dict):
            for key, item in value.items():
                if _has_surrogate(key):
                    raise errors.invalid_field(where or "request body")
                pending.append((item, "%s.%s" % (where, key) if where else key, depth + 1))
        elif isinstance(value, list):
            pending.extend((item, "%s[%d]" % (where, index), depth + 1) for index, item in enumerate(value))
        elif isinstance(value, str) and _has_surrogate(value):
            raise errors.invalid_field(where)


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _query_value(request: Request, name: str) -> Optional[str]:
    """The parameter's one value, or None when absent; given twice it is ambiguous (DCS.4800)."""
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise errors.invalid_field(name)
    return values[0] if values else None


def int_param(request: Request, name: str, default: int, minimum: int, maximum: int = MAX_INT32) -> int:
    """ASCII digits within [minimum, maximum], or DCS.4800 naming the parameter; ``default`` when absent."""
    raw = _query_value(request, name)
    if raw is None:
        return default
    if not _ASCII_DIGITS.fullmatch(raw) or not minimum <= int(raw) <= maximum:
        raise errors.invalid_field(name)
    return int(raw)


def str_param(request: Request, name: str) -> Optional[str]:
    """A free-text filter: None when absent or empty (the service ignores an empty filter)."""
    return _query_value(request, name) or None


def enum_param(request: Request, name: str, allowed: Sequence[str]) -> Optional[str]:
    """None when absent, else one of ``allowed`` (an empty value is not one: DCS.4800)."""
    raw = _query_value(request, name)
    if raw is not None and raw not in allowed:
        raise errors.invalid_field(name)
    return raw


def compact_time_param(request: Request, name: str) -> Optional[float]:
    """A ``yyyyMMddHHmmss`` (UTC) filter as a timestamp; None when absent, DCS.4800 when empty or invalid."""
    raw = _query_value(request, name)
    if raw is None:
        return None
    if not _COMPACT_TIME.fullmatch(raw):
        raise errors.invalid_field(name)
    try:
        return parse_compact(raw)
    except ValueError:
        raise errors.invalid_field(name) from None
