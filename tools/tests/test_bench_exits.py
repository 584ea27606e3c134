# SPDX-License-Identifier: MIT
"""tools/nucleolib/bench_exits.py: the bench_pc lines of the two VMs
(bare, pc) and the rows comparing them."""
from __future__ import annotations

import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from nucleolib import bench_exits  # noqa: E402

CONSOLE = [
    "[bare] bench_pc: bench: cpuid 200",
    "[pc] bench_pc: bench: cpuid 210",
    "[bare] bench_pc: bench: port_read 280",
    "[other] bench_pc: bench: cpuid 999",      # not one of the two VMs: ignored
    "[pc] pc_smp: bench: cpuid 1",             # another guest's line: ignored
    "bench_pc: bench: cpuid 5",                # not a VM's console line
]


class PcRowsTest(unittest.TestCase):
    def test_lines_of_the_two_vms_are_parsed_and_others_ignored(self) -> None:
        self.assertEqual(bench_exits.parse_pc(CONSOLE),
                         {("bare", "cpuid"): 200, ("pc", "cpuid"): 210,
                          ("bare", "port_read"): 280})

    def test_rows_give_the_difference_and_say_failed_for_a_missing_value(self) -> None:
        rows = bench_exits.pc_rows(bench_exits.parse_pc(CONSOLE))
        self.assertIn("| CPUID (leaf 0) | 200 | 210 | +5.0 % |", rows)
        port = next(r for r in rows if r.startswith("| IN from port 0x61"))
        self.assertTrue(port.endswith("| 280 | failed | n/a |"), port)

    def test_the_report_carries_the_comparison_table(self) -> None:
        text = bench_exits.report({"cpuid": 196}, {"CPUID": (1, 95)}, "k",
                                  bench_exits.parse_pc(CONSOLE))
        self.assertIn("## With and without the virtual PC", text)
        self.assertIn("| CPUID (leaf 0) | 200 | 210 | +5.0 % |", text)


if __name__ == "__main__":
    unittest.main()
