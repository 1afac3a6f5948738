# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Redis server processes: the managed servers behind instances, staging servers, and external servers.

Secrets never reach a command line: each process gets a config file (mode 0600) as its only argument, so the
password shows neither in ``ps`` nor in the server's log.
"""

from __future__ import annotations

import ctypes
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Optional

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from dcs_emulator.importer.binaries import ServerBinary, default_binary
from dcs_emulator.launcher import free_port  # the one definition; start() retries on a race

LOCALHOST = "127.0.0.1"
LOG_FILE = "server.log"
CONFIG_FILE = "server.conf"
SNAPSHOT_FILE = "dump.rdb"
# Warnings every server prints that say nothing about why it stopped.
NOISE = ("WARNING Memory overcommit", "WARNING: The TCP backlog", "Valkey is now ready to exit", "Redis is now ready to exit",
         "WARNING you have Transparent Huge Pages", "User requested shutdown", "Received SIGTERM")


class ServerFailed(RuntimeError):
    """A server did not start, or stopped; the message says why (taken from the server's own log)."""


PR_SET_PDEATHSIG = 1


class _Spawner:
    """Starts server processes from one daemon thread that lives as long as this process.

    Each child asks the kernel (PR_SET_PDEATHSIG) for SIGTERM when the thread that forked it dies; as that thread
    dies only with the process, an emulator killed hard takes its servers with it (a managed server saves its
    data on that SIGTERM) instead of leaving them running.
    """

    def __init__(self):
        self._requests = queue.Queue()
        self._thread = None
        self._guard = threading.Lock()
        self._libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None

    def popen(self, argv: list, **kwargs) -> subprocess.Popen:
        with self._guard:
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="dcs-server-spawner", daemon=True)
                self._thread.start()
        done = queue.Queue(maxsize=1)
        self._requests.put((argv, kwargs, done))
        ok, result = done.get()
        if not ok:
            raise result
        return result

    def _serve(self) -> None:
        while True:
            argv, kwargs, done = self._requests.get()
            try:
                # pylint: disable-next=consider-using-with,subprocess-popen-preexec-fn
                done.put((True, subprocess.Popen(argv, preexec_fn=self._die_with_parent, **kwargs)))
            except (OSError, ValueError) as exc:
                done.put((False, exc))

    def _die_with_parent(self) -> None:
        # Runs in the forked child before exec: only a system call, no Python-level locks.
        if self._libc is not None:
            self._libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


SPAWNER = _Spawner()


def client_options(kwargs: dict) -> dict:
    """No silent retries (redis-py retries with back-off by default): a dead server must be seen at once."""
    kwargs.setdefault("socket_timeout", None)
    kwargs.setdefault("retry", Retry(NoBackoff(), 0))
    return kwargs


def quote(value) -> str:
    """A config-file string literal: every byte outside a safe set is written as \\xHH."""
    safe = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@+,="
    data = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    return '"%s"' % "".join(chr(b) if b in safe else "\\x%02x" % b for b in data)


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by the owner only (it may hold a password)."""
    fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def warnings_in(log_text: str, limit: int = 3) -> list:
    """The server's own warning lines (``pid:X date # message``), last ``limit`` of them, message only."""
    found = []
    for line in log_text.splitlines():
        parts = line.split(" # ", 1)
        if len(parts) == 2 and ":" in parts[0][:12] and not parts[1].startswith(NOISE):
            found.append(parts[1].strip())
    return found[-limit:]


