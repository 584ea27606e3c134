# SPDX-License-Identifier: MIT
"""Bootable GRUB (Multiboot2) ISO images of the kernel.

One ISO boots everywhere we care about: Bochs and QEMU (BIOS), QEMU+OVMF
(UEFI, via grub-efi-amd64-bin) and real hardware (dd it to a USB stick).
GRUB is told to use COM1 so that its menu and our kernel share one console.
Boots of `nucleo run` and the tests get one entry, booted at once; the ISO
of `nucleo iso` for real machines (cli.py) has a menu: the chosen
configuration, then each shipped one (configs/*.toml), then the test VMs.
ISOs are cached under <build>/iso/ by a hash of their inputs so repeated
runs (and parallel CTest boots of the same kernel) reuse one image; they
are written under a temporary name and renamed, so a reader never sees a
half-written file.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

Module = tuple[str | os.PathLike, str]   # (file, its command line)

# all_video: GRUB's EFI build loads no video driver by itself, and without
# one `multiboot2` cannot hand the kernel the GOP framebuffer.
GRUB_HEAD = """\
insmod all_video
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
set timeout={timeout}
set default=0
"""
# The kernel's Multiboot2 header accepts a framebuffer, so GRUB would set a
# graphics mode on BIOS machines too; gfxpayload=text (read by `boot`, after
# `multiboot2` has set it from the header) keeps VGA text there. UEFI has no
# text mode: GRUB sets a GOP mode and the kernel draws its console on it.
GRUB_ENTRY = """\
menuentry {title} {{
  multiboot2 /boot/nucleo.elf{cmdline}
{modules}  if [ "$grub_platform" = "pc" ]; then set gfxpayload={gfxpayload}; fi
  boot
}}
"""
FORMAT_VERSION = "3"   # bump when the ISO layout changes, to drop old caches
MENU_TIMEOUT = 5       # seconds the menu of a user's ISO waits


@dataclass
class MenuEntry:
    """One GRUB menu entry: a title, the kernel command line and modules."""
    title: str
    cmdline: str = ""
    modules: list[Module] = field(default_factory=list)


class IsoError(RuntimeError):
    """grub-mkrescue failed; the message carries its stderr."""


def grub_quote(word: str) -> str:
    """Quote one word for grub.cfg so GRUB passes it through literally."""
    return "'" + word.replace("'", "'\\''") + "'"


def _grub_args(args: str) -> str:
    words = args.split()
    return "".join(" " + grub_quote(w) for w in words)


def grub_cfg(cmdline: str, module_lines: Sequence[tuple[str, str]],
             title: str = "nucleo", timeout: int = 0) -> str:
    """The grub.cfg text of one entry: `cmdline` and (file, args) modules."""
    return grub_menu([(title, cmdline, module_lines)], timeout)


def grub_menu(entries: Sequence[tuple[str, str, Sequence[tuple[str, str]]]],
              timeout: int, bios_video: str = "text") -> str:
    """The grub.cfg text of a menu: (title, cmdline, (file, args) modules)
    per entry, the first the default. `bios_video` is BIOS boots' gfxpayload:
    "text" (VGA text) or a VESA mode such as "1024x768x32", which gives the
    kernel a framebuffer there too (tools/nucleo bench console)."""
    if not re.fullmatch(r"text|\d+x\d+x\d+", bios_video):
        raise ValueError(f"BIOS video mode {bios_video!r}: 'text' or WxHxD")
    text = GRUB_HEAD.format(timeout=timeout)
    for title, cmdline, module_lines in entries:
        mods = "".join(f"  module2 /boot/modules/{grub_quote(name)}"
                       f"{_grub_args(args)}\n" for name, args in module_lines)
        text += GRUB_ENTRY.format(title=grub_quote(title),
                                  cmdline=_grub_args(cmdline), modules=mods,
                                  gfxpayload=bios_video)
    return text


def make_iso(kernel_elf: str | os.PathLike, cmdline: str,
             out_iso: str | os.PathLike,
             modules: Iterable[Module] = (), bios_video: str = "text") -> Path:
    """Build `out_iso` from the kernel, its command line and modules: one
    entry, booted at once."""
    return make_menu_iso(kernel_elf, [MenuEntry("nucleo", cmdline,
                                                list(modules))], out_iso, 0,
                         bios_video)


def make_menu_iso(kernel_elf: str | os.PathLike, entries: Sequence[MenuEntry],
                  out_iso: str | os.PathLike, timeout: int,
                  bios_video: str = "text") -> Path:
    """Build `out_iso` with a GRUB menu of `entries` (the first is the
    default, booted after `timeout` seconds). A file several entries use
    is on the ISO once."""
    out = Path(out_iso).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nucleo-iso-") as tmp:
        root = Path(tmp) / "root"
        (root / "boot" / "grub").mkdir(parents=True)
        shutil.copyfile(kernel_elf, root / "boot" / "nucleo.elf")
        stored: dict[Path, str] = {}
        menu = []
        for entry in entries:
            lines = []
            for path, args in entry.modules:
                key = Path(path).resolve()
                if key not in stored:
                    # Numbered: two images may share a file name.
                    name = f"{len(stored)}-{key.name}"
                    (root / "boot" / "modules").mkdir(exist_ok=True)
                    shutil.copyfile(key, root / "boot" / "modules" / name)
                    stored[key] = name
                lines.append((stored[key], args))
            menu.append((entry.title, entry.cmdline, lines))
        (root / "boot" / "grub" / "grub.cfg").write_text(
            grub_menu(menu, timeout, bios_video))
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
             modules: Iterable[Module] = (), bios_video: str = "text") -> str:
    """A short content hash of everything that goes into the ISO."""
    h = hashlib.sha256(f"nucleo-iso-{FORMAT_VERSION}\0{GRUB_HEAD}{GRUB_ENTRY}"
                       f"\0{bios_video}".encode())
    h.update(Path(kernel_elf).read_bytes())
    h.update(b"\0" + " ".join(cmdline.split()).encode() + b"\0")
    for path, args in modules:
        h.update(Path(path).name.encode() + b"\0" + args.encode() + b"\0")
        h.update(Path(path).read_bytes())
    return h.hexdigest()[:16]


def cached_iso(kernel_elf: str | os.PathLike, cmdline: str,
               iso_dir: str | os.PathLike,
               modules: Iterable[Module] = (), bios_video: str = "text") -> Path:
    """Return <iso_dir>/nucleo-<hash>.iso, building it only if absent."""
    modules = list(modules)
    digest = iso_hash(kernel_elf, cmdline, modules, bios_video)
    out = Path(iso_dir) / f"nucleo-{digest}.iso"
    if not out.exists():
        make_iso(kernel_elf, cmdline, out, modules, bios_video)
    return out
