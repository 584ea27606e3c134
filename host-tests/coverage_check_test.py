#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""host-tests/coverage_check.py cannot be fooled: a folder without lines,
a source file missing from the test binary and a missing llvm-cov each fail
the gate (CTest's coverage.check_selftest)."""
from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
import unittest
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))
import coverage_check  # noqa: E402


class GateTest(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = os.path.realpath(self.tmp.name)
        self.a = self.file("a.cpp", "int f() {\n  return 1;\n}\n")
        self.b = self.file("sub/b.cpp", "// two code lines\nint g() {\n  int x = 2;\n  return x;\n}\n")
        self.h = self.file("a.hpp", "#pragma once\nint f();\n")

    def tearDown(self) -> None:
        self.tmp.cleanup()

    def file(self, name: str, text: str) -> str:
        path = os.path.join(self.dir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_given_a_folder_when_listed_then_every_source_file_in_every_subfolder(self) -> None:
        self.file("notes.txt", "x")
        self.assertEqual(coverage_check.source_files(self.dir), sorted([self.a, self.h, self.b]))

    def test_given_every_file_measured_above_the_minimum_when_gated_then_ok(self) -> None:
        measured = {self.a: {"covered": 2, "count": 2}, self.b: {"covered": 3, "count": 3}}
        ok, summary = coverage_check.gate(self.dir, [self.a, self.b, self.h], measured, 90)
        self.assertTrue(ok, summary)
        self.assertIn("5/5 lines, 100.00%", summary)

    def test_given_coverage_below_the_minimum_when_gated_then_fail(self) -> None:
        measured = {self.a: {"covered": 1, "count": 2}, self.b: {"covered": 3, "count": 3}}
        ok, summary = coverage_check.gate(self.dir, [self.a, self.b], measured, 90)
        self.assertFalse(ok)
        self.assertIn("80.00%", summary)

    def test_given_no_lines_at_all_when_gated_then_fail_not_100_percent(self) -> None:
        measured = {self.a: {"covered": 0, "count": 0}, self.b: {"covered": 0, "count": 0}}
        ok, summary = coverage_check.gate(self.dir, [self.a, self.b], measured, 90)
        self.assertFalse(ok)
        self.assertIn("no lines found", summary)
        self.assertNotIn("100.00%", summary)

    def test_given_a_cpp_file_missing_from_the_binary_when_gated_then_fail_naming_it_and_its_lines_uncovered(self) -> None:
        measured = {self.a: {"covered": 2, "count": 2}}
        ok, summary = coverage_check.gate(self.dir, [self.a, self.b], measured, 10)
        self.assertFalse(ok)
        self.assertIn("not in the test binary", summary)
        self.assertIn(os.path.join("sub", "b.cpp"), summary)
        self.assertIn("2/5 lines", summary)  # b.cpp's three code lines count, uncovered

    def test_given_a_header_without_code_when_missing_from_the_binary_then_it_does_not_count(self) -> None:
        measured = {self.a: {"covered": 2, "count": 2}, self.b: {"covered": 3, "count": 3}}
        ok, _ = coverage_check.gate(self.dir, [self.a, self.b, self.h], measured, 90)
        self.assertTrue(ok)


class MainTest(unittest.TestCase):
    def run_main(self, *argv: str) -> tuple[int, str]:
        err = io.StringIO()
        with mock.patch.object(sys, "argv", ["coverage_check.py", *argv]), contextlib.redirect_stderr(err), \
                contextlib.redirect_stdout(io.StringIO()):
            code = coverage_check.main()
        return code, err.getvalue()

    def test_given_llvm_cov_missing_when_run_then_fail_saying_what_to_install(self) -> None:
        with tempfile.TemporaryDirectory() as work:
            for cov, profdata in (("NUCLEO_LLVM_COV-NOTFOUND", "true"), ("true", "NUCLEO_LLVM_PROFDATA-NOTFOUND"),
                                  ("/nonexistent/llvm-cov", "true")):
                with self.subTest(cov=cov, profdata=profdata):
                    code, err = self.run_main("--binary", "true", "--llvm-profdata", profdata, "--llvm-cov", cov,
                                              "--sources", work, "--work-dir", os.path.join(work, "w"),
                                              "--min-line-percent", "90")
                    self.assertEqual(code, 1)
                    self.assertIn("not found", err)
                    self.assertIn("llvm-14", err)

    def test_given_a_folder_without_sources_when_run_then_fail(self) -> None:
        with tempfile.TemporaryDirectory() as work:
            code, err = self.run_main("--binary", "true", "--llvm-profdata", "true", "--llvm-cov", "true",
                                      "--sources", work, "--work-dir", os.path.join(work, "w"),
                                      "--min-line-percent", "90")
            self.assertEqual(code, 1)
            self.assertIn("no source files", err)


if __name__ == "__main__":
    unittest.main()
