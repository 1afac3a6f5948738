# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""DCS-style error bodies: ``{"error_code", "error_msg", "error_ext_msg"}`` with the documented codes."""

from __future__ import annotations

import json


class ApiError(Exception):
    """An error answered to the client as a DCS error body."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict:
        return {"error_code": self.code, "error_msg": self.message, "error_ext_msg": None}

    def json_bytes(self) -> bytes:
        return json.dumps(self.body()).encode("utf-8")


def invalid_field(field: str) -> ApiError:
    """DCS.4800: the message names the offending field, as the service does."""
    return ApiError(400, "DCS.4800", "Invalid %s in the request." % field)


def empty_body() -> ApiError:
    return ApiError(400, "DCS.4004", "The request body is empty.")


def body_not_json(message: str = "The request body is not in valid JSON format.") -> ApiError:
    """DCS.4005; ``message`` says why when the body is refused for its type, size or nesting."""
    return ApiError(400, "DCS.4005", message)


def task_not_found(task_id: str) -> ApiError:
    # The service answers 400 (not 404) for an unknown migration task.
    return ApiError(400, "DCS.4133", "The migration task %s does not exist." % task_id)


def instance_not_found(instance_id: str) -> ApiError:
    return ApiError(404, "DCS.3022", "The instance %s does not exist." % instance_id)


def instance_not_running(instance_id: str, status: str) -> ApiError:
    return ApiError(400, "DCS.4049", "The instance %s is not running (status: %s)." % (instance_id, status))


def operation_not_allowed(message: str) -> ApiError:
    return ApiError(400, "DCS.4026", message)


def url_not_found() -> ApiError:
    return ApiError(404, "DCS.4001", "The requested URL was not found.")


def auth_missing() -> ApiError:
    return ApiError(401, "DCS.1001", "The request is not signed: the Authorization header is missing or malformed.")


def auth_unknown_key() -> ApiError:
    return ApiError(401, "DCS.1002", "The access key does not exist.")


def auth_bad_signature() -> ApiError:
    return ApiError(401, "DCS.1003", "The request signature does not match.")


def auth_date_skew() -> ApiError:
    return ApiError(401, "DCS.1004", "The X-Sdk-Date header is missing or more than 15 minutes off the server time.")


def project_forbidden(project_id: str) -> ApiError:
    return ApiError(403, "DCS.2003", "The access key is not authorised for project %s." % project_id)


def throttled_body(request_id: str) -> dict:
    """The API gateway's throttling body (its own shape, not a DCS one)."""
    return {
        "error_code": "APIGW.0308",
        "error_msg": "The throttling threshold has been reached: policy user over ratelimit,limit:5,time:1 minute",
        "request_id": request_id,
    }


def internal_error_body(request_id: str) -> dict:
    """What a request that broke the emulator gets: DCS.5000 with the ID that finds its traceback in the log."""
    return dict(server_error_body(500), request_id=request_id)


def server_error_body(status: int) -> dict:
    codes = {500: ("DCS.5000", "Internal service error."),
             502: ("APIGW.0202", "Bad gateway."),
             503: ("APIGW.0203", "The service is temporarily unavailable.")}
    code, message = codes.get(status, ("DCS.5000", "Internal service error."))
    return {"error_code": code, "error_msg": message, "error_ext_msg": None}
