# SPDX-License-Identifier: MIT
"""What every emulator launcher shares: one child process, a COM1 byte
source, log files for post-mortems, and a reliable way to stop it.

The emulator runs in its own session (process group) so that stopping it
also stops any helper it spawned, and so a Ctrl-C in the terminal reaches
us first and we can clean up deterministically (SIGTERM, then SIGKILL).
It also gets PR_SET_PDEATHSIG, so even a SIGKILLed nucleo (e.g. a CTest
timeout) leaves no emulator running on.
"""
from __future__ import annotations

import abc

import ctypes
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child before exec: get SIGKILL when our parent dies."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def exit_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit(143) so `with Emulator` cleans up."""
    def handler(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, handler)


class Emulator(abc.ABC):
    """Base class: subclasses start `self.proc` and implement read_serial."""

    name = "emulator"

    def __init__(self) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix=f"nucleo-{self.name}-"))
        self.proc: subprocess.Popen | None = None
        self.log_paths: list[Path] = []   # most useful first

    def _spawn(self, argv: list[str], stdout, stderr_file: str) -> None:
        """Start `argv`; stderr (and stdout unless piped) go to a work file."""
        self.argv = argv
        with open(self.workdir / stderr_file, "wb") as err:
            self.proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL,
                stdout=err if stdout is None else stdout, stderr=err,
                cwd=self.workdir, start_new_session=True,
                preexec_fn=_die_with_parent)

    # -- serial -----------------------------------------------------------
    @abc.abstractmethod
    def read_serial(self, wait: float) -> bytes:
        """Return COM1 bytes available now, waiting at most `wait` seconds."""

    @abc.abstractmethod
    def drain(self) -> bytes:
        """After the process ended: every COM1 byte not yet returned."""

    # -- process ----------------------------------------------------------
    def poll(self) -> int | None:
        return self.proc.poll() if self.proc else 0

    def wait(self, seconds: float) -> int | None:
        """Wait up to `seconds` for the emulator to exit by itself."""
        try:
            return self.proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, grace: float = 2.0) -> int | None:
        """SIGTERM the emulator's process group, SIGKILL after `grace` s."""
        if not self.proc or self.proc.poll() is not None:
            return self.poll()
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            if self.wait(grace) is not None:
                break
        return self.proc.wait()

    def exit_warning(self, code: int, status: int | None) -> str | None:
        """A warning if the emulator's exit status contradicts `code`."""
        return None

    def log_tail(self, lines: int = 20) -> list[tuple[Path, list[str]]]:
        """The last `lines` lines of each non-empty log file."""
        out = []
        for path in self.log_paths:
            try:
                text = path.read_text(errors="replace").splitlines()
            except OSError:
                continue
            text = [line for line in text if self._keep_log_line(line)]
            if text:
                out.append((path, text[-lines:]))
        return out

    def _keep_log_line(self, line: str) -> bool:
        """Subclasses drop noise from log tails here."""
        return True

    def close(self) -> None:
        """Stop the process; delete the work dir unless $NUCLEO_KEEP_TMP."""
        self.stop()
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()
        if not os.environ.get("NUCLEO_KEEP_TMP"):
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> "Emulator":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

