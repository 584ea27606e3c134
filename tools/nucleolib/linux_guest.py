# SPDX-License-Identifier: MIT
"""The Linux guest: Debian's stock kernel and a busybox initramfs.

Nothing is built from source. `apt-get download` fetches the kernel the
meta-package `linux-image-amd64` currently depends on, and `busybox-static`;
`dpkg-deb` unpacks them; the kernel's `boot/vmlinuz-*` is copied as is and
an initramfs (newc cpio, gzip) is written here: busybox, a link per applet
and an `/init` (INIT_SCRIPT) that mounts proc/sys/dev, prints `uname -a`
and the CPU count, then offers a shell on ttyS0. The kernel command line
drives it for tests: `nucleo.test=poweroff` ends the VM cleanly,
`nucleo.test=panic` crashes the kernel (and powers off on the boot after
a restart, whose command line carries `nucleo.boot=N`).

Outputs go to <build>/guests/ under fixed names (KERNEL_NAME, INITRD_NAME),
where `tools/nucleo run --config` finds images; the downloads are cached in
<build>/linux-guest/ and fetched again only when Debian's kernel changes.
    python3 -m nucleolib.linux_guest [BUILD_DIR]
"""
from __future__ import annotations

import gzip
import hashlib
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

KERNEL_NAME = "vmlinuz-debian"
INITRD_NAME = "initrd-busybox.cpio.gz"
OUTPUTS = (KERNEL_NAME, INITRD_NAME)
KERNEL_META = "linux-image-amd64"
BUSYBOX = "busybox-static"

# The guest's PID 1. Runs under busybox sh; every line it prints for tests
# starts with "nucleo-linux:".
INIT_SCRIPT = r"""#!/bin/sh
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s /bin
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# Each line goes to the console tty and to the kernel log (/dev/kmsg),
# which the kernel writes to ttyS0 itself, polled, without the tty layer.
say() {
  echo "nucleo-linux: $*"
  echo "nucleo-linux: $*" > /dev/kmsg
}
say "$(uname -a)"
say "cpus=$(grep -c ^processor /proc/cpuinfo)"
test=""
boot=0
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    nucleo.test=*) test="${arg#nucleo.test=}" ;;
    nucleo.boot=*) boot="${arg#nucleo.boot=}" ;;
  esac
done
say "boot=$boot test=$test"
if [ -n "$test" ]; then
  while read -r line; do say "interrupts: $line"; done < /proc/interrupts
fi
# The virtual PC has no ACPI sleep states (no PM1 control block, no \_S5),
# so the kernel cannot power it off itself; a test ends the VM the way
# emulator test guests do, through the isa-debug-exit port 0xf4.
power_off() {
  say "power off"
  sync
  sleep 1  # lets the tty drain
  printf '\000' | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
  say "power off failed (no debug-exit device?)"
}
case "$test" in
  poweroff) power_off ;;
  panic)
    if [ "$boot" != 0 ]; then power_off; fi
    say "crashing the kernel"
    echo 1 > /proc/sys/kernel/sysrq
    echo c > /proc/sysrq-trigger ;;
esac
while true; do
  setsid cttyhack sh
done
"""


class LinuxGuestError(RuntimeError):
    pass


def _run(argv: list[str], cwd: Path | None = None) -> str:
    proc = subprocess.run(argv, cwd=cwd, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, check=False)
    if proc.returncode != 0:
        raise LinuxGuestError(f"{' '.join(argv)} failed: {proc.stderr.strip()}")
    return proc.stdout


def kernel_package() -> str:
    """The linux-image-<version>-amd64 the meta-package depends on now."""
    for attempt in range(2):
        proc = subprocess.run(["apt-cache", "depends", KERNEL_META],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True, check=False)
        for line in proc.stdout.splitlines():
            kind, _, name = line.strip().partition(": ")
            if kind == "Depends" and name.startswith("linux-image-"):
                return name
        if attempt == 0 and os.geteuid() == 0:  # empty package lists (fresh machine)
            subprocess.run(["apt-get", "update", "-qq"], check=False)
    raise LinuxGuestError(f"apt-cache knows no kernel that {KERNEL_META} depends on "
                          "(run apt-get update)")


