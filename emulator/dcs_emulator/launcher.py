# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Start ``dcs-emulator serve`` in a subprocess for a demo, an integration run, a benchmark or a load test.

    from dcs_emulator.launcher import launch, sample_config

    config = sample_config(bucket_dir="backups", instances=[{"name": "dcs-demo", "password": "..."}])
    with launch(config, workdir="run", admin=True) as emu:
        emu.url, emu.access_key, emu.secret_key, emu.project_id, emu.region
        emu.instances[0]["id"], emu.redis_address(emu.instances[0]["id"])   # (host, port) from the DCS API
        emu.admin.set_instance_status(instance_id, "FROZEN")                   # when admin=True

``launch`` writes the config (mode 0600: it holds secret keys and passwords) into ``workdir``, starts the
server on a free loopback port in a session of its own (a Ctrl-C meant for the caller reaches the caller,
which then stops the emulator cleanly so its Redis servers save their data), waits until the API answers and
every instance is RUNNING, and stops it on exit, also when the body raised. The emulator's output goes to
``emulator.log`` in ``workdir``; ``EmulatorStartError`` carries its last lines.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Optional

import yaml

from dcs_emulator import signing

LOCALHOST = "127.0.0.1"
CONFIG_FILE = "emulator.yml"
LOG_FILE = "emulator.log"
STOP_TIMEOUT = 60.0


class EmulatorStartError(RuntimeError):
    """The emulator did not start or did not become ready; the message ends with its last log lines."""


