# SPDX-License-Identifier: MIT
"""Debian packages nucleo needs, and installing the missing ones.

Machines are rebuilt often and CI runs on fresh ones, so the tool itself
must bring in what it needs instead of relying on someone having run
apt-get by hand. Every purpose lists its packages and why, so the one-line
notice tells the user what the install is for.
"""
from __future__ import annotations

import os
import subprocess
import sys

# purpose -> (why, packages)
PACKAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "build": ("compile the kernel and its unit tests and measure their "
              "coverage (llvm-14: llvm-cov, llvm-profdata); grub-common: "
              "grub-file checks the Multiboot2 header and ascii.pf2 is the "
              "screen console's font",
              ("clang", "lld", "cmake", "ninja-build", "libgtest-dev", "libzydis-dev",
               "libgmock-dev", "googletest", "libclang-rt-14-dev",
               "llvm-14", "grub-common")),
    "iso": ("make a bootable GRUB ISO (BIOS and UEFI)",
            ("grub-pc-bin", "grub-common", "grub-efi-amd64-bin", "xorriso",
             "mtools")),
    "qemu": ("boot the kernel in QEMU",
             ("qemu-system-x86", "ovmf")),
    "bochs": ("boot the kernel in Bochs (emulated VT-x)",
              ("bochs", "bochsbios", "vgabios")),
}
PACKAGES["kvm"] = PACKAGES["qemu"]

ALL_PURPOSES = ("build", "iso", "qemu", "bochs")

_apt_updated = False


def missing(names: list[str] | tuple[str, ...]) -> list[str]:
    """Return the subset of `names` that dpkg does not report as installed."""
    if not names:
        return []
    proc = subprocess.run(
        ["dpkg-query", "-W", "-f=${Package} ${Status}\n", *names],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        check=False)
    installed = set()
    for line in proc.stdout.splitlines():
        name, _, status = line.partition(" ")
        if status.strip() == "install ok installed":
            installed.add(name.split(":")[0])
    return [n for n in names if n not in installed]


def ensure(purposes: list[str] | tuple[str, ...]) -> None:
    """Install what `purposes` need (as root) or exit 3 with the command.

    Only one `apt-get update` per process: it is slow and the package
    lists do not change between two installs of one command.
    """
    global _apt_updated
    todo: list[str] = []
    whys: list[str] = []
    for purpose in dict.fromkeys(purposes):
        why, names = PACKAGES[purpose]
        lacking = [n for n in missing(names) if n not in todo]
        if lacking:
            todo += lacking
            whys.append(why)
    if not todo:
        return
    pkgs = " ".join(todo)
    if os.geteuid() != 0:
        print(f"nucleo: missing packages (needed to {'; '.join(whys)}); run:\n"
              f"  sudo apt-get install -y {pkgs}", file=sys.stderr)
        sys.exit(3)
    print(f"nucleo: installing {pkgs} (needed to {'; '.join(whys)})",
          file=sys.stderr, flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if not _apt_updated:
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)
        _apt_updated = True
    rc = subprocess.run(["apt-get", "install", "-y", "-qq", *todo],
                        env=env, check=False).returncode
    if rc != 0 or missing(todo):
        print(f"nucleo: apt-get install failed (status {rc}) for: {pkgs}",
              file=sys.stderr)
        sys.exit(3)
