# SPDX-License-Identifier: MIT
"""tools/nucleolib/progress.py: a victim's ticks must be gap-free and go on
while the attacker is down; each attack's pace is measured against quiet."""
from __future__ import annotations

import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from nucleolib import progress  # noqa: E402


def ticks(tscs: list[int], total: int | None = None) -> list[str]:
    n = total or len(tscs)
    return [f"[v] mb2_hello: tick {i + 1}/{n} tsc {t}" for i, t in enumerate(tscs)]


class ProgressTest(unittest.TestCase):
    def test_gap_free_ticks_through_a_restart_pass_and_each_phase_is_measured(self) -> None:
        lines = ticks([100, 200, 300, 400, 500, 600, 700, 800])
        lines.insert(3, "[a] hostile: cache: 10 x WBINVD from TSC 0xc8 to 0x190: returned: contained")
        lines.insert(5, "vm a: restarted (restart 1); down from TSC 350 to 560")
        p = progress.analyse(lines, "v", "a")
        self.assertEqual(p.problems, [])
        self.assertEqual(p.quiet_median, 100)
        names = [ph.name for ph in p.phases]
        self.assertEqual(names, ["a: cache: 10 x WBINVD", "a down, restart 1"])
        self.assertEqual(p.phases[1].ticks, 2)
        self.assertTrue(any("1.00x quiet" in row for row in progress.report(p)))

    def test_a_missing_tick_is_a_gap(self) -> None:
        lines = ticks([100, 200, 300, 400])
        del lines[2]
        p = progress.analyse(lines, "v", "a")
        self.assertTrue(any("a gap" in msg for msg in p.problems))

    def test_a_tsc_that_goes_back_fails(self) -> None:
        p = progress.analyse(ticks([100, 200, 150, 400]), "v", "a")
        self.assertTrue(any("does not increase" in msg for msg in p.problems))

    def test_no_tick_while_the_attacker_was_down_fails(self) -> None:
        lines = ticks([100, 200, 900, 1000]) + ["vm a: restarted (restart 2); down from TSC 300 to 800"]
        p = progress.analyse(lines, "v", "a")
        self.assertTrue(any("no tick while a was down for restart 2" in msg for msg in p.problems))

    def test_a_restart_after_the_victim_finished_is_not_held_against_it(self) -> None:
        lines = ticks([100, 200]) + ["vm a: restarted (restart 3); down from TSC 300 to 800"]
        self.assertEqual(progress.analyse(lines, "v", "a").problems, [])

    def test_fewer_ticks_than_announced_fail(self) -> None:
        p = progress.analyse(ticks([100, 200], total=5), "v", "a")
        self.assertTrue(any("2 ticks, expected 5" in msg for msg in p.problems))

    def test_a_forged_tick_from_another_vm_does_not_count(self) -> None:
        lines = ticks([100, 200]) + ["[a] mb2_hello: tick 3/2 tsc 300"]
        p = progress.analyse(lines, "v", "a")
        self.assertEqual(p.problems, [])
        self.assertEqual(p.ticks, 2)


if __name__ == "__main__":
    unittest.main()
