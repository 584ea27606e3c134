# SPDX-License-Identifier: MIT
"""The host side of a VM configuration file (docs/config.md).

The hypervisor parses the file itself at boot (it must, on real machines);
the tool only needs to know which images the file names, to put each on the
boot medium as a Multiboot2 module whose GRUB string is the name the file
uses, and the file itself as a module whose name ends in ".toml". The file's
TOML subset is valid TOML, so tomllib reads it; a file tomllib cannot read
still goes on the ISO (the hypervisor then names the problem by line), only
without images.
"""
from __future__ import annotations

import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from . import build, linux_guest

# The CMake target that builds every in-tree guest image (guests/).
GUESTS_TARGET = "nucleo-guests"
# The configuration `tools/nucleo run` boots when given none.
DEMO_CONFIG = build.repo_root() / "configs" / "demo.toml"


@dataclass
class ConfigImages:
    modules: list[tuple[str, str]] = field(default_factory=list)  # (file, name)
    cores_needed: int = 1          # highest core index named + 1
    problems: list[str] = field(default_factory=list)


def _image_path(name: str, config_dir: Path, bdir: Path) -> Path | None:
    """An image name as the file writes it: a path relative to the file,
    absolute, or the name of an in-tree guest under <build>/guests/."""
    for candidate in (config_dir / name, bdir / "guests" / name):
        if candidate.is_file():
            return candidate
    return None


def images(config: Path, bdir: Path | None = None) -> ConfigImages:
    """The modules `config` needs on the ISO, the config itself first."""
    bdir = bdir or build.build_dir()
    out = ConfigImages()
    out.modules.append((str(config), config.name if config.name.endswith(".toml")
                        else config.name + ".toml"))
    try:
        data = tomllib.loads(config.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        out.problems.append(f"{config}: not readable as TOML ({exc}); booting it "
                            "anyway so the hypervisor names the problem")
        return out
    seen: set[str] = set()
    vms = data.get("vm", [])
    for vm in vms if isinstance(vms, list) else []:
        if not isinstance(vm, dict):
            continue
        cores = vm.get("cores", [])
        if isinstance(cores, list):
            for c in cores:
                if isinstance(c, int) and c >= 0:
                    out.cores_needed = max(out.cores_needed, c + 1)
        names = [vm.get("kernel")] + list(vm.get("modules", []) or [])
        for name in names:
            if not isinstance(name, str) or not name or name in seen:
                continue
            seen.add(name)
            if name in linux_guest.OUTPUTS:
                _build_linux_guest(bdir, out)
            path = _image_path(name, config.parent, bdir)
            if path is None:
                out.problems.append(f"{config}: image '{name}' of VM "
                                    f"'{vm.get('name', '?')}' not found (looked "
                                    f"next to the file and in {bdir / 'guests'})")
                continue
            out.modules.append((str(path), name))
    return out


def _build_linux_guest(bdir: Path, out: ConfigImages) -> None:
    """The Debian kernel and busybox initramfs are not CMake targets: they
    are fetched and built (then cached) when a configuration names them."""
    try:
        linux_guest.build(bdir)
    except (linux_guest.LinuxGuestError, OSError) as exc:
        out.problems.append(f"the Linux guest cannot be built: {exc}")


def report(found: ConfigImages) -> None:
    for problem in found.problems:
        print(f"nucleo: {problem}", file=sys.stderr)
