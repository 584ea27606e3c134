# SPDX-License-Identifier: MIT
"""Booting the ISO in QEMU: TCG (fast, no VT-x) or KVM (needs host VMX).

COM1 is `-serial stdio` read through a pipe, so bytes arrive as soon as
QEMU writes them. stdin is /dev/null so QEMU never touches the terminal.
`isa-debug-exit` at 0xf4 lets the kernel end QEMU with status
(value << 1) | 1; the NUCLEO-RESULT line stays the source of truth, and a
disagreement between the two is reported as a warning. `-no-reboot` turns a
triple fault into an exit instead of a reboot loop; `-d cpu_reset` makes
QEMU log "Triple fault" to qemu.log (its register dumps are filtered out of
the post-mortem tail: they show the power-on state, not the crash).
"""
from __future__ import annotations

import os
import re
import select
import socket
import subprocess
import time
from pathlib import Path

from .emulator import Emulator

DEFAULT_TIMEOUT = 120.0
OVMF_BIOS = "/usr/share/ovmf/OVMF.fd"
OVMF_CODE = "/usr/share/OVMF/OVMF_CODE.fd"
_REGISTER_DUMP = re.compile(r"[A-Z][A-Z0-9 ]*=")


def kvm_usable() -> bool:
    """True if /dev/kvm exists and the host CPU advertises VMX."""
    if not os.path.exists("/dev/kvm"):
        return False
    try:
        with open("/proc/cpuinfo") as f:
            return any(line.startswith("flags") and "vmx" in line.split()
                       for line in f)
    except OSError:
        return False


def qemu_argv(iso: str | os.PathLike, cores: int, memory: int, *,
              kvm: bool = False, cpu_model: str | None = None,
              machine: str = "pc", uefi: bool = False, icount: bool = False,
              max_cores: int | None = None,
              log: str | os.PathLike = "qemu.log",
              monitor: str | os.PathLike | None = None) -> list[str]:
    """The qemu-system-x86_64 command line for one boot. `max_cores` above
    `cores` adds hot-pluggable CPUs: disabled, online-capable MADT entries.
    `monitor` (a socket path) keeps the screen for a screendump: the HMP
    monitor listens there, there is no isa-debug-exit (the kernel's
    power-off then ends in ACPI S5) and -no-shutdown makes S5 pause QEMU
    instead of ending it."""
    smp = str(cores) + (f",maxcpus={max_cores}" if max_cores else "")
    argv = ["qemu-system-x86_64", "-machine", machine, "-m", str(memory),
            "-smp", smp, "-cdrom", str(iso), "-boot", "d",
            "-display", "none", "-serial", "stdio", "-no-reboot",
            "-d", "guest_errors,cpu_reset", "-D", str(log)]
    if monitor:
        argv += ["-monitor", f"unix:{monitor},server=on,wait=off",
                 "-no-shutdown"]
    else:
        argv += ["-monitor", "none",
                 "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    if kvm:
        argv += ["-enable-kvm", "-cpu", cpu_model or "host,+vmx"]
    elif cpu_model:
        argv += ["-cpu", cpu_model]
    if icount and not kvm:
        argv += ["-icount", "shift=0"]
    if uefi:
        if os.path.exists(OVMF_BIOS):
            argv += ["-bios", OVMF_BIOS]
        else:
            argv += ["-drive",
                     f"if=pflash,format=raw,readonly=on,file={OVMF_CODE}"]
    return argv


def _hmp(sock: socket.socket, command: str | None) -> str:
    """Send one HMP command (None: nothing) and return the text up to the
    next "(qemu) " prompt."""
    if command is not None:
        sock.sendall(command.encode() + b"\n")
    data = b""
    while not data.endswith(b"(qemu) "):
        chunk = sock.recv(4096)
        if not chunk:
            raise OSError("QEMU closed its monitor")
        data += chunk
    return data.decode(errors="replace")


class Qemu(Emulator):
    """A running QEMU; COM1 is its stdout pipe."""

    name = "qemu"

    def __init__(self, iso: str | os.PathLike, cores: int = 1,
                 memory: int = 256, *, kvm: bool = False,
                 cpu_model: str | None = None, machine: str = "pc",
                 uefi: bool = False, icount: bool = False,
                 max_cores: int | None = None, keep_screen: bool = False
                 ) -> None:
        self.name = "kvm" if kvm else "qemu"
        super().__init__()
        log = self.workdir / "qemu.log"
        self.log_paths = [log, self.workdir / "qemu.err"]
        self.monitor = self.workdir / "monitor.sock" if keep_screen else None
        argv = qemu_argv(Path(iso).resolve(), cores, memory, kvm=kvm,
                         cpu_model=cpu_model, machine=machine, uefi=uefi,
                         icount=icount, max_cores=max_cores, log=log,
                         monitor=self.monitor)
        self._spawn(argv, subprocess.PIPE, "qemu.err")
        self._fd = self.proc.stdout.fileno()
        self._eof = False

    def read_serial(self, wait: float) -> bytes:
        if self._eof:
            time.sleep(max(wait, 0))   # pipe closed; QEMU is about to exit
            return b""
        ready, _, _ = select.select([self._fd], [], [], max(wait, 0))
        if not ready:
            return b""
        data = os.read(self._fd, 65536)
        if not data:
            self._eof = True
        return data

    def drain(self) -> bytes:
        chunks = []
        while not self._eof:
            data = self.read_serial(1.0)
            if not data:
                break
            chunks.append(data)
        return b"".join(chunks)

    def screendump(self, out: str | os.PathLike, settle: float = 10.0) -> None:
        """Save the screen as a PPM file through the HMP monitor, once the
        guest has powered off (S5 pauses QEMU under -no-shutdown), then quit
        QEMU. Raises OSError when there is no monitor or no picture."""
        if not self.monitor:
            raise OSError("QEMU was started without a monitor (keep_screen)")
        out = Path(out).resolve()
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(settle)
            sock.connect(str(self.monitor))
            _hmp(sock, None)                       # the greeting
            deadline = time.monotonic() + settle
            while "shutdown" not in _hmp(sock, "info status"):
                if time.monotonic() > deadline:
                    raise OSError(f"QEMU did not power off within {settle:g} s")
                time.sleep(0.1)
            reply = _hmp(sock, f"screendump {out}")
            if not out.is_file() or out.stat().st_size == 0:
                raise OSError(f"screendump wrote nothing: {reply.strip()}")
            sock.sendall(b"quit\n")
            try:                 # QEMU closes the monitor as it exits
                while sock.recv(4096):
                    pass
            except OSError:
                pass
        self.wait(5.0)

    def exit_warning(self, code: int, status: int | None) -> str | None:
        # Only an odd positive status comes from isa-debug-exit.
        if status is None or status <= 0 or not status & 1:
            return None
        expect = ((code << 1) | 1) & 0xFF
        if status != expect:
            return (f"QEMU exit status {status} (isa-debug-exit value "
                    f"{status >> 1}) disagrees with result code {code}")
        return None

    def _keep_log_line(self, line: str) -> bool:
        return not _REGISTER_DUMP.match(line)
