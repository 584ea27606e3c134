#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run the coverage-instrumented host tests and check the line coverage of
one source directory (CTest's coverage.vmx_core).

Runs the test binary with LLVM_PROFILE_FILE pointing into a fresh work
directory, merges the raw profiles with llvm-profdata, prints
`llvm-cov report` for the source files under --sources, and fails when the
total line coverage of those files is below --min-line-percent.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=False, text=True, **kwargs)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--binary", required=True)
    ap.add_argument("--llvm-profdata", required=True)
    ap.add_argument("--llvm-cov", required=True)
    ap.add_argument("--sources", required=True, help="directory whose files are measured")
    ap.add_argument("--work-dir", required=True)
    ap.add_argument("--min-line-percent", type=float, required=True)
    ap.add_argument("--gtest-filter", default="*", help="tests to run (GoogleTest filter)")
    args = ap.parse_args()

    shutil.rmtree(args.work_dir, ignore_errors=True)
    os.makedirs(args.work_dir)
    env = dict(os.environ, LLVM_PROFILE_FILE=os.path.join(args.work_dir, "tests-%p.profraw"))
    tests = run([args.binary, "--gtest_brief=1", "--gtest_filter=" + args.gtest_filter], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if tests.returncode != 0:
        print(tests.stdout)
        print(f"coverage: the instrumented tests failed (status {tests.returncode})", file=sys.stderr)
        return 1
    raw = glob.glob(os.path.join(args.work_dir, "*.profraw"))
    if not raw:
        print("coverage: the test binary wrote no profile", file=sys.stderr)
        return 1
    profile = os.path.join(args.work_dir, "tests.profdata")
    merge = run([args.llvm_profdata, "merge", "-sparse", "-o", profile, *raw])
    if merge.returncode != 0:
        return 1

    sources = sorted(
        os.path.join(args.sources, name)
        for name in os.listdir(args.sources)
        if name.endswith((".cpp", ".hpp")))
    cov = [args.llvm_cov, "-instr-profile=" + profile, args.binary, *sources]
    report = run([cov[0], "report", *cov[1:]], stdout=subprocess.PIPE)
    if report.returncode != 0:
        return 1
    print(report.stdout)
    export = run([cov[0], "export", "-summary-only", *cov[1:]], stdout=subprocess.PIPE)
    if export.returncode != 0:
        return 1
    lines = json.loads(export.stdout)["data"][0]["totals"]["lines"]
    percent = 100.0 * lines["covered"] / lines["count"] if lines["count"] else 100.0
    verdict = "ok" if percent >= args.min_line_percent else "FAIL"
    print(f"coverage: {args.sources}: {lines['covered']}/{lines['count']} lines, {percent:.2f}% "
          f"(minimum {args.min_line_percent:g}%): {verdict}")
    return 0 if verdict == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