class ServerProcess:
    """One server process started from a private config file, with its log in its directory."""

    def __init__(self, binary: ServerBinary, directory: Path, settings: dict, password: Optional[str] = None,
                 label: str = "server"):
        self.binary = binary
        self.directory = Path(directory)
        self.settings = dict(settings)
        self.password = password
        self.label = label
        self.process: Optional[subprocess.Popen] = None
        self.log_path = self.directory / LOG_FILE

    # configuration ---------------------------------------------------------------------------------------

    def config_text(self) -> str:
        lines = ["daemonize no", "dir %s" % quote(str(self.directory)), "logfile %s" % quote(str(self.log_path))]
        for key, value in self.settings.items():
            if isinstance(value, (list, tuple)):
                lines.extend("%s %s" % (key, quote(str(item))) for item in value)
            else:
                lines.append("%s %s" % (key, quote(str(value))))
        if self.password:
            lines.append("requirepass %s" % quote(self.password))
        return "\n".join(lines) + "\n"

    # process ---------------------------------------------------------------------------------------------

    def start(self, timeout: float = 120.0) -> None:
        """Spawn the server and wait until it answers (it may first load a dataset)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        config_path = self.directory / CONFIG_FILE
        write_private(config_path, self.config_text())
        self._log_offset = self.log_size()
        # A session of its own: a Ctrl-C meant for the emulator must not kill servers before they are saved.
        self.process = SPAWNER.popen([self.binary.path, str(config_path)], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        client = self.client(socket_timeout=5)
        try:
            while True:
                if not self.alive():
                    raise ServerFailed(self.exit_reason())
                try:
                    client.ping()
                    return
                except (redis.BusyLoadingError, redis.ConnectionError, FileNotFoundError):
                    if time.monotonic() > deadline:
                        self.kill()
                        raise ServerFailed("%s did not answer within %d s" % (self.label, timeout)) from None
                    time.sleep(0.005)
        finally:
            client.close()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def returncode(self) -> Optional[int]:
        return None if self.process is None else self.process.poll()

    def kill(self) -> None:
        if self.alive():
            self.process.kill()
        self._reap()

    def _reap(self) -> None:
        if self.process is not None:
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            if self.process.stderr is not None:
                self.process.stderr.close()

    def stop(self, save: bool = False) -> None:
        """SHUTDOWN (saving first if asked), killing the process if it does not go."""
        if not self.alive():
            self._reap()
            return
        client = self.client(socket_timeout=60)
        try:
            client.shutdown(save=save, nosave=not save)
        except (redis.ConnectionError, redis.ResponseError):
            pass
        finally:
            client.close()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pass
        self.kill()

    # talking to it ---------------------------------------------------------------------------------------

    def client(self, **kwargs) -> redis.Redis:  # pragma: no cover - overridden
        raise NotImplementedError

    def log_size(self) -> int:
        try:
            return self.log_path.stat().st_size
        except OSError:
            return 0

    def log_since(self, offset: int) -> str:
        try:
            with open(self.log_path, "rb") as handle:
                handle.seek(offset)
                return handle.read(1 << 20).decode("utf-8", "replace")
        except OSError:
            return ""

    def exit_reason(self, since: Optional[int] = None) -> str:
        """Why the process ended, in the server's words when it logged any."""
        code = self.returncode()
        text = self.log_since(self._log_offset if since is None else since)
        if self.process is not None and self.process.stderr is not None and code is not None:
            try:
                text += self.process.stderr.read().decode("utf-8", "replace")
            except (OSError, ValueError):
                pass
        warnings = warnings_in(text)
        if isinstance(code, int) and code < 0:
            what = "was killed by signal %s" % signal.Signals(abs(code)).name
        else:
            what = "exited with status %s" % code
        if warnings:
            return "%s %s: %s" % (self.label, what, " / ".join(warnings))
        return "%s %s" % (self.label, what)

    _log_offset = 0


class StagingServer(ServerProcess):
    """A throw-away server on a unix socket (no TCP port to race for) that loads one backup with its own loader."""

    def __init__(self, binary: ServerBinary, directory: Path, settings: dict, label: str = "staging server"):
        # Unix socket paths are limited to ~100 bytes: keep it in a short temporary directory.
        self._sock_dir = tempfile.mkdtemp(prefix="dcs-stg-")
        self.socket_path = os.path.join(self._sock_dir, "s.sock")
        base = {"port": 0, "unixsocket": self.socket_path, "unixsocketperm": 700, "save": "", "appendonly": "no",
                "databases": 256}
        if binary.has_protected_configs:
            base["enable-debug-command"] = "local"
        base.update(settings)
        super().__init__(binary, directory, base, label=label)

    def client(self, **kwargs) -> redis.Redis:
        return redis.Redis(unix_socket_path=self.socket_path, **client_options(kwargs))

    def stop(self, save: bool = False) -> None:
        try:
            super().stop(save=save)
        finally:
            for path in (self.socket_path,):
                try:
                    os.unlink(path)
                except OSError:
                    pass
            try:
                os.rmdir(self._sock_dir)
            except OSError:
                pass


