"""Child processes that outlive their parent: started with a pid file, stopped by pid."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from trafficha.errors import TrafficHaError

# Debian installs the database daemons in sbin, which is not on a non-root user's PATH.
_EXTRA_PATHS = ("/usr/sbin", "/usr/local/sbin", "/sbin")


class ProcessError(TrafficHaError):
    """A managed process could not be started, became unhealthy, or could not be stopped."""


def find_binary(name: str) -> str:
    """The absolute path of an executable, looking in sbin directories too."""
    found = shutil.which(name) or shutil.which(name, path=os.pathsep.join(_EXTRA_PATHS))
    if not found:
        raise ProcessError(f"{name} not found: run `make deps` (it installs the Debian packages)")
    return found


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free on ``host`` a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until(
    check: Callable[[], bool],
    *,
    timeout: float,
    what: str,
    alive: Callable[[], bool] = lambda: True,
) -> None:
    """Poll ``check`` until it is true; fail early when ``alive`` says the process died."""
    deadline = time.monotonic() + timeout
    delay = 0.01
    while True:
        with contextlib.suppress(Exception):
            if check():
                return
        if not alive():
            raise ProcessError(f"{what} exited while starting")
        if time.monotonic() > deadline:
            raise ProcessError(f"{what} did not become ready within {timeout:g}s")
        time.sleep(delay)  # a readiness poll: there is no event to wait on for a foreign process
        delay = min(delay * 2, 0.2)


def pid_alive(pid: int) -> bool:
    """Whether ``pid`` is a running (not zombie) process."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


class ManagedProcess:
    """A server process with a pid file and a log file, stoppable from any later process.

    The pid file records the pid and the executable, so a stop never signals a process that
    merely reused the pid.
    """

    def __init__(
        self, name: str, argv: Sequence[str], run_dir: Path, *, stop_timeout: float = 10.0
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.stop_timeout = stop_timeout
        self.pid_file = run_dir / f"{name}.pid"
        self.log_file = run_dir / f"{name}.log"
        self._popen: subprocess.Popen[bytes] | None = None

    def start(self, env: dict[str, str] | None = None) -> int:
        """Start the process in its own session (a terminal's Ctrl-C does not reach it).

        Idempotent across processes: check and start happen under a lock on the pid file, so
        a supervisor and an operator starting the same service at once start it once; the
        second caller gets the running pid.
        """
        with self._locked():
            if (pid := self.pid()) is not None:
                return pid
            fd = os.open(self.log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(fd, "ab") as log:
                self._popen = subprocess.Popen(  # noqa: S603 - argv is ours, never a shell string
                    self.argv,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    env=env,
                )
            self.pid_file.write_text(f"{self._popen.pid} {os.path.realpath(self.argv[0])}\n")
            return self._popen.pid

    def pid(self) -> int | None:
        """The pid if the process recorded in the pid file is still ours and alive."""
        try:
            pid_text, exe = self.pid_file.read_text().split(maxsplit=1)
            pid = int(pid_text)
        except (OSError, ValueError):
            return None
        if self._popen is not None and self._popen.pid == pid and self._popen.poll() is not None:
            # Our own child exited (reaping it here also keeps it from lingering as a zombie);
            # a pid recorded since by another process is checked like any other below.
            return None
        try:
            running = os.readlink(f"/proc/{pid}/exe")
        except OSError:
            return None
        if running != exe.strip() or not pid_alive(pid):
            return None
        return pid

    def alive(self) -> bool:
        return self.pid() is not None

    def start_and_wait(
        self, ready: Callable[[int], bool], *, timeout: float, env: dict[str, str] | None = None
    ) -> int:
        """Start, then wait until ``ready(pid)``; stop the process again if it never is."""
        pid = self.start(env=env)
        try:
            wait_until(lambda: ready(pid), timeout=timeout, what=self.name, alive=self.alive)
        except ProcessError:
            self.stop(timeout=5)
            raise
        return pid

    def stop(self, timeout: float | None = None, sig: signal.Signals = signal.SIGTERM) -> None:
        """Signal the process, wait ``timeout`` (default: its ``stop_timeout``) for it to exit,
        and SIGKILL it if it does not."""
        timeout = self.stop_timeout if timeout is None else timeout
        pid = self.pid()
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
            try:
                wait_until(lambda: not pid_alive(pid), timeout=timeout, what=f"{self.name} stop")
            except ProcessError:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                wait_until(lambda: not pid_alive(pid), timeout=5, what=f"{self.name} kill")
        if self._popen is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._popen.wait(timeout=1)
        with self._locked():
            # Only our record: a supervisor may already have started a successor and written
            # its pid, which must not be lost (that successor would run untracked).
            if pid is None or self._recorded_pid() in (pid, None):
                self.pid_file.unlink(missing_ok=True)

    def _recorded_pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """The lock under which a pid file is checked and written, across processes."""
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        with self.pid_file.with_suffix(".lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def kill(self) -> None:
        """SIGKILL: an abrupt loss, as a crashed node would give."""
        self.stop(timeout=5, sig=signal.SIGKILL)
