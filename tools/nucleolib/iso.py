# SPDX-License-Identifier: MIT
"""Bootable GRUB (Multiboot2) ISO images of the kernel.

One ISO boots everywhere we care about: Bochs and QEMU (BIOS), QEMU+OVMF
(UEFI, via grub-efi-amd64-bin) and real hardware (dd it to a USB stick).
GRUB is told to use COM1 so that its menu and our kernel share one console.
ISOs are cached under <build>/iso/ by a hash of their inputs so repeated
runs (and parallel CTest boots of the same kernel) reuse one image; they
are written under a temporary name and renamed, so a reader never sees a
half-written file.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Iterable, Sequence

Module = tuple[str | os.PathLike, str]   # (file, its command line)

GRUB_CFG = """\
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
set timeout=0
set default=0
menuentry "nucleo" {{
  multiboot2 /boot/nucleo.elf{cmdline}
{modules}  boot
}}
"""
FORMAT_VERSION = "2"   # bump when the ISO layout changes, to drop old caches


class IsoError(RuntimeError):
    """grub-mkrescue failed; the message carries its stderr."""


def grub_quote(word: str) -> str:
    """Quote one word for grub.cfg so GRUB passes it through literally."""
    return "'" + word.replace("'", "'\\''") + "'"


def _grub_args(args: str) -> str:
    words = args.split()
    return "".join(" " + grub_quote(w) for w in words)


def grub_cfg(cmdline: str, module_lines: Sequence[tuple[str, str]]) -> str:
    """The grub.cfg text for `cmdline` and (name, args) module entries."""
    mods = "".join(f"  module2 /boot/modules/{grub_quote(name)}"
                   f"{_grub_args(args)}\n" for name, args in module_lines)
    return GRUB_CFG.format(cmdline=_grub_args(cmdline), modules=mods)


def make_iso(kernel_elf: str | os.PathLike, cmdline: str,
             out_iso: str | os.PathLike,
             modules: Iterable[Module] = ()) -> Path:
    """Build `out_iso` from the kernel, its command line and modules."""
    out = Path(out_iso).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nucleo-iso-") as tmp:
        root = Path(tmp) / "root"
        (root / "boot" / "grub").mkdir(parents=True)
        shutil.copyfile(kernel_elf, root / "boot" / "nucleo.elf")
        entries = []
        for index, (path, args) in enumerate(modules):
            # Numbered: two images may share a file name.
            name = f"{index}-{Path(path).name}"
            (root / "boot" / "modules").mkdir(exist_ok=True)
            shutil.copyfile(path, root / "boot" / "modules" / name)
            entries.append((name, args))
        (root / "boot" / "grub" / "grub.cfg").write_text(
            grub_cfg(cmdline, entries))
        partial = out.with_name(f".{out.name}.{os.getpid()}.tmp")
        proc = subprocess.run(["grub-mkrescue", "-o", str(partial), str(root)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, check=False)
        if proc.returncode != 0 or not partial.exists():
            partial.unlink(missing_ok=True)
            raise IsoError(f"grub-mkrescue failed (status {proc.returncode}):"
                           f"\n{proc.stderr.strip()}")
        os.replace(partial, out)
    return out


def iso_hash(kernel_elf: str | os.PathLike, cmdline: str,
             modules: Iterable[Module] = ()) -> str:
    """A short content hash of everything that goes into the ISO."""
    h = hashlib.sha256(f"nucleo-iso-{FORMAT_VERSION}\0".encode())
    h.update(Path(kernel_elf).read_bytes())
    h.update(b"\0" + " ".join(cmdline.split()).encode() + b"\0")
    for path, args in modules:
        h.update(Path(path).name.encode() + b"\0" + args.encode() + b"\0")
        h.update(Path(path).read_bytes())
    return h.hexdigest()[:16]


def cached_iso(kernel_elf: str | os.PathLike, cmdline: str,
               iso_dir: str | os.PathLike,
               modules: Iterable[Module] = ()) -> Path:
    """Return <iso_dir>/nucleo-<hash>.iso, building it only if absent."""
    modules = list(modules)
    digest = iso_hash(kernel_elf, cmdline, modules)
    out = Path(iso_dir) / f"nucleo-{digest}.iso"
    if not out.exists():
        make_iso(kernel_elf, cmdline, out, modules)
    return out