def _download(package: str, cache: Path) -> Path:
    found = sorted(cache.glob(f"{package}_*.deb"))
    if found:
        return found[-1]
    _run(["apt-get", "download", package], cwd=cache)
    found = sorted(cache.glob(f"{package}_*.deb"))
    if not found:
        raise LinuxGuestError(f"apt-get download {package} left no .deb in {cache}")
    return found[-1]


def _cpio_newc(entries: list[tuple[str, int, bytes]]) -> bytes:
    """A newc archive (cpio(5), "New ASCII Format"): (name, mode, data)."""
    out = io.BytesIO()

    def pad4() -> None:
        out.write(b"\0" * (-out.tell() % 4))

    for ino, (name, mode, data) in enumerate(entries + [("TRAILER!!!", 0, b"")], 1):
        raw = name.encode() + b"\0"
        nlink = 2 if mode & 0o040000 else 1
        fields = [ino, mode, 0, 0, nlink, 0, len(data), 0, 0, 0, 0, len(raw), 0]
        out.write(b"070701" + b"".join(b"%08X" % f for f in fields))
        out.write(raw)
        pad4()
        out.write(data)
        pad4()
    return out.getvalue()


def initramfs(busybox: bytes) -> bytes:
    """gzip'd newc cpio: /bin/busybox, /bin/sh, /init and the mount points.
    The other applet links are made by /init (`busybox --install -s`)."""
    d, x, r, lnk = 0o040755, 0o100755, 0o100644, 0o120777
    entries = [("dev", d, b""), ("proc", d, b""), ("sys", d, b""), ("tmp", d, b""),
               ("bin", d, b""), ("bin/busybox", x, busybox), ("bin/sh", lnk, b"busybox"),
               ("init", x, INIT_SCRIPT.encode()), ("etc", d, b""),
               ("etc/hostname", r, b"nucleo\n")]
    return gzip.compress(_cpio_newc(entries), compresslevel=9, mtime=0)


def build(bdir: Path) -> tuple[Path, Path]:
    """Fetch (cached), unpack and write the kernel and initramfs; their paths."""
    cache = bdir / "linux-guest"
    guests = bdir / "guests"
    cache.mkdir(parents=True, exist_ok=True)
    guests.mkdir(parents=True, exist_ok=True)
    kpkg = kernel_package()
    kdeb = _download(kpkg, cache)
    bdeb = _download(BUSYBOX, cache)
    kernel_out, initrd_out = guests / KERNEL_NAME, guests / INITRD_NAME
    stamp = cache / "built-from"
    want = f"{kdeb.name} {bdeb.name} {hashlib.sha256(INIT_SCRIPT.encode()).hexdigest()[:16]}\n"
    if stamp.is_file() and stamp.read_text() == want and kernel_out.is_file() and initrd_out.is_file():
        return kernel_out, initrd_out
    unpack = cache / "root"
    shutil.rmtree(unpack, ignore_errors=True)
    unpack.mkdir()
    # Only ./boot of the kernel package (its modules are not needed: the
    # initramfs loads none).
    tar = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(kdeb)], stdout=subprocess.PIPE)
    untar = subprocess.run(["tar", "-x", "-C", str(unpack), "./boot"], stdin=tar.stdout, check=False)
    if tar.wait() != 0 or untar.returncode != 0:
        raise LinuxGuestError(f"dpkg-deb --fsys-tarfile {kdeb} failed")
    _run(["dpkg-deb", "-x", str(bdeb), str(unpack)])
    vmlinuz = sorted((unpack / "boot").glob("vmlinuz-*"))
    if not vmlinuz:
        raise LinuxGuestError(f"{kdeb.name} holds no boot/vmlinuz-*")
    shutil.copyfile(vmlinuz[0], kernel_out)
    initrd_out.write_bytes(initramfs((unpack / "bin" / "busybox").read_bytes()))
    (cache / "kernel-version").write_text(vmlinuz[0].name.removeprefix("vmlinuz-") + "\n")
    stamp.write_text(want)
    return kernel_out, initrd_out


def main(argv: list[str]) -> int:
    from . import build as nbuild
    bdir = Path(argv[0]) if argv else nbuild.build_dir()
    try:
        kernel, initrd = build(bdir)
    except (LinuxGuestError, OSError) as exc:
        print(f"linux_guest: {exc}", file=sys.stderr)
        return 1
    print(f"{kernel}\n{initrd}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
