#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""CTest boot test: boot the kernel once and check its result line.

Goes through nucleolib.console.run_kernel, the very path `nucleo run`
uses, so a green test means the user command works too. The console is
streamed to stdout so `ctest --output-on-failure` shows it; every failed
assertion is named on its own `boot_test: FAIL:` line.

Typical CMake use:
  add_test(NAME boot-bochs-2cpu COMMAND python3 tools/tests/boot_test.py
           --kernel $<TARGET_FILE:nucleo-kernel> --emulator bochs
           --cores 2 --memory 256 --expect-ram)
"""
from __future__ import annotations

import argparse
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)),
                                os.pardir))

from pathlib import Path  # noqa: E402

import tempfile  # noqa: E402

from nucleolib import console, progress, screen, vm_config  # noqa: E402
from nucleolib.emulator import exit_on_sigterm  # noqa: E402


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, str]:
    cut = argv.index("--") if "--" in argv else len(argv)
    p = argparse.ArgumentParser(prog="boot_test.py", description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--emulator", choices=console.EMULATORS, default="bochs")
    p.add_argument("--memory", type=int, default=256, metavar="MIB")
    p.add_argument("--cores", type=int, default=1)
    p.add_argument("--timeout", type=float, metavar="S")
    p.add_argument("--cpu-model", metavar="NAME")
    p.add_argument("--machine", choices=("pc", "q35"), default="pc")
    p.add_argument("--uefi", action="store_true", help="QEMU with OVMF")
    p.add_argument("--max-cores", type=int, metavar="N",
                   help="QEMU: N-cores more CPUs, hot-pluggable (not present)")
    p.add_argument("--expect-field", action="append", default=[],
                   metavar="KEY=VALUE",
                   help="result-line field equals VALUE (repeatable)")
    p.add_argument("--kernel", metavar="ELF",
                   help="default: the built nucleo-kernel")
    p.add_argument("--expect-code", type=int, default=0, metavar="C")
    p.add_argument("--config", metavar="FILE",
                   help="VM configuration: it and its images go on the ISO "
                   "as modules, as with `nucleo run --config`")
    p.add_argument("--expect-vm", action="append", default=[],
                   metavar="NAME=CODE|STOP",
                   help="the configured VM NAME ended by its own request with "
                   "exit code CODE, or stopped for the reason STOP (a word of "
                   "the result line's \"stop\", e.g. 'triple fault')")
    p.add_argument("--expect-count", action="append", default=[],
                   metavar="N:REGEX", help="exactly N console lines match")
    p.add_argument("--reject", action="append", default=[], metavar="REGEX",
                   help="no console line may match")
    p.add_argument("--expect", action="append", default=[], metavar="REGEX",
                   help="must match some console line (repeatable)")
    p.add_argument("--progress", metavar="VICTIM:ATTACKER",
                   help="VICTIM's tsc= ticks are gap-free and go on while "
                   "ATTACKER is down (nucleolib/progress.py); prints the "
                   "victim's pace per attack")
    p.add_argument("--expect-ram", action="store_true",
                   help="result ram_total_mib within [MIB-2, MIB]")
    p.add_argument("--expect-screen", action="append", default=[],
                   metavar="REGEX",
                   help="QEMU: a console line matching REGEX is on the screen "
                   "at the end, drawn as the framebuffer console draws it "
                   "(font, colours and grid; tools/nucleolib/screen.py)")
    p.add_argument("--expect-screen-title", metavar="REGEX",
                   help="QEMU: the console line matching REGEX is the "
                   "screen's title row")
    p.add_argument("--bios-video", metavar="WxHxD", default="text",
                   help="GRUB's gfxpayload on BIOS boots: a VESA mode gives "
                   "the kernel a framebuffer there too (default text)")
    p.add_argument("--save-screen", metavar="FILE.ppm",
                   help="keep the screendump (default: a temporary file)")
    return p.parse_args(argv[:cut]), " ".join(argv[cut + 1:])


def check_screen(args: argparse.Namespace, res: console.RunResult,
                 dump: Path) -> list[str]:
    """The --expect-screen* assertions against the screendump `dump`."""
    try:
        shown = screen.Screen(screen.load_ppm(dump))
    except (OSError, ValueError) as exc:
        return [f"no screen to check: {exc}"]
    print(f"boot_test: screen {shown.image.width}x{shown.image.height}, "
          f"{shown.columns}x{shown.rows} characters", flush=True)
    fails = []
    wanted = [(regex, False) for regex in args.expect_screen]
    if args.expect_screen_title:
        wanted.append((args.expect_screen_title, True))
    for regex, title in wanted:
        lines = [line for line in res.lines if re.search(regex, line)]
        if not lines:
            fails.append(f"no console line matches /{regex}/, so none to look for on the screen")
        elif title and not shown.title_is(lines[0]):
            fails.append(f"the screen's title row is not {lines[0]!r}")
        elif not title and not any(shown.find_line(line) for line in lines):
            fails.append(f"the screen does not show {lines[-1]!r}")
    return fails


def check(args: argparse.Namespace, res: console.RunResult) -> list[str]:
    """Return one message per failed assertion (empty: all passed)."""
    if res.result is None:
        why = "timed out" if res.timed_out else "emulator exited"
        return [f"no NUCLEO-RESULT line ({why}; exit {res.exit_code})"]
    fails = []
    if res.exit_code != args.expect_code:
        fails.append(f"code is {res.exit_code}, expected {args.expect_code}")
    for regex in args.expect:
        if not any(re.search(regex, line) for line in res.lines):
            fails.append(f"no console line matches /{regex}/")
    for item in args.expect_count:
        want, _, regex = item.partition(":")
        got = sum(1 for line in res.lines if re.search(regex, line))
        if str(got) != want:
            fails.append(f"{got} console lines match /{regex}/, expected {want}")
    for regex in args.reject:
        for line in res.lines:
            if re.search(regex, line):
                fails.append(f"console line matches /{regex}/: {line}")
                break
    results = res.result.get("vm_results") or {}
    for item in args.expect_vm:
        name, _, want = item.partition("=")
        got = results.get(name)
        if got is None:
            fails.append(f"no configured VM {name!r} in the result line")
        elif want.isdigit():
            if got.get("stop") != "guest exit" or str(got.get("code")) != want:
                fails.append(f"VM {name} ended with {got}, expected its own exit with code {want}")
        elif got.get("stop") != want:
            fails.append(f"VM {name} ended with {got}, expected stop {want!r}")
    for item in args.expect_field:
        key, _, want = item.partition("=")
        got = res.result.get(key)
        if str(got) != want:
            fails.append(f"result field {key} is {got!r}, expected {want}")
    if args.progress:
        victim, _, attacker = args.progress.partition(":")
        prog = progress.analyse(res.lines, victim, attacker)
        for row in progress.report(prog):
            print(f"boot_test: {row}", flush=True)
        fails += prog.problems
    if args.expect_ram:
        ram = res.result.get("ram_total_mib")
        low, high = args.memory - 2, args.memory
        if type(ram) is not int or not low <= ram <= high:
            fails.append(f"ram_total_mib is {ram!r}, expected {low}..{high}")
    return fails


def main(argv: list[str]) -> int:
    args, cmdline = parse_args(argv)
    exit_on_sigterm()
    print(f"boot_test: {args.emulator}, {args.cores} core(s), "
          f"{args.memory} MiB, cmdline {cmdline!r}", flush=True)
    modules: list[tuple[str, str]] = []
    if args.config:
        found = vm_config.images(Path(args.config))
        for problem in found.problems:
            print(f"boot_test: note: {problem}", flush=True)
        modules = found.modules
    want_screen = bool(args.expect_screen or args.expect_screen_title
                       or args.save_screen)
    with tempfile.TemporaryDirectory(prefix="nucleo-screen-") as tmp:
        dump = Path(args.save_screen or Path(tmp) / "screen.ppm")
        res = console.run_kernel(args.emulator, args.cores, args.memory,
                                 args.timeout, cmdline, kernel=args.kernel,
                                 modules=modules,
                                 cpu_model=args.cpu_model, machine=args.machine,
                                 uefi=args.uefi, max_cores=args.max_cores,
                                 echo=True,
                                 err=sys.stdout,   # keep notes in console order
                                 screendump=dump if want_screen else None,
                                 bios_video=args.bios_video)
        fails = check(args, res)
        if want_screen and res.result is not None:
            fails += check_screen(args, res, dump)
    for msg in fails:
        print(f"boot_test: FAIL: {msg}", flush=True)
    if not fails:
        print(f"boot_test: PASS (code {res.exit_code}, {res.elapsed:.1f} s)")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
