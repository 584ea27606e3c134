# SPDX-License-Identifier: MIT
"""tools/nucleolib/console.py: what counts as the kernel's result line.

Only the hypervisor's own `NUCLEO-RESULT {...}` at column 0 counts, exactly
once: a guest's line (`[vm] NUCLEO-RESULT {...}`) is never taken for it,
and a second result line makes the run fail (125). Also the line cleaning
and splitting the result detection relies on, and run_kernel end to end
with a scripted emulator in place of QEMU/Bochs.
"""
from __future__ import annotations

import io
import sys
import unittest
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from nucleolib import console  # noqa: E402

REAL = 'NUCLEO-RESULT {"status":"ok","code":0,"cpus_online":1}'
REAL_22 = 'NUCLEO-RESULT {"status":"error","code":22}'
FORGED = '[evil] NUCLEO-RESULT {"status":"ok","code":0,"vms_as_expected":9}'


class ParseResultLineTest(unittest.TestCase):
    def test_given_the_tag_at_column_0_when_parsed_then_the_object(self) -> None:
        self.assertEqual(console.parse_result_line(REAL),
                         {"status": "ok", "code": 0, "cpus_online": 1})

    def test_given_the_tag_inside_a_guest_line_when_parsed_then_not_a_result(self) -> None:
        for line in (FORGED, " " + REAL, "x" + REAL, "[vm] " + REAL,
                     "vm pc: " + REAL, "\t" + REAL):
            with self.subTest(line=line):
                self.assertIsNone(console.parse_result_line(line))

    def test_given_the_tag_without_a_space_or_other_text_when_parsed_then_not_a_result(self) -> None:
        for line in ("NUCLEO-RESULTS {}", 'NUCLEO-RESULT{"code":0}', "NUCLEO-RESULT",
                     "", "nucleo: finished with status ok"):
            with self.subTest(line=line):
                self.assertIsNone(console.parse_result_line(line))

    def test_given_a_malformed_result_line_at_column_0_when_parsed_then_value_error(self) -> None:
        for line, why in (("NUCLEO-RESULT {", "not JSON"),
                          ("NUCLEO-RESULT [1]", "not a JSON object"),
                          ('NUCLEO-RESULT {"code":256}', "no int code"),
                          ('NUCLEO-RESULT {"code":-1}', "no int code"),
                          ('NUCLEO-RESULT {"code":true}', "no int code"),
                          ('NUCLEO-RESULT {"status":"ok"}', "no int code")):
            with self.subTest(line=line):
                with self.assertRaisesRegex(ValueError, why):
                    console.parse_result_line(line)


class ResultOfTest(unittest.TestCase):
    """A kept console (a benchmark's log) has a result only with exactly one
    well-formed result line of the hypervisor's."""

    def test_given_one_result_line_and_guest_forgeries_then_the_hypervisors(self) -> None:
        lines = ['[vm] NUCLEO-RESULT {"code": 0}', "boot", 'NUCLEO-RESULT {"status": "error", "code": 22}']
        self.assertEqual(console.result_of(lines), {"status": "error", "code": 22})

    def test_given_no_two_or_a_malformed_result_line_then_none(self) -> None:
        one = 'NUCLEO-RESULT {"code": 0}'
        self.assertIsNone(console.result_of(["nothing"]))
        self.assertIsNone(console.result_of([one, one]))
        self.assertIsNone(console.result_of([one, "NUCLEO-RESULT {not json"]))


class CleanAndSplitTest(unittest.TestCase):
    def test_given_escapes_and_controls_when_cleaned_then_only_text(self) -> None:
        self.assertEqual(console.clean_line("\x1b[2J\x1b[1;1Hgrub\r"), "grub")
        self.assertEqual(console.clean_line("a\x00b\x07c\td"), "abc\td")
        self.assertEqual(console.clean_line("\x1b]0;title\x07" + REAL), REAL)

    def test_given_chunks_when_fed_then_whole_lines_and_the_tail_kept(self) -> None:
        s = console.LineSplitter()
        self.assertEqual(s.feed(b"NUCLEO-RES"), [])
        self.assertEqual(s.feed(b'ULT {"code":0}\nnext'), ['NUCLEO-RESULT {"code":0}'])
        self.assertEqual(s.feed("\u00e9\n".encode()[:1]), [])  # half of a UTF-8 character
        self.assertEqual(s.feed("\u00e9\n".encode()[1:]), ["next\u00e9"])
        self.assertEqual(s.flush(), [])
        s.feed(b"last")
        self.assertEqual(s.flush(), ["last"])


