# SPDX-License-Identifier: MIT
"""tools/nucleolib/bench_isa.py: parsing isa_lab's lines and the model's
arithmetic (what replaces the emulation, which exits it removes)."""
from __future__ import annotations

import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from nucleolib import bench_isa  # noqa: E402
from nucleolib.bench_isa import Cost  # noqa: E402

COSTS = {"vipi": Cost("instruction", 700, 0), "ipiv": Cost("feature", 700, 0),
         "vtlbi": Cost("instruction", 500, 100), "pintr": Cost("feature", 100, 0),
         "vhlt": Cost("feature", 50, 0), "vnotify": Cost("instruction", 700, 0),
         "binvept": Cost("root", 1000, 10)}
CONSOLE = [
    "[lab] isa_lab: isa: null_exit 600",
    "[lab] isa_lab: isa: ipi base 3 200 240000 400 110000 150000 0 0 200 200 0 ok",
    "[lab] isa_lab: isa: ipi ext 3 200 340000 400 220000 290000 200 200 0 200 0 ok",
    "[lab] isa_lab: isa: tlb base 3 50 100000 200 56000 0 0 0 100 100 0 ok",
    "[lab] isa_lab: isa: tlb ext 3 50 80000 150 70000 80000 50 100 0 0 100 ok",
    "[pc] pc_smp: isa: ipi base 3 1 1 1 1 0 0 0 0 0 0 ok",   # another VM's line: ignored
    "[lab] isa_lab: isa: done",
]
# The two-VM boot: the ping VM reports the round trip of both VMs.
NOTIFY = [
    "[ping] isa_lab: isa: null_exit 600",
    "[pong] isa_lab: isa: null_exit 650",   # the pong VM's own: ignored
    "[ping] isa_lab: isa: notify base 1 100 300000 400 150000 120000 0 0 0 200 0 ok",
    "[ping] isa_lab: isa: notify ext 1 100 400000 400 260000 230000 200 200 0 200 0 ok",
    "[ping] isa_lab: isa: done",
]


class ParseTest(unittest.TestCase):
    def test_lines_become_samples_and_other_vms_lines_are_ignored(self) -> None:
        boot = bench_isa.parse(3, CONSOLE)
        self.assertTrue(boot.done)
        self.assertEqual(boot.null_exit, 600)
        self.assertEqual(len(boot.samples), 4)
        ext = boot.samples[("tlb", "ext")]
        self.assertEqual((ext.ops, ext.ticks, ext.exits, ext.executed, ext.targets, ext.elided_own),
                         (50, 80000, 150, 50, 100, 100))
        self.assertTrue(ext.ok)

    def test_a_failed_run_is_kept_as_not_ok(self) -> None:
        boot = bench_isa.parse(2, ["[lab] isa_lab: isa: ipi ext 2 10 1 1 1 1 1 1 0 0 0 FAIL"])
        self.assertFalse(boot.samples[("ipi", "ext")].ok)
        self.assertFalse(boot.done)


