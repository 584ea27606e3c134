#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""CTest guest test: boot one in-tree guest on bare QEMU and check it.

The guests under guests/ (pc_smp, mb2_hello) know nothing of nucleo and
end through isa-debug-exit, so QEMU's exit status, (code << 1) | 1, is
their verdict; there is no NUCLEO-RESULT line. Either the ELF is given to
QEMU's -kernel (Multiboot1, --kernel) or it is put on a GRUB ISO and booted
with `multiboot2` (--grub; the same ISO builder as `nucleo run`). COM1 is
streamed to stdout for `ctest --output-on-failure`; every failed assertion
is named on its own `guest_test: FAIL:` line.

  guest_test.py --kernel build/guests/pc_smp.elf --cores 2 \\
      --expect-code 0 --expect "pc_smp: all checks passed" --reject FAIL -- hello
"""
from __future__ import annotations

import argparse
import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)),
                                os.pardir))

from nucleolib import iso, qemu  # noqa: E402
from nucleolib.console import LineSplitter, clean_line  # noqa: E402
from nucleolib.emulator import Emulator, exit_on_sigterm  # noqa: E402


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, str]:
    cut = argv.index("--") if "--" in argv else len(argv)
    p = argparse.ArgumentParser(prog="guest_test.py", description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    boot = p.add_mutually_exclusive_group(required=True)
    boot.add_argument("--kernel", metavar="ELF",
                      help="Multiboot1 ELF32 for QEMU's -kernel")
    boot.add_argument("--grub", metavar="ELF",
                      help="Multiboot2 ELF, booted by GRUB from an ISO")
    p.add_argument("--machine", choices=("pc", "q35"), default="pc")
    p.add_argument("--cores", type=int, default=1)
    p.add_argument("--memory", type=int, default=64, metavar="MIB")
    p.add_argument("--cpu-model", metavar="NAME")
    p.add_argument("--icount", action="store_true",
                   help="-icount shift=0: all clocks follow instructions")
    p.add_argument("--uefi", action="store_true", help="OVMF instead of SeaBIOS")
    p.add_argument("--no-acpi", action="store_true", help="QEMU -no-acpi")
    p.add_argument("--timeout", type=float, default=60.0, metavar="S")
    p.add_argument("--expect-code", type=int, default=0, metavar="C",
                   help="the code written to port 0xf4")
    p.add_argument("--expect", action="append", default=[], metavar="REGEX",
                   help="must match some console line (repeatable)")
    p.add_argument("--reject", action="append", default=[], metavar="REGEX",
                   help="must match no console line (repeatable)")
    return p.parse_args(argv[:cut]), " ".join(argv[cut + 1:])


def qemu_argv(args: argparse.Namespace, cmdline: str) -> list[str]:
    argv = ["qemu-system-x86_64", "-machine", args.machine,
            "-m", str(args.memory), "-smp", str(args.cores),
            "-display", "none", "-serial", "stdio", "-monitor", "none",
            "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    if args.kernel:
        argv += ["-kernel", str(Path(args.kernel).resolve()),
                 "-append", cmdline]
    else:
        build = os.environ.get("NUCLEO_BUILD_DIR",
                               str(Path(args.grub).resolve().parent.parent))
        image = iso.cached_iso(args.grub, cmdline, Path(build) / "iso")
        argv += ["-cdrom", str(image), "-boot", "d"]
    if args.cpu_model:
        argv += ["-cpu", args.cpu_model]
    if args.icount:
        argv += ["-icount", "shift=0"]
    if args.no_acpi:
        argv += ["-no-acpi"]
    if args.uefi:
        argv += ["-bios", qemu.OVMF_BIOS]
    return argv


class GuestQemu(Emulator):
    """QEMU with COM1 on a pipe, in its own process group (see Emulator)."""

    name = "qemu-guest"

    def __init__(self, argv: list[str]) -> None:
        super().__init__()
        self.log_paths = [self.workdir / "qemu.err"]
        self._spawn(argv, subprocess.PIPE, "qemu.err")
        self._fd = self.proc.stdout.fileno()
        self._eof = False

    def read_serial(self, wait: float) -> bytes:
        if self._eof:
            time.sleep(max(wait, 0))
            return b""
        ready, _, _ = select.select([self._fd], [], [], max(wait, 0))
        data = os.read(self._fd, 65536) if ready else b""
        if ready and not data:
            self._eof = True
        return data

    def drain(self) -> bytes:
        chunks = []
        while not self._eof and (data := self.read_serial(1.0)):
            chunks.append(data)
        return b"".join(chunks)


def run(argv: list[str], timeout: float) -> tuple[list[str], int | None]:
    """Boot, echo COM1 lines as they come; (lines, exit status or None)."""
    lines: list[str] = []
    splitter = LineSplitter()

    def take(data: bytes) -> None:
        for raw in splitter.feed(data):
            line = clean_line(raw)
            lines.append(line)
            print(line, flush=True)

    with GuestQemu(argv) as vm:
        deadline = time.monotonic() + timeout
        while vm.poll() is None and time.monotonic() < deadline:
            take(vm.read_serial(0.2))
        status = vm.poll()
        take(vm.drain())
        for raw in splitter.flush():
            lines.append(clean_line(raw))
            print(lines[-1], flush=True)
        if status is None:
            vm.stop()
        for path, tail in vm.log_tail():
            print(f"guest_test: {path.name}:", *tail, sep="\n  ", flush=True)
    return lines, status


def check(args: argparse.Namespace, lines: list[str],
          status: int | None) -> list[str]:
    """One message per failed assertion (empty: all passed)."""
    fails = []
    want = (args.expect_code << 1) | 1
    if status is None:
        fails.append(f"no exit within {args.timeout:.0f} s")
    elif status != want:
        got = f"code {status >> 1}" if status > 0 and status & 1 else "no code"
        fails.append(f"QEMU exit status {status} ({got}), expected {want} "
                     f"(code {args.expect_code})")
    for regex in args.expect:
        if not any(re.search(regex, line) for line in lines):
            fails.append(f"no console line matches /{regex}/")
    for regex in args.reject:
        for line in lines:
            if re.search(regex, line):
                fails.append(f"line matches /{regex}/: {line}")
    return fails


def main(argv: list[str]) -> int:
    args, cmdline = parse_args(argv)
    exit_on_sigterm()
    qemu_cmd = qemu_argv(args, cmdline)
    print("guest_test: " + " ".join(qemu_cmd), flush=True)
    started = time.monotonic()
    lines, status = run(qemu_cmd, args.timeout)
    fails = check(args, lines, status)
    for msg in fails:
        print(f"guest_test: FAIL: {msg}", flush=True)
    if not fails:
        print(f"guest_test: PASS (code {args.expect_code}, "
              f"{time.monotonic() - started:.1f} s)")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
