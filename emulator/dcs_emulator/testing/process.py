# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Emulators for tests: a ``dcs-emulator serve`` process that can be stopped any way and started again on the
same data, and the app served in a thread of the test process (to plug Python hooks into it).

Both are started by the launcher's own code paths (config writing, free port, readiness) and offer the same
surface: ``url``, the first account's ``access_key``/``secret_key``/``project_id``, ``client()`` (the
official SDK) and ``admin(method, path, body, expect=200)`` (the admin API, asserting the status).
"""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

from dcs_emulator import launcher
from dcs_emulator.testing.sdk import sdk_client

CLIENT_TIMEOUT = (3, 10)


class Admin(launcher.AdminClient):
    """The admin API; calling it asserts the HTTP status (``expect``) and returns the decoded JSON answer."""

    def __call__(self, method: str, path: str, body=None, expect: int = 200):
        status, answer = self.request(method, path, body)
        assert status == expect, "admin %s %s: HTTP %d, not %d: %s" % (method, path, status, expect, answer)
        return answer


class Endpoint:
    """What a test emulator offers once it listens; subclasses set ``config`` (the raw dict) and ``url``."""

    config: dict
    url: str

    @property
    def access_key(self) -> str:
        return self.config["accounts"][0]["access_key"]

    @property
    def secret_key(self) -> str:
        return self.config["accounts"][0]["secret_key"]

    @property
    def project_id(self) -> str:
        return self.config["accounts"][0]["projects"][0]["id"]

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    @property
    def admin(self) -> Admin:
        return Admin(self.url)

    def fault(self, **spec) -> dict:
        """Add a fault rule (admin API; see dcs_emulator.faults for ``spec``)."""
        return self.admin("POST", "faults", spec)

    def client(self, ak=None, sk=None, project=None, timeout=CLIENT_TIMEOUT):
        """An SDK client; the first account's credentials and project unless others are given."""
        return sdk_client(self.url, ak or self.access_key, sk or self.secret_key, project or self.project_id, timeout)


class EmulatorProcess(Endpoint):
    """``dcs-emulator serve`` for ``config`` in ``workdir`` (config file, log, relative paths); restartable.

    Keyword arguments go to ``launcher.start`` (``data_dir``, ``host``, ``extra_args``, ``log_level`` ...);
    ``api_only`` defaults to True: the import engine has its own tests. Other attributes of the running
    emulator (``instance()``, ``redis_address()``, ``log_tail()``, ``process`` ...) are reached through.
    """

    def __init__(self, workdir, config: dict, api_only: bool = True, **start_options):
        self.workdir = Path(workdir)
        self.config = config
        self.start_options = dict(start_options, api_only=api_only)
        self.running = None

    def __getattr__(self, name):
        running = self.__dict__.get("running")
        if running is None:
            raise AttributeError(name)
        return getattr(running, name)

    @property
    def url(self) -> str:
        return self.running.url

    @property
    def log_path(self) -> Path:
        return self.workdir / launcher.LOG_FILE

    def start(self) -> "EmulatorProcess":
        """Start (again: a new port, the same config and data); EmulatorStartError with the log's end if it fails."""
        self.running = launcher.start(self.config, self.workdir, **self.start_options)
        return self

    def stop(self, sig=signal.SIGTERM) -> None:
        """Stop it: SIGTERM shuts down cleanly; another signal (SIGKILL) hits it as is. ``url`` stays readable."""
        if self.running is None:
            return
        process = self.running.process
        if sig != signal.SIGTERM and process.poll() is None:
            process.send_signal(sig)
            process.wait()
        launcher.stop(self.running)

    def log_text(self) -> str:
        """Everything the emulator has logged in ``workdir`` (every start)."""
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def __enter__(self) -> "EmulatorProcess":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


class InProcessEmulator(Endpoint):
    """The emulator's app for ``config`` (relative paths from ``base_dir``), served by uvicorn in a thread."""

    def __init__(self, base_dir, config: dict, load_extensions: bool = True, startup_timeout: float = 15.0):
        # Imported here: the HTTP server stack is only needed by the tests that serve in-process.
        import uvicorn  # pylint: disable=import-outside-toplevel
        from dcs_emulator import config as config_mod  # pylint: disable=import-outside-toplevel
        from dcs_emulator.app import create_app  # pylint: disable=import-outside-toplevel

        self.config = config
        self.app = create_app(config_mod.parse(config, Path(base_dir)), load_extensions=load_extensions)
        self.emulator = self.app.state.emulator
        self.url = "http://%s:%d" % (launcher.LOCALHOST, launcher.free_port())
        self.server = uvicorn.Server(uvicorn.Config(self.app, host=launcher.LOCALHOST, port=self.port,
                                                    log_level="warning"))
        self.startup_timeout = startup_timeout
        self.thread = None

    def start(self) -> "InProcessEmulator":
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + self.startup_timeout
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        return self

    def stop(self, timeout: float = 30.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)

    def __enter__(self) -> "InProcessEmulator":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