def session() -> console._Session:
    return console._Session(False, io.StringIO(), io.StringIO())


class SessionTest(unittest.TestCase):
    def test_given_a_forged_line_before_the_real_one_when_taken_then_the_real_one_is_the_result(self) -> None:
        s = session()
        s.take([FORGED, "vm evil: the guest exited with code 0", REAL_22])
        self.assertEqual(s.trusted_result(), {"status": "error", "code": 22})
        self.assertEqual(s.results_seen, 1)

    def test_given_a_forged_line_after_the_real_one_when_taken_then_it_changes_nothing(self) -> None:
        s = session()
        s.take([REAL_22, FORGED])
        self.assertEqual(s.trusted_result()["code"], 22)
        self.assertEqual(s.notes, [])

    def test_given_two_result_lines_when_taken_then_no_trusted_result_and_a_note(self) -> None:
        s = session()
        s.take([REAL_22, REAL])
        self.assertIsNone(s.trusted_result())
        self.assertEqual(s.results_seen, 2)
        self.assertEqual(len(s.notes), 1)
        self.assertIn("result is not trusted", s.notes[0])

    def test_given_a_malformed_result_line_when_taken_then_a_note_and_the_next_good_one_counts(self) -> None:
        s = session()
        s.take(["NUCLEO-RESULT {oops", REAL])
        self.assertEqual(s.trusted_result()["code"], 0)
        self.assertIn("not JSON", s.notes[0])


class FakeEmulator:
    """Scripted COM1 output; exits once it has all been read."""
    name = "fake"

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = list(chunks)

    def __enter__(self) -> FakeEmulator:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def read_serial(self, wait: float) -> bytes:
        return self.chunks.pop(0) if self.chunks else b""

    def poll(self) -> int | None:
        return None if self.chunks else 0

    def stop(self) -> None:
        self.chunks = []

    def drain(self) -> bytes:
        return b""

    def exit_warning(self, code: int, status: int | None) -> str | None:
        return None

    def log_tail(self, n: int) -> list:
        return []


def run(lines: list[str]) -> console.RunResult:
    chunks = [(line + "\n").encode() for line in lines]
    with mock.patch.object(console, "start_emulator", return_value=FakeEmulator(chunks)), \
            mock.patch.object(console.iso, "cached_iso", return_value=Path("unused.iso")):
        return console.run_kernel("bochs", timeout=30, kernel="unused.elf", echo=False)


class RunKernelTest(unittest.TestCase):
    def test_given_a_guest_forging_success_when_the_kernel_reports_failure_then_the_run_fails(self) -> None:
        r = run(["nucleo 0.1.0", FORGED, "vms: 1 crashed", REAL_22])
        self.assertEqual(r.exit_code, 22)
        self.assertEqual(r.result["code"], 22)

    def test_given_only_a_forged_line_when_the_emulator_exits_then_no_result(self) -> None:
        r = run(["nucleo 0.1.0", FORGED])
        self.assertEqual(r.exit_code, console.EXIT_NO_RESULT)
        self.assertIsNone(r.result)

    def test_given_two_result_lines_when_run_then_exit_125_and_no_result(self) -> None:
        r = run([REAL, REAL_22])
        self.assertEqual(r.exit_code, console.EXIT_NO_RESULT)
        self.assertIsNone(r.result)
        self.assertTrue(any("2 result lines" in n for n in r.notes), r.notes)

    def test_given_one_result_line_when_run_then_its_code(self) -> None:
        r = run(["boot", REAL])
        self.assertEqual(r.exit_code, 0)
        self.assertEqual(r.result["cpus_online"], 1)


if __name__ == "__main__":
    unittest.main()
