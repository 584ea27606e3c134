# SPDX-License-Identifier: MIT
"""Running the kernel: stream COM1 live and read its NUCLEO-RESULT line.

The kernel's last line before power-off is
    NUCLEO-RESULT {"status":"ok","code":0, ...}
(one JSON object on one line); `code` (0..255) becomes our exit status.
Only the hypervisor's own line counts: the tag at column 0. A guest's
console lines reach COM1 prefixed with its name (`[vm] ...`), so a guest
cannot print one; a tag anywhere else in a line is ignored. There must be
exactly one: a second result line makes the run untrustworthy (exit 125).
The emulator's own exit status is not trusted for this: Bochs always exits
1 and a crash can look like success. `run_kernel` is the single path used
by `nucleo run` and by CTest boot tests, so both see the same behaviour.
"""
from __future__ import annotations

import codecs
import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, TextIO

from . import bochs, build, iso, qemu
from .emulator import Emulator

RESULT_TAG = "NUCLEO-RESULT"
EXIT_TIMEOUT = 124
EXIT_NO_RESULT = 125
RESULT_GRACE = 2.0      # seconds the emulator gets to exit after the result
EMULATORS = ("auto", "bochs", "qemu", "kvm")

# CSI sequences, OSC strings, then any other two/three-byte ESC sequence.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]"
                      r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
                      r"|\x1b[ -/]*[0-~]?")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_line(raw: str) -> str:
    """Drop ANSI escape sequences (GRUB emits them), \\r and other controls."""
    return _CONTROLS.sub("", _ESCAPES.sub("", raw))


def parse_result_line(line: str) -> dict | None:
    """The result object if `line` is a well-formed result line, else None.

    Well-formed: the tag at column 0 and a space, then a JSON object whose
    `code` is an int 0..255. A line with the tag anywhere else (a guest's
    `[vm] NUCLEO-RESULT {...}`) is not a result line: None. Raises
    ValueError (with the reason) for a result line that is malformed.
    """
    if not line.startswith(RESULT_TAG + " "):
        return None
    try:
        obj = json.loads(line[len(RESULT_TAG) + 1:])
    except ValueError as exc:
        raise ValueError(f"result line is not JSON ({exc})") from None
    if not isinstance(obj, dict):
        raise ValueError("result line is not a JSON object")
    code = obj.get("code")
    if type(code) is not int or not 0 <= code <= 255:
        raise ValueError(f"result line has no int code in 0..255: {code!r}")
    return obj


def result_of(lines: list[str]) -> dict | None:
    """The result of a kept console (a benchmark's log): its one well-formed
    result line's object; None when it has none, a malformed one, or more
    than one (a run that printed two is not to be trusted, as in run_kernel)."""
    found = []
    for line in lines:
        try:
            obj = parse_result_line(line)
        except ValueError:
            return None
        if obj is not None:
            found.append(obj)
    return found[0] if len(found) == 1 else None