def free_port() -> int:
    """A TCP port nobody listens on right now (whoever binds it a moment later retries on a race)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOCALHOST, 0))
        return sock.getsockname()[1]


def new_project_id() -> str:
    return uuid.uuid4().hex


def sample_config(bucket_dir, instances, region: str = "cn-north-4", access_key: Optional[str] = None,
                  secret_key: Optional[str] = None, project_id: Optional[str] = None, bucket: str = "dcs-backups",
                  admin: bool = False, min_duration_seconds: float = 0.0, server_binary: Optional[str] = None,
                  fidelity: Optional[dict] = None) -> dict:
    """A config with one account and project, one local bucket and the given instances.

    Each instance dict needs ``name``; ``id`` (a UUID), ``password``, ``status``, ``engine_version``,
    ``redis`` (default: a managed server), ``type``, ``enable_ssl``, ``tags`` and ``backups`` are optional. Keys and IDs are generated when not given; pass them
    to keep them stable across runs (the emulator's data directory remembers tasks by project and instance).
    ``server_binary`` pins the Redis server binary of managed instances (``importer.server_binary``);
    ``fidelity`` is the ``fidelity:`` section (``dcs_emulator.fidelity.section_from_text`` builds one by name).
    """
    project_id = project_id or new_project_id()
    config_instances = []
    for spec in instances:
        item = {"id": spec.get("id") or str(uuid.uuid4()), "name": spec["name"], "project_id": project_id,
                "engine_version": spec.get("engine_version", "7.0"), "status": spec.get("status", "RUNNING"),
                "redis": spec.get("redis") or {"managed": True}}
        if spec.get("password"):
            item["password"] = spec["password"]
        item.update((key, spec[key]) for key in ("type", "shards", "enable_ssl", "tags", "backups") if key in spec)
        config_instances.append(item)
    config = {
        "region": region,
        "accounts": [{"access_key": access_key or "AK" + uuid.uuid4().hex[:18].upper(),
                      "secret_key": secret_key or uuid.uuid4().hex + uuid.uuid4().hex,
                      "projects": [{"id": project_id, "name": region}]}],
        "buckets": {bucket: {"path": str(Path(bucket_dir).resolve())}},
        "instances": config_instances,
        "admin": {"enabled": bool(admin)},
        "tasks": {"min_duration_seconds": min_duration_seconds},
    }
    if server_binary:
        config["importer"] = {"server_binary": str(server_binary)}
    if fidelity:
        config["fidelity"] = dict(fidelity)
    return config


def _exchange(request: urllib.request.Request, timeout: float) -> tuple:
    """(HTTP status, decoded JSON body) of a call to the emulator, error statuses included."""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # nosec - loopback only
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


class AdminClient:
    """The admin API under /_emulator/ (no signature: it is the emulator's own control surface)."""

    def __init__(self, url: str, timeout: float = 30.0):
        self.base = url.rstrip("/") + "/_emulator/"
        self.timeout = timeout

    def request(self, method: str, path: str, body=None) -> tuple:
        """(HTTP status, decoded JSON body) of an admin call, whatever the status."""
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.base + path.lstrip("/"), data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        return _exchange(request, self.timeout)

    def call(self, method: str, path: str, body=None):
        """The decoded JSON answer of an admin call; RuntimeError unless it succeeded."""
        status, answer = self.request(method, path, body)
        if status >= 400:
            raise RuntimeError("admin %s %s: HTTP %d %s" % (method, path, status, json.dumps(answer)[:500]))
        return answer

    def health(self) -> dict:
        return self.call("GET", "health")

    def fidelity(self) -> dict:
        """The reading of every fidelity point the emulator runs with (and a random set's seed)."""
        return self.call("GET", "fidelity")

    def reset(self) -> dict:
        return self.call("POST", "reset")

    def set_instance_status(self, instance_id: str, status: Optional[str]) -> dict:
        """Override an instance's status (None goes back to the real one)."""
        return self.call("POST", "instances/%s/status" % instance_id, {"status": status})

    def add_fault(self, **spec) -> dict:
        return self.call("POST", "faults", spec)

    def clear_faults(self) -> dict:
        return self.call("DELETE", "faults")

    def set_min_duration(self, seconds: float) -> dict:
        return self.call("POST", "settings", {"min_duration_seconds": seconds})

    def task(self, task_id: str) -> dict:
        return self.call("GET", "tasks/%s" % task_id)


class RunningEmulator:
    """A started emulator: where it listens, the credentials of its first account, its instances."""

    def __init__(self, process: subprocess.Popen, url: str, config: dict, workdir: Path, admin_enabled: bool):
        self.process = process
        self.url = url
        self.config = config
        self.workdir = workdir
        self.config_path = workdir / CONFIG_FILE
        self.log_path = workdir / LOG_FILE
        account = config["accounts"][0]
        self.access_key = account["access_key"]
        self.secret_key = account["secret_key"]
        self.project_id = account["projects"][0]["id"]
        self.region = config.get("region", "cn-north-4")
        self.instances = [dict(item) for item in config.get("instances") or []]
        self.admin = AdminClient(url) if admin_enabled else None

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def instance(self, name_or_id: str) -> dict:
        for item in self.instances:
            if name_or_id in (item["id"], item["name"]):
                return item
        raise KeyError(name_or_id)

    def api_get(self, path: str, timeout: float = 10.0):
        """A signed GET of the DCS API (as the SDK signs it); returns (status, decoded JSON body)."""
        date = datetime.datetime.now(datetime.timezone.utc).strftime(signing.DATE_FORMAT)
        headers = {"host": self.url.split("://", 1)[1], "x-sdk-date": date}
        signed = sorted(headers)
        canonical = signing.canonical_request("GET", path, "", headers, signed, b"")
        sig = signing.signature(self.secret_key, signing.string_to_sign(canonical, date))
        request = urllib.request.Request(self.url + path, method="GET", headers={
            "X-Sdk-Date": date, "Content-Type": "application/json",
            "Authorization": "%s Access=%s, SignedHeaders=%s, Signature=%s"
                             % (signing.ALGORITHM, self.access_key, ";".join(signed), sig)})
        return _exchange(request, timeout)

    def show_instance(self, instance_id: str) -> dict:
        status, body = self.api_get("/v2/%s/instances/%s" % (self.project_id, instance_id))
        if status != 200:
            raise RuntimeError("show instance %s: HTTP %d %s" % (instance_id, status, body))
        return body

    def redis_address(self, instance_id: str) -> tuple:
        """(host, port) of the Redis server behind an instance, as the DCS API shows it."""
        shown = self.show_instance(instance_id)
        return shown["ip"], int(shown["port"])

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to a file only its owner can read (it holds keys or passwords)."""
    fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def _answers(emu: RunningEmulator) -> bool:
    """Any HTTP answer counts: the server is up. Signed, so the probe leaves no failed authentication in its log."""
    try:
        emu.api_get("/v3/projects", timeout=1)
        return True
    except OSError:
        return False


def _wait_ready(emu: RunningEmulator, deadline: float) -> Optional[str]:
    """None once the API answers and every instance is RUNNING, else why not (process gone, timeout)."""
    while not _answers(emu):
        if emu.process.poll() is not None:
            return "the emulator exited with status %s" % emu.process.returncode
        if time.monotonic() > deadline:
            return "the emulator did not answer on %s in time" % emu.url
        time.sleep(0.1)
    # Only the first project's instances: the launcher signs with that project's keys.
    pending = [item["id"] for item in emu.instances if item.get("status", "RUNNING") == "RUNNING"
               and item.get("project_id", emu.project_id) == emu.project_id]
    while pending:
        statuses = dict((iid, emu.show_instance(iid).get("status")) for iid in pending)
        pending = [iid for iid, status in statuses.items() if status != "RUNNING"]
        if not pending:
            break
        if emu.process.poll() is not None:
            return "the emulator exited with status %s" % emu.process.returncode
        if time.monotonic() > deadline:
            return "instance(s) not RUNNING in time: %s" % ", ".join("%s=%s" % (i, statuses[i]) for i in pending)
        time.sleep(0.2)
    return None


def _stop(process: subprocess.Popen, timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM (uvicorn shuts down, the emulator stops its Redis servers, saving them), SIGKILL if it hangs."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start(config: dict, workdir, data_dir=None, admin: bool = False, api_only: bool = False,
          startup_timeout: float = 120.0, python: str = sys.executable, log_level: str = "info",
          host: Optional[str] = LOCALHOST, extra_args=(), port: Optional[int] = None) -> RunningEmulator:
    """Start an emulator (see ``launch``); the caller must call ``stop(emu)``.

    ``host`` None leaves ``--host`` out (the server's own default, loopback); ``extra_args`` go to ``serve`` as given.
    ``port``: listen there (to start a stopped emulator again where its clients expect it), else on a free port.
    """
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    config = dict(config)
    if admin:
        config["admin"] = dict(config.get("admin") or {}, enabled=True)
    write_private(workdir / CONFIG_FILE, yaml.safe_dump(config, sort_keys=False))
    command = [python, "-m", "dcs_emulator", "serve", "--config", str(workdir / CONFIG_FILE), "--log-level", log_level]
    command += ["--host", host] if host else []
    command += list(extra_args)
    if data_dir is not None:
        command += ["--data-dir", str(Path(data_dir).resolve())]
    if api_only:
        command.append("--api-only")
    problem = "not started"
    for _attempt in range(3):  # another process may grab the free port between our probe and the bind
        url = "http://%s:%d" % (host or LOCALHOST, port or free_port())
        with open(workdir / LOG_FILE, "ab") as log:
            process = subprocess.Popen(command + ["--port", url.rsplit(":", 1)[1]],  # pylint: disable=consider-using-with
                                       stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                       cwd=str(workdir), start_new_session=True)
        emu = RunningEmulator(process, url, config, workdir, admin_enabled=bool((config.get("admin") or {}).get("enabled")))
        try:
            problem = _wait_ready(emu, time.monotonic() + startup_timeout)
        except BaseException:
            _stop(process)
            raise
        if problem is None:
            return emu
        _stop(process)
        if "in use" not in emu.log_tail(5).lower():
            break
    raise EmulatorStartError("%s; last lines of %s:\n%s" % (problem, workdir / LOG_FILE, emu.log_tail()))


def stop(emu: RunningEmulator, timeout: float = STOP_TIMEOUT) -> None:
    _stop(emu.process, timeout)


@contextlib.contextmanager
def launch(config: dict, workdir, **kwargs):
    """Context manager around ``start``/``stop``: yields a RunningEmulator, always stops it."""
    emu = start(config, workdir, **kwargs)
    try:
        yield emu
    finally:
        stop(emu)
