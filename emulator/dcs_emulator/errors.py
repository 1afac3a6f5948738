# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Error bodies as the client sees them.

DCS answers ``{"error_code", "error_msg", "error_ext_msg"}`` with its documented codes. Authentication is
not done by DCS but by the API gateway in front of it, which answers in its own shape
``{"error_msg", "error_code", "request_id"}`` (see GatewayError).
"""

from __future__ import annotations

import json


class ApiError(Exception):
    """An error answered to the client as a DCS error body."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self, request_id: str = "") -> dict:  # pylint: disable=unused-argument  # DCS bodies carry no ID
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


def task_state_conflict(message: str = "This operation is not allowed when the task is in the current state.") -> ApiError:
    """DCS.4957: the operation is not allowed while the task is in its current status (error code appendix).

    The default message is the appendix's own; callers with more to say pass their own.
    """
    return ApiError(400, "DCS.4957", message)


def invalid_task_ids() -> ApiError:
    """DCS.4855, as the batch-stop page's example answers a bad list of task IDs."""
    return ApiError(400, "DCS.4855", "invalid migration task id in the request.")


def url_not_found() -> ApiError:
    return ApiError(404, "DCS.4001", "The requested URL was not found.")


class GatewayError(ApiError):
    """Refused by the API gateway before DCS sees the request.

    ``reason`` says exactly what was wrong, for the emulator's log only: the gateway's own messages are
    deliberately vague, and the answer never carries a secret.
    """

    def __init__(self, status: int, code: str, message: str, reason: str):
        super().__init__(status, code, message)
        self.reason = reason

    def body(self, request_id: str = "") -> dict:
        return gateway_body(self.code, self.message, request_id)


def gateway_body(code: str, message: str, request_id: str) -> dict:
    """The API gateway's error shape (key order as the gateway sends it): request_id, no error_ext_msg."""
    return {"error_msg": message, "error_code": code, "request_id": request_id}


# Every authentication failure is 401 APIGW.0301 "Incorrect IAM authentication information: ...", with the
# messages seen from the real gateway (API signing guide FAQ; jeessy2/ddns-go#844; huaweicloud-sdk-python#13).
IAM_AUTH_CODE = "APIGW.0301"
IAM_AUTH_PREFIX = "Incorrect IAM authentication information: "


def auth_not_signed(reason: str) -> GatewayError:
    """No AK/SK signature: the gateway falls back to token authentication and finds no token."""
    return GatewayError(401, IAM_AUTH_CODE, IAM_AUTH_PREFIX + "x-auth-token not found", reason)


def auth_unknown_key(access_key: str) -> GatewayError:
    # The gateway names the access key: it identifies the key, it is not a secret (the secret key never
    # appears in an answer).
    return GatewayError(401, IAM_AUTH_CODE, IAM_AUTH_PREFIX + "ak %s not exist" % access_key, "unknown access key")


def auth_bad_signature(reason: str) -> GatewayError:
    """Wrong signature, tampered request, unsigned or mismatched X-Sdk-Content-Sha256, X-Sdk-Date off by more
    than 15 minutes: the gateway says the same for all of them."""
    return GatewayError(401, IAM_AUTH_CODE, IAM_AUTH_PREFIX + "verify aksk signature fail", reason)


def project_forbidden() -> ApiError:
    """A project the key has no role in: DCS's 403 DCS.2003 with its documented message (error code appendix).

    DCS.2007 is an IAM policy denial, DCS.3002 a read-only tenant, DCS.3003 another role check: none of them
    is about a project outside the account.
    """
    return ApiError(403, "DCS.2003", "This role does not have the permission to perform this operation.")


def throttled_body(request_id: str) -> dict:
    """The API gateway's throttling body (its own shape, not a DCS one)."""
    return gateway_body("APIGW.0308",
                        "The throttling threshold has been reached: policy user over ratelimit,limit:5,time:1 minute",
                        request_id)


def internal_error_body(request_id: str) -> dict:
    """What a request that broke the emulator gets: DCS.5000 with the ID that finds its traceback in the log."""
    return dict(server_error_body(500), request_id=request_id)


def server_error_body(status: int) -> dict:
    codes = {500: ("DCS.5000", "Internal service error."),
             502: ("APIGW.0202", "Bad gateway."),
             503: ("APIGW.0203", "The service is temporarily unavailable.")}
    code, message = codes.get(status, ("DCS.5000", "Internal service error."))
    return {"error_code": code, "error_msg": message, "error_ext_msg": None}
