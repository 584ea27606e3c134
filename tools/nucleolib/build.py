# SPDX-License-Identifier: MIT
"""Configuring and building the tree with CMake, and finding the kernel ELF.

The kernel is linked by a custom command (kernel/CMakeLists.txt) to
<build>/kernel/nucleo.elf; that one path is used, never a search, so a stray
copy under build/ is never booted. `$NUCLEO_KERNEL` overrides it.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

KERNEL_TARGET = "nucleo-kernel"
CONFIGURE_ARGS = ("-G", "Ninja",
                  "-DCMAKE_CXX_COMPILER=clang++",
                  "-DCMAKE_C_COMPILER=clang",
                  "-DCMAKE_BUILD_TYPE=RelWithDebInfo")


class BuildError(RuntimeError):
    """A build step failed; the message says which (its output was shown)."""


def repo_root() -> Path:
    """The repository root: the parent of tools/."""
    return Path(__file__).resolve().parents[2]


def build_dir() -> Path:
    """`$NUCLEO_BUILD_DIR` (relative to the cwd) or `<repo>/build`."""
    env = os.environ.get("NUCLEO_BUILD_DIR")
    return Path(env).resolve() if env else repo_root() / "build"


def _run(argv: list[str], what: str) -> None:
    print("nucleo: " + " ".join(argv), file=sys.stderr, flush=True)
    rc = subprocess.run(argv, check=False).returncode
    if rc != 0:
        raise BuildError(f"{what} failed (status {rc})")


def configure(bdir: Path | None = None, force: bool = True) -> None:
    """CMake configure: always if `force`, else only without build.ninja."""
    bdir = bdir or build_dir()
    if force or not (bdir / "build.ninja").exists():
        _run(["cmake", "-S", str(repo_root()), "-B", str(bdir),
              *CONFIGURE_ARGS], "cmake configure")


def build(target: str | None = None, bdir: Path | None = None) -> None:
    """`cmake --build` the whole tree or one target."""
    bdir = bdir or build_dir()
    argv = ["cmake", "--build", str(bdir)]
    if target:
        argv += ["--target", target]
    _run(argv, "cmake build")


def run_ctest(extra: list[str], bdir: Path | None = None) -> int:
    """Run CTest (its own summary is printed as is) and return its status."""
    bdir = bdir or build_dir()
    argv = ["ctest", "--test-dir", str(bdir), "--output-on-failure", "-j2",
            *extra]
    print("nucleo: " + " ".join(argv), file=sys.stderr, flush=True)
    return subprocess.run(argv, check=False).returncode


def kernel_path(bdir: Path | None = None) -> Path:
    """The built kernel ELF: kernel/nucleo.elf in the build tree, where
    kernel/CMakeLists.txt links it (NUCLEO_KERNEL=path overrides). No search:
    a stray copy elsewhere under build/ must never be booted by mistake."""
    env = os.environ.get("NUCLEO_KERNEL")
    if env:
        return Path(env).resolve()
    bdir = bdir or build_dir()
    path = bdir / "kernel" / "nucleo.elf"
    if path.is_file():
        return path
    raise BuildError(f"no kernel ELF for target {KERNEL_TARGET} under {bdir}"
                     " (set NUCLEO_KERNEL=path to override)")
