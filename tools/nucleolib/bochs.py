# SPDX-License-Identifier: MIT
"""Booting the ISO in Bochs: the only emulator here with VT-x (nested VMX).

Choices, found by experiment with Debian's Bochs 2.7:

* COM1 is `mode=file` and we tail the file every 50 ms. Bochs writes each
  transmitted byte to the file at once (unbuffered), so output streams live
  without FIFOs or sockets, and the file doubles as a complete transcript.
  Caveat: Bochs exits on the shutdown port before the UART has shifted out
  the last byte or two, so a final "\\r\\n" may be lost; console.py treats an
  unterminated last line as a line. (Kernels should wait for LSR bit 6,
  transmitter empty, before powering off.)
* Display is `rfb` with timeout=0 (headless; Debian builds no `nogui`, and
  `term` would take over the terminal). rfb binds the first free TCP port
  from 5900 up, so parallel Bochs runs (ctest -j2) each get their own port;
  verified with two concurrent boots. It does not wait for a VNC client.
* `clock: sync=none` makes guest time a function of the instruction count,
  so runs are deterministic (same instruction count at shutdown each time).
* Debian's Bochs is built with its internal debugger; `-rc` with the single
  command `c` starts the simulation without waiting on stdin.
* Exit: the shutdown port (0x8900 "Shutdown") and ACPI S5 (PM1a_CNT at
  0xb004, SLP_EN) both end Bochs with status 1 (a PANIC made fatal); so
  does a triple fault (reset_on_triple_fault=0 makes it a PANIC). The status
  therefore says nothing about the kernel's result: only the NUCLEO-RESULT
  line does. bochs.log keeps just panics/errors (info is ignored).
* `sound: ...=dummy` keeps ALSA noise out of bochs.out (shown in
  post-mortems); with the default ALSA driver Bochs also crashed (SIGSEGV)
  while exiting after a triple fault.
* rfb has no bind-address option: while Bochs runs, an unauthenticated
  VNC view of the (unused) VGA screen listens on 0.0.0.0:590x.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

from .emulator import Emulator

DEFAULT_CPU_MODEL = "corei7_haswell_4770"
DEFAULT_TIMEOUT = 300.0
POLL = 0.05
BIOS = "/usr/share/bochs/BIOS-bochs-latest"
VGABIOS_CANDIDATES = ("/usr/share/vgabios/vgabios.bin",
                      "/usr/share/bochs/VGABIOS-lgpl-latest")

BOCHSRC = """\
memory: guest={memory}, host={host}
romimage: file={bios}
vgaromimage: file={vgabios}
ata0-master: type=cdrom, path=nucleo.iso, status=inserted
boot: cdrom
cpu: model={model}, count={cores}, ips=50000000, reset_on_triple_fault=0
clock: sync=none, time0=utc
display_library: rfb, options="timeout=0"
port_e9_hack: enabled=1
speaker: enabled=0
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
com1: enabled=1, mode=file, dev={com1}
log: {log}
panic: action=fatal
error: action=report
info: action=ignore
"""


def vgabios() -> str:
    """The first VGA BIOS image that exists (Debian ships two)."""
    for path in VGABIOS_CANDIDATES:
        if os.path.exists(path):
            return path
    return VGABIOS_CANDIDATES[0]


def bochsrc(memory: int, cores: int, model: str, com1: Path, log: Path) -> str:
    """The bochsrc text (the ISO is expected as ./nucleo.iso).

    Bochs caps host-side RAM at 2048 MiB; a larger guest is still allowed
    (Bochs pages the rest), it is just slower.
    """
    return BOCHSRC.format(memory=memory, host=min(memory, 2048), bios=BIOS,
                          vgabios=vgabios(), model=model, cores=cores,
                          com1=com1, log=log)


class Bochs(Emulator):
    """A running Bochs; COM1 is read by tailing its output file."""

    name = "bochs"

    def __init__(self, iso: str | os.PathLike, cores: int = 1,
                 memory: int = 256, cpu_model: str | None = None) -> None:
        super().__init__()
        wd = self.workdir
        # A symlink keeps odd characters of the real path out of bochsrc.
        os.symlink(Path(iso).resolve(), wd / "nucleo.iso")
        self.com1 = wd / "com1.txt"
        self.log = wd / "bochs.log"
        self.log_paths = [self.log, wd / "bochs.out"]
        model = cpu_model or DEFAULT_CPU_MODEL
        (wd / "bochsrc").write_text(
            bochsrc(memory, cores, model, self.com1, self.log))
        (wd / "debugger.rc").write_text("c\n")
        self._serial = None
        self._spawn(["bochs", "-q", "-f", "bochsrc", "-rc", "debugger.rc"],
                    None, "bochs.out")

    def _read_now(self) -> bytes:
        if self._serial is None:
            try:
                self._serial = open(self.com1, "rb")
            except FileNotFoundError:
                return b""
        return self._serial.read()

    def read_serial(self, wait: float) -> bytes:
        deadline = time.monotonic() + wait
        while True:
            data = self._read_now()
            left = deadline - time.monotonic()
            if data or left <= 0 or self.poll() is not None:
                return data
            time.sleep(min(POLL, left))

    def drain(self) -> bytes:
        return self._read_now()

    def close(self) -> None:
        self.stop()
        if self._serial:
            self._serial.close()
        super().close()
