# SPDX-License-Identifier: MIT
"""Command line of tools/nucleo: `run`, `test`, `iso`, `bench`, `isa-docs`
and `vmx-caps`.

Everything after `--` is the kernel's command line (joined with spaces);
`test` passes all its arguments through to ctest untouched. Exit status:
the kernel's result code for `run`, ctest's for `test`, 2 for usage errors,
3 for missing packages (non-root), 124 timeout, 125 no result line;
`bench` exits 1 if any benchmark run failed (after writing its report).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from . import bench, bench_console, bench_exits, bench_fvpv, bench_isa, build, console, fuzz, iso, packages, vm_config
from .emulator import exit_on_sigterm


def _positive(kind):
    def parse(text: str):
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be > 0: {text}")
        return value
    return parse


def _bench_args(parser: argparse.ArgumentParser, report: str,
                timeout: str | None = None) -> None:
    """--out-dir and --kernel of a benchmark, and --timeout if it has one."""
    parser.add_argument("--out-dir", metavar="DIR",
                        help=f"where {report} (default docs)")
    parser.add_argument("--kernel", metavar="ELF")
    if timeout:
        parser.add_argument("--timeout", type=_positive(float), metavar="S",
                            help=timeout)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="nucleo", description="Build, boot and test the nucleo kernel.",
        epilog="Arguments after `--` form the kernel command line.")
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="build, make an ISO, boot it, stream "
                         "COM1 and exit with the kernel's result code")
    run.add_argument("--emulator", choices=console.EMULATORS, default="auto",
                     help="auto = kvm if /dev/kvm and VMX, else bochs")
    run.add_argument("--cores", type=_positive(int), default=None,
                     help="default: enough for the config's cores, else 1")
    run.add_argument("--config", metavar="FILE",
                     help="VM configuration (docs/config.md): it and every "
                     "image it names go on the ISO as modules; default "
                     "configs/demo.toml; 'none' runs one test VM per core")
    run.add_argument("--memory", type=_positive(int), default=256,
                     metavar="MIB")
    run.add_argument("--timeout", type=_positive(float), metavar="S",
                     help="default 300 (bochs) / 120 (qemu, kvm)")
    run.add_argument("--cpu-model", metavar="NAME",
                     help="bochs model or qemu -cpu value")
    run.add_argument("--machine", choices=("pc", "q35"), default="pc",
                     help="QEMU machine type")
    run.add_argument("--uefi", action="store_true", help="QEMU with OVMF")
    run.add_argument("--icount", action="store_true",
                     help="QEMU TCG -icount shift=0 (deterministic)")
    run.add_argument("--max-cores", type=_positive(int), metavar="N",
                     help="QEMU: N - cores more CPUs, hot-pluggable "
                     "(disabled in the MADT, never started)")
    run.add_argument("--kernel", metavar="ELF",
                     help="boot this ELF instead of building nucleo-kernel")
    sub.add_parser("test", help="configure, build all, run ctest "
                   "(extra args go to ctest)")
    fz = sub.add_parser("fuzz", help="every libFuzzer target for N minutes "
                        "each, corpus kept in <build>/host-tests/corpus")
    fz.add_argument("--minutes", type=_positive(float), default=5.0,
                    help="per target (default 5)")
    sub.add_parser("isa-docs", help="regenerate docs/isa/ and "
                   "guests/include/nucleo/isa.h from the proposal table")
    mk = sub.add_parser("iso", help="build the kernel and a bootable ISO "
                        "for real machines: a GRUB menu with the chosen "
                        "configuration, every shipped one and the test VMs")
    mk.add_argument("-o", "--output", metavar="FILE",
                    help="default: <build>/nucleo.iso")
    mk.add_argument("--config", metavar="FILE",
                    help="the default entry's VM configuration (it and its "
                    "images go on the ISO); default configs/demo.toml; "
                    "'none': the test VMs")
    mk.add_argument("--kernel", metavar="ELF")
    vc = sub.add_parser("vmx-caps", help="nucleo's capability report (boot "
                        "lines, verdict, feature table) for a recorded "
                        "capability-MSR file (dump=vmx)")
    vc.add_argument("file", nargs="?", metavar="FILE",
                    default="host-tests/data/vmx/kvm_nested_intel.txt")
    vc.add_argument("--write", action="store_true",
                    help="rewrite FILE's table in docs/running.md")
    bn = sub.add_parser("bench", help="benchmarks; results go to docs/")
    which = bn.add_subparsers(dest="bench", required=True)
    smp = which.add_parser(
        "smp", help="INIT-SIPI-SIPI cost per core (QEMU icount, Bochs), "
        "serial vs parallel, with and without the INIT delay")
    smp.add_argument("--emulator", choices=("qemu", "bochs", "both"),
                     help="default both")
    smp.add_argument("--max-cores", type=_positive(int), metavar="N",
                     help="skip core counts above N (default: QEMU 64, "
                     "Bochs 8)")
    smp.add_argument("--quick", action="store_true",
                     help="smoke run: QEMU, N in 1,2,4, report to "
                     "<build>/bench unless --out-dir")
    smp.add_argument("--out-dir", metavar="DIR",
                     help="where bench-smp.md/.svg go (default docs)")
    smp.add_argument("--kernel", metavar="ELF")
    ex = which.add_parser(
        "exits", help="VM-exit round trips in Bochs (CPUID, VMCALL, OUT, "
        "RDMSR, WRMSR, CR8): guest-measured and hypervisor path lengths; "
        "CPUID and a port read with and without the virtual PC")
    _bench_args(ex, "bench-exits.md goes")
    fp = which.add_parser(
        "fv-pv", help="the same workloads unmodified (16550, PIT, local "
        "APIC) and paravirtualized (hypercalls) in one Bochs boot")
    _bench_args(fp, "bench-fv-pv.md/.svg go", "default 1200")
    fp.add_argument("--cpu-model", metavar="NAME", help="Bochs CPU model")
    fp.add_argument("--from-log", metavar="FILE",
                    help="no boot: rewrite the report from a kept console")
    ia = which.add_parser(
        "isa", help="the extended instructions: each workload baseline and "
        "with the proposal, at 1, 2, 4 and 7 vCPUs (Bochs)")
    _bench_args(ia, "bench-isa.md/.svg go", "per boot, default 1500")
    ia.add_argument("--max-vcpus", type=_positive(int), metavar="N",
                    help="skip vCPU counts above N")
    ia.add_argument("--from-logs", action="store_true",
                    help="no boots: rewrite the report from the consoles "
                    "kept in <build>/bench-isa")
    cn = which.add_parser(
        "console", help="console cost per line (serial, VGA text, the "
        "framebuffer at several sizes) in QEMU -icount")
    _bench_args(cn, "bench-console.md goes",
                "per boot, default 120 (BIOS) / 900 (UEFI)")
    smp.add_argument("--replot", action="store_true",
                     help="no boots: rewrite the report from the consoles "
                     "the last sweep kept in <build>/bench-smp/logs")
    return p


def _kernel(explicit: str | None) -> str:
    """Build nucleo-kernel (configuring first if needed) unless given."""
    if explicit:
        return explicit
    build.configure(force=False)
    build.build(build.KERNEL_TARGET)
    return str(build.kernel_path())


def _config_path(arg: str | None) -> Path | None:
    """--config: a file, 'none', or absent (the demo, when it exists)."""
    if arg == "none":
        return None
    if arg is None:
        return vm_config.DEMO_CONFIG if vm_config.DEMO_CONFIG.is_file() else None
    path = Path(arg)
    if not path.is_file():
        raise ValueError(f"--config {arg}: no such file")
    return path


def cmd_run(args, cmdline: str) -> int:
    emulator = console.resolve_emulator(args.emulator)
    problem = None
    if emulator == "kvm" and not console.qemu.kvm_usable():
        problem = "--emulator kvm needs /dev/kvm and a VMX host"
    elif emulator == "bochs" and (args.uefi or args.icount or args.max_cores
                                  or args.machine != "pc"):
        problem = ("--uefi/--machine/--icount/--max-cores need --emulator "
                   "qemu or kvm")
    elif args.max_cores and args.max_cores < (args.cores or 1):
        problem = "--max-cores must be at least --cores"
    elif emulator == "kvm" and args.icount:
        problem = "--icount needs TCG (--emulator qemu)"
    if problem:
        print(f"nucleo: {problem}", file=sys.stderr)
        return 2
    packages.ensure(["iso", emulator] + ([] if args.kernel else ["build"]))
    kernel = _kernel(args.kernel)
    modules: list[tuple[str, str]] = []
    cores = args.cores or 1
    config = _config_path(args.config)
    if config is not None:
        build.build(vm_config.GUESTS_TARGET)
        found = vm_config.images(config)
        vm_config.report(found)
        modules = found.modules
        cores = args.cores or found.cores_needed
    res = console.run_kernel(
        emulator, cores, args.memory, args.timeout, cmdline, modules=modules,
        kernel=kernel, cpu_model=args.cpu_model, machine=args.machine,
        uefi=args.uefi, icount=args.icount, max_cores=args.max_cores,
        echo=True)
    if res.result is not None:
        print(f"nucleo: kernel result {res.result.get('status', '?')}, code "
              f"{res.exit_code} ({res.emulator}, {res.elapsed:.1f} s)",
              file=sys.stderr)
    return res.exit_code


def _menu_entry(config: Path | None, cmdline: str) -> iso.MenuEntry:
    """A menu entry booting `config` (None: the test VMs); ValueError when
    an image it names is missing."""
    if config is None:
        return iso.MenuEntry("nucleo: test VMs (no configuration)", cmdline)
    found = vm_config.images(config)
    if found.problems:
        raise ValueError("; ".join(found.problems))
    return iso.MenuEntry(f"nucleo: {config.name}", cmdline, found.modules)


def cmd_iso(args, cmdline: str) -> int:
    """An ISO for real machines: GRUB's menu waits iso.MENU_TIMEOUT s, then
    boots the first entry (--config); every shipped configuration and the
    test VMs follow. Each entry gets the same kernel command line."""
    packages.ensure(["iso"] + ([] if args.kernel else ["build"]))
    kernel = _kernel(args.kernel)
    build.build(vm_config.GUESTS_TARGET)
    first = _config_path(args.config)
    entries = [_menu_entry(first, cmdline)]
    shipped = sorted(vm_config.DEMO_CONFIG.parent.glob("*.toml"))
    for config in shipped:
        if first is not None and config.resolve() == first.resolve():
            continue
        try:
            entries.append(_menu_entry(config, cmdline))
        except ValueError as exc:
            print(f"nucleo: no menu entry for {config.name}: {exc}",
                  file=sys.stderr)
    if first is not None:
        entries.append(_menu_entry(None, cmdline))
    out = Path(args.output or build.build_dir() / "nucleo.iso")
    iso.make_menu_iso(kernel, entries, out, iso.MENU_TIMEOUT)
    for entry in entries:
        print(f"  {entry.title}", file=sys.stderr)
    print(out)
    return 0


def cmd_vmx_caps(args) -> int:
    """Runs nucleo-vmx-caps, nucleo's own capability code on the host."""
    packages.ensure(["build"])
    build.configure(force=False)
    build.build("nucleo-vmx-caps")
    tool = build.build_dir() / "host-tests" / "nucleo-vmx-caps"
    argv = [str(tool)] + (["--write", "docs/running.md"] if args.write else [])
    return subprocess.run(argv + [args.file], cwd=build.repo_root(),
                          check=False).returncode