class ManagedServer(ServerProcess):
    """The real server behind an emulated instance: 127.0.0.1, a free (or configured) port, the instance password.

    Its data lives in ``directory`` (``dump.rdb``): it is loaded on start and written by a graceful stop.
    """

    managed = True
    host = LOCALHOST

    def __init__(self, directory: Path, password: Optional[str] = None, binary: Optional[ServerBinary] = None,
                 port: Optional[int] = None, label: str = "target server"):
        binary = binary or default_binary()
        settings = {"bind": LOCALHOST, "protected-mode": "yes", "dbfilename": SNAPSHOT_FILE, "save": "",
                    "appendonly": "no", "pidfile": str(Path(directory) / "server.pid")}
        if binary.has_protected_configs:
            # The import engine loads files through DEBUG RELOAD and CONFIG SET dbfilename: local clients only.
            settings["enable-debug-command"] = "local"
            settings["enable-protected-configs"] = "local"
        if binary.has_protected_configs:
            # SIGTERM comes when the emulator died without stopping its servers (see _Spawner): keep the data.
            settings["shutdown-on-sigterm"] = "save"
        if binary.flavor == "valkey" and binary.version >= (9, 0, 0):
            # Let backups from newer Redis releases (RDB 12) be tried; a failed load is rolled back anyway.
            settings["rdb-version-check"] = "relaxed"
        super().__init__(binary, directory, settings, password=password, label=label)
        self.fixed_port = port
        self.port = port or 0
        self._lock = threading.RLock()

    def client(self, **kwargs) -> redis.Redis:
        return redis.Redis(host=self.host, port=self.port, password=self.password or None, **client_options(kwargs))

    def start(self, timeout: float = 300.0) -> None:
        with self._lock:
            if self.alive():
                return
            self._stop_stale()
            for attempt in range(5):
                self.port = self.fixed_port or free_port()
                self.settings["port"] = self.port
                try:
                    super().start(timeout)
                    self._save_on_sigterm()
                    return
                except ServerFailed as exc:
                    if self.fixed_port or "in use" not in str(exc).lower() or attempt == 4:
                        raise

    def _save_on_sigterm(self) -> None:
        """Servers before 7.0 have no shutdown-on-sigterm: they save on SIGTERM (sent when the emulator dies, see
        _Spawner) only with a save point. One that cannot fire during a run (a day) keeps the data all the same.
        CONFIG SET, because their config files take a save point only as two words, which quote() cannot write."""
        if self.binary.has_protected_configs:
            return
        client = self.client(socket_timeout=10)
        try:
            client.config_set("save", "86400 1")
        finally:
            client.close()

    def restart(self, timeout: float = 300.0) -> None:
        """Kill and start again on the same port: the server loads its last snapshot (dump.rdb)."""
        with self._lock:
            self.kill()
            self.fixed_port, previous = self.port, self.fixed_port
            try:
                self.start(timeout)
            finally:
                self.fixed_port = previous

    def stop(self, save: bool = True) -> None:
        with self._lock:
            super().stop(save=save)

    def is_running(self) -> bool:
        return self.alive() and answers_ping(self)

    def _stop_stale(self) -> None:
        """A server this directory's emulator left running (emulator killed hard) is shut down first."""
        pidfile = self.directory / "server.pid"
        try:
            pid = int(pidfile.read_text(encoding="ascii").strip())
            with open("/proc/%d/cmdline" % pid, "rb") as handle:
                cmdline = handle.read()
        except (OSError, ValueError):
            return
        if str(self.directory / CONFIG_FILE).encode() not in cmdline:
            return
        os.kill(pid, signal.SIGTERM)
        for _attempt in range(600):
            if not os.path.exists("/proc/%d" % pid):
                return
            time.sleep(0.05)


class ExternalServer:
    """An existing server given by address: the emulator neither starts nor stops it."""

    managed = False

    def __init__(self, host: str, port: int, password: Optional[str] = None, label: str = "target server"):
        self.host = host
        self.port = int(port)
        self.password = password
        self.label = label

    def client(self, **kwargs) -> redis.Redis:
        return redis.Redis(host=self.host, port=self.port, password=self.password or None, **client_options(kwargs))

    def start(self) -> None:
        """Nothing to start."""

    def stop(self) -> None:
        """Not ours to stop."""

    def is_running(self) -> bool:
        return answers_ping(self)


def answers_ping(server) -> bool:
    """Whether the server answers PING; one still loading its data counts as up."""
    client = server.client(socket_timeout=2, socket_connect_timeout=2)
    try:
        return bool(client.ping())
    except redis.BusyLoadingError:
        return True
    except (redis.ConnectionError, redis.TimeoutError, redis.ResponseError):
        return False
    finally:
        client.close()
