# SPDX-License-Identifier: MIT
"""Configuring and building the tree with CMake, and finding the kernel ELF.

The kernel's output location is owned by the CMake files, not by this tool,
so we ask CMake where it put the `nucleo-kernel` target through the CMake
file API (a query file written before configuring) instead of hard-coding a
path. `$NUCLEO_KERNEL` overrides everything; a glob is the last resort.
"""
from __future__ import annotations

import json
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


def _write_file_api_query(bdir: Path) -> None:
    query = bdir / ".cmake" / "api" / "v1" / "query" / "codemodel-v2"
    query.parent.mkdir(parents=True, exist_ok=True)
    query.touch()


def configure(bdir: Path | None = None, force: bool = True) -> None:
    """CMake configure: always if `force`, else only without build.ninja."""
    bdir = bdir or build_dir()
    _write_file_api_query(bdir)
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


def _from_file_api(bdir: Path, target: str) -> Path | None:
    reply = bdir / ".cmake" / "api" / "v1" / "reply"
    indexes = sorted(reply.glob("index-*.json"))
    if not indexes:
        return None
    try:
        index = json.loads(indexes[-1].read_text())
        model_file = next(o["jsonFile"] for o in index["objects"]
                          if o["kind"] == "codemodel")
        model = json.loads((reply / model_file).read_text())
        for cfg in model["configurations"]:
            for tgt in cfg["targets"]:
                if tgt["name"] != target:
                    continue
                info = json.loads((reply / tgt["jsonFile"]).read_text())
                for art in info.get("artifacts", []):
                    path = Path(art["path"])
                    return path if path.is_absolute() else bdir / path
    except (OSError, ValueError, KeyError, StopIteration):
        return None
    return None


def kernel_path(bdir: Path | None = None) -> Path:
    """Locate the built kernel ELF; raises BuildError if there is none."""
    env = os.environ.get("NUCLEO_KERNEL")
    if env:
        return Path(env).resolve()
    bdir = bdir or build_dir()
    found = _from_file_api(bdir, KERNEL_TARGET)
    if found and found.is_file():
        return found
    names = (KERNEL_TARGET, KERNEL_TARGET + ".elf", "nucleo.elf")
    hits = [p for n in names for p in bdir.rglob(n)
            if p.is_file() and "CMakeFiles" not in p.parts
            and "iso" not in p.parts]
    if hits:
        return max(hits, key=lambda p: p.stat().st_mtime)
    raise BuildError(f"no kernel ELF for target {KERNEL_TARGET} under {bdir}"
                     " (set NUCLEO_KERNEL=path to override)")