def cmd_test(extra: list[str]) -> int:
    packages.ensure(packages.ALL_PURPOSES)
    build.configure(force=True)
    build.build()
    return build.run_ctest(extra)


def cmd_isa_docs() -> int:
    """Writes what vmx/ext/isa_table.cpp generates (docs/isa/, isa.h)."""
    packages.ensure(["build"])
    build.configure(force=False)
    build.build("nucleo-isa-docgen")
    tool = build.build_dir() / "host-tests" / "nucleo-isa-docgen"
    return subprocess.run([str(tool), "--write", str(build.repo_root())],
                          check=False).returncode


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    exit_on_sigterm()
    try:
        if argv and argv[0] == "test":
            extra = argv[1:]
            return cmd_test(extra[1:] if extra[:1] == ["--"] else extra)
        cut = argv.index("--") if "--" in argv else len(argv)
        parser = _parser()
        args = parser.parse_args(argv[:cut])
        cmdline = " ".join(argv[cut + 1:])
        if args.command == "run":
            return cmd_run(args, cmdline)
        if args.command == "isa-docs":
            return cmd_isa_docs()
        if args.command == "fuzz":
            packages.ensure(["build"])
            return fuzz.cmd_fuzz(args)
        if args.command == "vmx-caps":
            return cmd_vmx_caps(args)
        if args.command == "bench" and args.bench == "fv-pv":
            return bench_fvpv.cmd_fvpv(args, cmdline, _kernel)
        if args.command == "bench" and args.bench == "isa":
            return bench_isa.cmd_isa(args, cmdline, _kernel)
        if args.command == "bench" and args.bench == "console":
            return bench_console.cmd_console(args, cmdline, _kernel)
        if args.command == "bench" and args.bench == "exits":
            return bench_exits.cmd_exits(args, cmdline, _kernel)
        if args.command == "bench":
            return bench.cmd_smp(args, cmdline, _kernel)
        return cmd_iso(args, cmdline)
    except (build.BuildError, iso.IsoError, ValueError) as exc:
        print(f"nucleo: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("nucleo: interrupted", file=sys.stderr)
        return 130