class LineSplitter:
    """Bytes in, complete decoded lines out; keeps the unfinished tail."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._tail = ""

    def feed(self, data: bytes) -> list[str]:
        text = self._tail + self._decoder.decode(data)
        *lines, self._tail = text.split("\n")
        return lines

    def flush(self) -> list[str]:
        text = self._tail + self._decoder.decode(b"", final=True)
        self._tail = ""
        return [text] if text else []


@dataclass
class RunResult:
    """Outcome of one boot. `exit_code` is what `nucleo run` exits with."""
    lines: list[str]
    result: dict | None
    exit_code: int
    timed_out: bool
    emulator: str = ""
    emulator_status: int | None = None
    elapsed: float = 0.0
    notes: list[str] = field(default_factory=list)


def resolve_emulator(name: str) -> str:
    """`auto` -> kvm if the host can, else bochs (our only VT-x)."""
    if name == "auto":
        return "kvm" if qemu.kvm_usable() else "bochs"
    if name not in EMULATORS:
        raise ValueError(f"unknown emulator {name!r}")
    return name


def default_timeout(emulator: str) -> float:
    """Bochs is ~10x slower than QEMU TCG, hence its longer default."""
    if emulator == "bochs":
        return bochs.DEFAULT_TIMEOUT
    return qemu.DEFAULT_TIMEOUT


def start_emulator(emulator: str, iso_path: Path, cores: int, memory: int,
                   cpu_model: str | None = None, machine: str = "pc",
                   uefi: bool = False, icount: bool = False,
                   max_cores: int | None = None,
                   keep_screen: bool = False) -> Emulator:
    """Launch `emulator` (already resolved) on `iso_path`."""
    if emulator == "bochs":
        if uefi or machine != "pc" or icount or max_cores or keep_screen:
            raise ValueError("--uefi/--machine/--icount/--max-cores/--screendump "
                             "need qemu or kvm")
        return bochs.Bochs(iso_path, cores, memory, cpu_model)
    return qemu.Qemu(iso_path, cores, memory, kvm=emulator == "kvm",
                     cpu_model=cpu_model, machine=machine, uefi=uefi,
                     icount=icount, max_cores=max_cores,
                     keep_screen=keep_screen)


class _Session:
    """Feeds emulator output through cleaning, echo and result detection."""

    def __init__(self, echo: bool, out: TextIO, err: TextIO) -> None:
        self.echo, self.out, self.err = echo, out, err
        self.lines: list[str] = []
        self.notes: list[str] = []
        self.result: dict | None = None
        self.result_at = 0.0
        self.results_seen = 0     # well-formed result lines; more than 1 is an error
        self.splitter = LineSplitter()

    def note(self, msg: str) -> None:
        self.notes.append(msg)
        if self.echo:
            print(f"nucleo: {msg}", file=self.err, flush=True)

    def take(self, raw_lines: Iterable[str]) -> None:
        for raw in raw_lines:
            line = clean_line(raw)
            if not line and raw.strip():
                continue          # a line that was only escape sequences
            self.lines.append(line)
            if self.echo:
                print(line, file=self.out, flush=True)
            try:
                found = parse_result_line(line)
            except ValueError as exc:
                self.note(str(exc))
                continue
            if found is None:
                continue
            self.results_seen += 1
            if self.results_seen == 1:
                self.result = found
                self.result_at = time.monotonic()
            else:
                self.note(f"result line {self.results_seen} at line "
                          f"{len(self.lines)}: the kernel prints exactly "
                          "one, so the result is not trusted")

    def trusted_result(self) -> dict | None:
        """The result, unless there was more than one result line."""
        return self.result if self.results_seen == 1 else None


def run_kernel(emulator: str = "auto", cores: int = 1, memory: int = 256,
               timeout: float | None = None, cmdline: str = "", *,
               kernel: str | Path | None = None,
               modules: Iterable[iso.Module] = (),
               cpu_model: str | None = None, machine: str = "pc",
               uefi: bool = False, icount: bool = False,
               max_cores: int | None = None, echo: bool = True,
               iso_dir: str | Path | None = None,
               screendump: str | Path | None = None,
               bios_video: str = "text",
               out: TextIO | None = None, err: TextIO | None = None
               ) -> RunResult:
    """Boot the kernel once and report what happened (never raises on a
    kernel failure; raises ValueError/BuildError/IsoError for bad setup).

    `kernel` defaults to the built nucleo-kernel ELF; the ISO is cached in
    `iso_dir` (default <build>/iso). With `echo`, console lines go to `out`
    (stdout) as they complete and nucleo's own notes to `err` (stderr).
    `screendump` (QEMU only): after the result line, the screen as the
    kernel left it is saved there as a PPM file (a note says if it failed).
    `bios_video`: GRUB's gfxpayload on BIOS boots (iso.grub_menu).
    """
    emulator = resolve_emulator(emulator)
    timeout = float(timeout or default_timeout(emulator))
    kernel = Path(kernel) if kernel else build.kernel_path()
    iso_path = iso.cached_iso(kernel, cmdline,
                              iso_dir or build.build_dir() / "iso", modules,
                              bios_video)
    s = _Session(echo, out or sys.stdout, err or sys.stderr)
    start = time.monotonic()
    with start_emulator(emulator, iso_path, cores, memory, cpu_model,
                        machine, uefi, icount, max_cores,
                        keep_screen=screendump is not None) as emu:
        timed_out = _pump(emu, s, timeout)
        if screendump is not None and s.result is not None:
            try:
                emu.screendump(screendump)
            except OSError as exc:
                s.note(f"screendump failed: {exc}")
        status = emu.poll()   # None: still running, so we stop it
        if status is None:
            emu.stop()
            if s.result is not None:
                s.note(f"{emu.name} did not exit within {RESULT_GRACE:g} s "
                       "of the result line; stopped it")
        s.take(s.splitter.feed(emu.drain()))
        s.take(s.splitter.flush())   # the last line may lack its newline
        timed_out = timed_out and s.result is None
        result = s.trusted_result()
        if result is not None:
            code = result["code"]
            warning = emu.exit_warning(code, status)
            if warning:
                s.note(warning)
        elif s.results_seen > 1:
            code = EXIT_NO_RESULT
            s.note(f"{s.results_seen} result lines: no trustworthy result")
        elif timed_out:
            code = EXIT_TIMEOUT
            s.note(f"timeout after {timeout:g} s (no result line)")
        else:
            code = EXIT_NO_RESULT
            s.note(f"{emu.name} exited (status {status}) without a "
                   "result line")
            for path, tail in emu.log_tail(20):
                s.note(f"last {len(tail)} lines of {path.name}:\n  "
                       + "\n  ".join(tail))
    return RunResult(s.lines, result, code, timed_out, emulator, status,
                     time.monotonic() - start, s.notes)


def _pump(emu: Emulator, s: _Session, timeout: float) -> bool:
    """Stream until the emulator exits, RESULT_GRACE after the result
    line, or `timeout` without one (then return True)."""
    start = time.monotonic()
    while True:
        s.take(s.splitter.feed(emu.read_serial(0.05)))
        now = time.monotonic()
        if emu.poll() is not None:
            return False
        if s.result is not None and now - s.result_at > RESULT_GRACE:
            return False
        if s.result is None and now - start > timeout:
            return True