class ModelTest(unittest.TestCase):
    def setUp(self) -> None:
        self.boot = bench_isa.parse(3, CONSOLE)

    def test_vipi_on_hardware_drops_its_ud_exits_and_the_targets_notification_exits(self) -> None:
        s = self.boot.samples[("ipi", "ext")]
        f = bench_isa.extension_on_hardware("ipi", s, 600, COSTS)
        # 340000 - 290000 emulated + 200 * 700 modelled, 200 notification exits at 100 instead of 600
        self.assertAlmostEqual(f.ticks, (340000 - 290000 + 200 * 700 + 200 * (100 - 600)) / 200)
        self.assertAlmostEqual(f.exits, (400 - 200 - 200) / 200)

    def test_vtlbi_on_hardware_prices_each_target_and_drops_the_kick_exits(self) -> None:
        s = self.boot.samples[("tlb", "ext")]
        f = bench_isa.extension_on_hardware("tlb", s, 600, COSTS)
        self.assertAlmostEqual(f.ticks, (80000 - 80000 + 50 * 500 + 100 * 100) / 50)
        self.assertAlmostEqual(f.exits, (150 - 50 - 100) / 50)

    def test_baseline_with_the_features_swaps_each_removed_exit_for_the_features_cost(self) -> None:
        s = self.boot.samples[("ipi", "base")]
        f = bench_isa.baseline_with_features("ipi", s, 600, COSTS)
        # the ICR writes' 150000 replaced by IPIV's 700 each, the notification exits by PINTR's 100
        self.assertAlmostEqual(f.ticks, (240000 - 150000 + 200 * 700 - 200 * 600 + 200 * 100) / 200)
        self.assertAlmostEqual(f.exits, 0.0)

    def test_idle_targets_with_vhlt_lose_the_hlt_exit_and_its_reentry(self) -> None:
        s = bench_isa.parse(3, ["[lab] isa_lab: isa: ipi_idle base 3 200 300000 400 700000 150000 0 0 200 0 200 ok"]
                            ).samples[("ipi_idle", "base")]
        f = bench_isa.idle_with_features(s, 600, COSTS)
        # IPIV: the ICR writes' 150000 become 200 * 700; VHLT: 200 re-entries of 600 become 50 + 100
        self.assertAlmostEqual(f.ticks, (300000 - 150000 + 200 * 700 - 200 * (600 - 50 - 100)) / 200)
        self.assertAlmostEqual(f.exits, 0.0)

    def test_binvept_on_hardware_replaces_the_hypervisors_invalidations_and_the_targets_exits(self) -> None:
        s = bench_isa.parse(3, ["[lab] isa_lab: isa: migrate ext 3 20 900000 200 800000 300000 40 80 0 0 0 ok"]
                            ).samples[("migrate", "ext")]
        f = bench_isa.migrate_on_hardware(s, COSTS)
        # 300000 hypervisor ticks in the emulated BINVEPTs become 40 * 1000 + 80 * 10
        self.assertAlmostEqual(f.ticks, (900000 - 300000 + 40 * 1000 + 80 * 10) / 20)
        self.assertAlmostEqual(f.exits, (200 - 80) / 20)
        self.assertAlmostEqual(f.hv, (800000 - 300000 + 40 * 1000 + 80 * 10) / 20)

    def test_the_migrate_table_needs_both_runs_and_shows_the_invalidation_cost(self) -> None:
        boot = bench_isa.parse(3, [
            "[lab] isa_lab: isa: migrate base 3 20 1000000 280 900000 400000 0 0 0 0 80 ok",
            "[lab] isa_lab: isa: migrate ext 3 20 900000 200 800000 300000 40 80 0 0 0 ok"])
        text = bench_isa.migrate_table([boot, bench_isa.parse(1, [])], COSTS)
        self.assertIn("| 3 | 20 | 50,000 | 14.0 | 20,000 | 45,000 | 10.0 | 15,000 |", text)
        self.assertEqual(len(text.splitlines()), 3)  # the header, its rule and the one boot with both runs

    def test_the_exit_profile_lists_reasons_by_count(self) -> None:
        boot = bench_isa.Boot(7, result={"vm_results": {"lab": {"exits": {"HLT": 10, "APIC write": 30}}}})
        text = bench_isa.exit_profile(boot)
        self.assertLess(text.index("APIC write"), text.index("HLT"))
        self.assertIn("| APIC write | 30 | 75 % |", text)

    def test_notify_baseline_with_posted_interrupts_keeps_the_vmcalls(self) -> None:
        s = bench_isa.parse(1, NOTIFY).samples[("notify", "base")]
        f = bench_isa.baseline_with_features("notify", s, 600, COSTS)
        # only the 200 notification exits go (600 -> PINTR's 100); the rings' 120000 stay
        self.assertAlmostEqual(f.ticks, (300000 - 200 * 600 + 200 * 100) / 100)
        self.assertAlmostEqual(f.exits, (400 - 200) / 100)

    def test_vnotify_on_hardware_drops_both_vms_ud_exits_and_notification_exits(self) -> None:
        boot = bench_isa.parse(1, NOTIFY)
        self.assertEqual(boot.null_exit, 600)
        self.assertTrue(boot.done)
        f = bench_isa.extension_on_hardware("notify", boot.samples[("notify", "ext")], 600, COSTS)
        self.assertAlmostEqual(f.ticks, (400000 - 230000 + 200 * 700 + 200 * (100 - 600)) / 100)
        self.assertAlmostEqual(f.exits, 0.0)

    def test_the_report_has_the_notify_section_or_says_it_is_missing(self) -> None:
        text = bench_isa.report([self.boot], COSTS, bench_isa.parse(1, NOTIFY))
        self.assertIn("## notify: cross-VM notify (VNOTIFY)", text)
        self.assertIn("| vCPUs per VM | ops | baseline: instr/op | exits/op | hv instr/op | baseline + PINTR", text)
        self.assertIn("| 1 | 100 | 3,000 | 4.0 |", text)
        self.assertIn("- **VNOTIFY.** A cross-VM round trip", text)
        self.assertIn("the two-VM boot failed or was skipped", bench_isa.report([self.boot], COSTS))

    def test_the_report_has_both_tables_and_says_where_the_proposal_does_not_pay(self) -> None:
        one = bench_isa.parse(1, ["[lab] isa_lab: isa: null_exit 600",
                                  "[lab] isa_lab: isa: tlb base 1 50 5000 0 0 0 0 0 0 0 0 ok",
                                  "[lab] isa_lab: isa: tlb ext 1 50 40000 50 30000 40000 50 0 0 0 0 ok",
                                  "[lab] isa_lab: isa: done"])
        text = bench_isa.report([one, self.boot], COSTS)
        self.assertIn("## ipi: direct virtual IPI", text)
        self.assertIn("## tlb: broadcast TLB invalidation", text)
        self.assertIn("Where it does not pay", text)
        self.assertIn("| 1 | 50 | 100 | 0.0 |", text)
        self.assertIn("(no baseline: one vCPU)", text)


if __name__ == "__main__":
    unittest.main()
