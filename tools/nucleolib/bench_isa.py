# SPDX-License-Identifier: MIT
"""`nucleo bench isa`: the extended-instructions laboratory, measured
(docs/isa-lab.md, docs/bench-isa.md).

For each vCPU count (1, 2, 4, 7) it boots Bochs with one VM of that many
vCPUs running guests/isa_lab with every proposal enabled, on cores 1..N of
an (N+1)-core machine (core 0 stays with the hypervisor). The guest runs
each workload the baseline way and with the extended instruction, checks
that both give the same results, and prints per run

    isa: WORKLOAD MODE VCPUS OPS TICKS EXITS HV_TICKS EMUL_TICKS EXECUTED
         TARGETS ELIDED_IPIV ELIDED_PINTR ELIDED_OWN CHECK

With `clock: sync=none` a TSC tick is one instruction: every figure is in
instructions. Beside the measured baseline and the measured emulation, the
report gives the modelled hardware figures: the cost model of each proposal
(vmx/ext/isa_table.cpp, printed by nucleo-isa-docgen --costs) in place of
the emulation, and each exit a proposal removes priced at the guest-seen
round trip of the cheapest exit (`isa: null_exit`), a lower bound.

One more boot measures the cross-VM notify workload: two VMs of isa_lab,
one vCPU each, joined by a channel (ping=ROUNDS / pong=1), whose ping VM
prints the same lines for the round trip of both VMs.
"""
from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from . import build, console, svgplot, vm_config

VCPU_COUNTS = (1, 2, 4, 7)
MEMORY_MIB = 256
TIMEOUT_S = 1500.0
COMMAND = "tools/nucleo bench isa"

_LINE = re.compile(r"^\[(?:lab|ping)\] isa_lab: isa: (\w+) (base|ext) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) "
                   r"(\d+) (\d+) (\d+) (ok|FAIL)$")
_NULL = re.compile(r"^\[(?:lab|ping)\] isa_lab: isa: null_exit (\d+)$")
_DONE = re.compile(r"^\[(?:lab|ping)\] isa_lab: isa: done$")

# workload -> (its proposal, what the baseline does, what the extension does)
WORKLOADS = {
    "ipi": ("vipi", "ICR write (xAPIC page), handler counts and EOIs", "VIPI"),
    "tlb": ("vtlbi", "remap, INVLPG, IPI to each other vCPU, wait for acks", "VTLBI (remap + one instruction)"),
    "notify": ("vnotify", "NUCLEO_HC_CHANNEL_RING (VMCALL) by each VM", "VNOTIFY"),
    "migrate": ("binvept", "MIGRATE_PAGE, the hypervisor cross-calls INVEPT to the VM's cores (twice)",
                "MIGRATE_PAGE with the hypervisor's BINVEPT (twice)"),
}
# The workloads whose baseline times ICR writes (what IPIV does in hardware);
# notify's baseline times VMCALLs, which no feature removes.
_ICR_BASELINES = ("ipi", "ipi_idle", "tlb")
NOTIFY_ROUNDS = 100


@dataclass(frozen=True)
class Sample:
    ops: int
    ticks: int
    exits: int
    hv_ticks: int
    emul_ticks: int
    executed: int
    targets: int
    elided_ipiv: int
    elided_pintr: int
    elided_own: int
    ok: bool


@dataclass
class Boot:
    vcpus: int
    null_exit: int = 0
    samples: dict = None      # (workload, mode) -> Sample
    done: bool = False
    code: int | None = None
    result: dict | None = None  # the NUCLEO-RESULT object

    def __post_init__(self):
        self.samples = self.samples or {}


@dataclass(frozen=True)
class Cost:
    kind: str
    per_op: int         # instruction equivalents per execution / per removed exit
    per_target: int


def costs() -> dict[str, Cost]:
    """The table's cost model, from the generator that shares its code."""
    tool = build.build_dir() / "host-tests" / "nucleo-isa-docgen"
    out = subprocess.run([str(tool), "--costs"], check=True, text=True, stdout=subprocess.PIPE).stdout
    table = {}
    for line in out.splitlines():
        name, kind, per_op, per_target = line.split()
        table[name] = Cost(kind, int(per_op), int(per_target))
    return table


def parse(vcpus: int, lines: list[str]) -> Boot:
    boot = Boot(vcpus)
    boot.result = console.result_of(lines)
    for line in lines:
        if m := _LINE.match(line):
            nums = [int(x) for x in m.groups()[3:13]]
            boot.samples[(m.group(1), m.group(2))] = Sample(*nums, ok=m.group(14) == "ok")
        elif m := _NULL.match(line):
            boot.null_exit = int(m.group(1))
        elif _DONE.match(line):
            boot.done = True
    return boot


@dataclass(frozen=True)
class Figures:
    """Per operation: instructions the guest sees, exits, hypervisor instructions."""
    ticks: float
    exits: float
    hv: float | None


def measured(s: Sample) -> Figures:
    return Figures(s.ticks / s.ops, s.exits / s.ops, s.hv_ticks / s.ops)


def baseline_with_features(workload: str, s: Sample, null_exit: int, c: dict[str, Cost]) -> Figures:
    """The baseline on a processor with IPI virtualization and posted
    interrupts: the guest-seen time of its ICR writes (EMUL_TICKS of a base
    run of ipi and tlb) replaced by IPIV's cost, and each target
    notification exit by PINTR's cost instead of an exit round trip. The
    VMCALLs of notify's baseline stay: no feature removes a hypercall."""
    ticks = s.ticks - s.elided_pintr * null_exit + s.elided_pintr * c["pintr"].per_op
    if workload in _ICR_BASELINES:
        ticks += s.elided_ipiv * c["ipiv"].per_op - s.emul_ticks
    return Figures(ticks / s.ops, (s.exits - s.elided_ipiv - s.elided_pintr) / s.ops, None)


def idle_with_features(s: Sample, null_exit: int, c: dict[str, Cost]) -> Figures:
    """The idle-target round trips with IPIV, PINTR and VHLT: on top of
    baseline_with_features, each HLT exit (ELIDED_OWN of an ipi_idle run)
    gone, the woken target's re-entry priced at the cheapest exit's round
    trip and replaced by the halt's and the posted interrupt's cost."""
    f = baseline_with_features("ipi_idle", s, null_exit, c)
    saved = s.elided_own * (null_exit - c["vhlt"].per_op - c["pintr"].per_op) / s.ops
    return Figures(f.ticks - saved, f.exits - s.elided_own / s.ops, None)


def extension_on_hardware(workload: str, s: Sample, null_exit: int, c: dict[str, Cost]) -> Figures:
    """The extension's run with the instruction done by the processor: the
    guest-seen time inside it replaced by its cost model, and the exits the
    emulation needed (its #UD exits, the targets' kick exits) gone."""
    name = WORKLOADS[workload][0]
    hw = s.executed * c[name].per_op + s.targets * c[name].per_target
    ticks = s.ticks - s.emul_ticks + hw
    extra = s.elided_own
    if name in ("vipi", "vnotify"):
        # The target's notification exit is on the round trip's path, outside
        # the instruction; posted delivery replaces it, as for IPIV + PINTR.
        extra = s.elided_pintr
        ticks += extra * (c["pintr"].per_op - null_exit)
    return Figures(ticks / s.ops, (s.exits - s.executed - extra) / s.ops, None)


def migrate_on_hardware(s: Sample, c: dict[str, Cost]) -> Figures:
    """A migration with BINVEPT done by the processor: the hypervisor's
    ticks in the emulated instruction (EMUL_TICKS of a migrate ext run,
    measured in the hypervisor, inside the guest-timed hypercall) replaced by
    its cost model, and the cross-call's exit on each other running vCPU
    (TARGETS) gone. The hypervisor's part of the migration stays."""
    hw = s.executed * c["binvept"].per_op + s.targets * c["binvept"].per_target
    return Figures((s.ticks - s.emul_ticks + hw) / s.ops, (s.exits - s.targets) / s.ops,
                   (s.hv_ticks - s.emul_ticks + hw) / s.ops)


def migrate_table(boots: list[Boot], c: dict[str, Cost]) -> str:
    rows = ["| vCPUs | ops | baseline: instr/op | exits/op | of which invalidating (hv) | BINVEPT emulated: instr/op "
            "| exits/op | of which invalidating (hv) | BINVEPT on hardware (model): instr/op | exits/op "
            "| modelled speed-up |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    for b in boots:
        base, ext = b.samples.get(("migrate", "base")), b.samples.get(("migrate", "ext"))
        if base is None or ext is None:
            continue
        m, e, h = measured(base), measured(ext), migrate_on_hardware(ext, c)
        rows.append(f"| {b.vcpus} | {base.ops} | {_n(m.ticks)} | {_n(m.exits)} | {_n(base.emul_ticks / base.ops)} | "
                    f"{_n(e.ticks)} | {_n(e.exits)} | {_n(ext.emul_ticks / ext.ops)} | {_n(h.ticks)} | "
                    f"{_n(h.exits)} | {m.ticks / h.ticks:.2f}× |")
    return "\n".join(rows)


def _n(v: float | None) -> str:
    if v is None:
        return "—"
    return f"{v:,.0f}" if v >= 100 else f"{v:.1f}" if v >= 1 or v == 0 else f"{v:.2f}"


def table(boots: list[Boot], workload: str, c: dict[str, Cost]) -> str:
    first = "vCPUs per VM" if workload == "notify" else "vCPUs"
    features = "PINTR" if workload == "notify" else "IPIV + PINTR"
    rows = [f"| {first} | ops | baseline: instr/op | exits/op | hv instr/op | baseline + {features} (model): instr/op "
            "| exits/op | extension emulated: instr/op | exits/op | hv instr/op | extension on hardware (model): "
            "instr/op | exits/op | modelled speed-up |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for b in boots:
        base, ext = b.samples.get((workload, "base")), b.samples.get((workload, "ext"))
        if base is None:
            rows.append(f"| {b.vcpus} | — | (no baseline: {'one vCPU' if b.vcpus == 1 else 'run failed'}) "
                        "| | | | | | | | | | |")
            continue
        m, f = measured(base), baseline_with_features(workload, base, b.null_exit, c)
        cells = [str(b.vcpus), str(base.ops), _n(m.ticks), _n(m.exits), _n(m.hv), _n(f.ticks), _n(f.exits)]
        if ext is not None:
            e, h = measured(ext), extension_on_hardware(workload, ext, b.null_exit, c)
            cells += [_n(e.ticks), _n(e.exits), _n(e.hv), _n(h.ticks), _n(h.exits),
                      f"{m.ticks / h.ticks:.2f}×" if h.ticks > 0 else "—"]
        else:
            cells += ["—"] * 6
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def idle_table(boots: list[Boot], c: dict[str, Cost]) -> str:
    rows = ["| vCPUs | ops | baseline: instr/op | exits/op | hv instr/op | + IPIV + PINTR (model): instr/op | exits/op "
            "| + IPIV + PINTR + VHLT (model): instr/op | exits/op | modelled speed-up |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for b in boots:
        s = b.samples.get(("ipi_idle", "base"))
        if s is None:
            continue
        m, f, v = measured(s), baseline_with_features("ipi_idle", s, b.null_exit, c), idle_with_features(s, b.null_exit, c)
        rows.append(f"| {b.vcpus} | {s.ops} | {_n(m.ticks)} | {_n(m.exits)} | {_n(m.hv)} | {_n(f.ticks)} | "
                    f"{_n(f.exits)} | {_n(v.ticks)} | {_n(v.exits)} | {m.ticks / v.ticks:.2f}× |")
    return "\n".join(rows)


def exit_profile(boot: Boot) -> str:
    """Where a whole boot's exits come from (the result line's per-reason
    counts): the profile that points at the next proposal."""
    exits = (boot.result or {}).get("vm_results", {}).get("lab", {}).get("exits", {})
    total = sum(exits.values()) or 1
    rows = ["| exit reason | exits | share |", "|---|---|---|"]
    for reason, count in sorted(exits.items(), key=lambda kv: -kv[1]):
        rows.append(f"| {reason} | {count} | {100 * count / total:.0f} % |")
    return "\n".join(rows)


def chart(boots: list[Boot], c: dict[str, Cost]) -> str:
    plot = svgplot.LineChart("Extended instructions: instructions per operation against vCPUs (Bochs)",
                             svgplot.Axis("vCPUs", "linear", [1, 2, 4, 7]),
                             svgplot.Axis("instructions per operation", "log10"))
    styles = {"ipi": "#1f77b4", "tlb": "#d62728"}
    for workload, color in styles.items():
        base, feat, emul, hw = [], [], [], []
        for b in boots:
            s, e = b.samples.get((workload, "base")), b.samples.get((workload, "ext"))
            if s:
                base.append((b.vcpus, measured(s).ticks))
                feat.append((b.vcpus, baseline_with_features(workload, s, b.null_exit, c).ticks))
            if e:
                emul.append((b.vcpus, measured(e).ticks))
                hw.append((b.vcpus, extension_on_hardware(workload, e, b.null_exit, c).ticks))
        mnemonic = WORKLOADS[workload][2].split()[0]
        plot.add(svgplot.Series(f"{workload}: baseline", base, color))
        if workload == "ipi":
            plot.add(svgplot.Series(f"{workload}: baseline + IPIV + PINTR (model)", feat, color, "2,3", "square"))
        plot.add(svgplot.Series(f"{workload}: {mnemonic} emulated", emul, color, "6,3"))
        plot.add(svgplot.Series(f"{workload}: {mnemonic} on hardware (model)", hw, color, "1,3", "square"))
    return plot.render()


def _pick(boots: list[Boot], workload: str, vcpus: int):
    for b in boots:
        if b.vcpus == vcpus:
            return b, b.samples.get((workload, "base")), b.samples.get((workload, "ext"))
    return None, None, None


def report(boots: list[Boot], c: dict[str, Cost], notify: Boot | None = None) -> str:
    k = boots[-1].vcpus if boots else 0
    b, ipi_base, ipi_ext = _pick(boots, "ipi", k)
    _, tlb_base, tlb_ext = _pick(boots, "tlb", k)
    _, idle, _ = _pick(boots, "ipi_idle", k)
    b1, tlb1_base, tlb1_ext = _pick(boots, "tlb", 1)

    def f(fig, attr="ticks"):
        return _n(getattr(fig, attr)) if fig else "—"

    null_exits = ", ".join(f"{x.vcpus} vCPUs: {x.null_exit}" for x in boots)
    m_ipi, m_tlb, m_tlb1 = (measured(x) if x else None for x in (ipi_base, tlb_base, tlb1_base))
    e_ipi, e_tlb, e_tlb1 = (measured(x) if x else None for x in (ipi_ext, tlb_ext, tlb1_ext))
    hw_ipi = extension_on_hardware("ipi", ipi_ext, b.null_exit, c) if ipi_ext else None
    hw_tlb = extension_on_hardware("tlb", tlb_ext, b.null_exit, c) if tlb_ext else None
    ft_ipi = baseline_with_features("ipi", ipi_base, b.null_exit, c) if ipi_base else None
    ft_tlb = baseline_with_features("tlb", tlb_base, b.null_exit, c) if tlb_base else None
    # From which vCPU count on VTLBI (model) beats the shootdown with IPIV + PINTR (model).
    crossover = next((x.vcpus for x in boots
                      if ("tlb", "base") in x.samples and ("tlb", "ext") in x.samples and x.vcpus > 1
                      and extension_on_hardware("tlb", x.samples[("tlb", "ext")], x.null_exit, c).ticks
                      < baseline_with_features("tlb", x.samples[("tlb", "base")], x.null_exit, c).ticks), None)
    shootdown_curve = ", ".join(
        f"{_n(baseline_with_features('tlb', x.samples[('tlb', 'base')], x.null_exit, c).ticks)} at {x.vcpus}"
        for x in boots if ("tlb", "base") in x.samples)
    vtlbi_curve = ", ".join(
        f"{_n(extension_on_hardware('tlb', x.samples[('tlb', 'ext')], x.null_exit, c).ticks)} at {x.vcpus}"
        for x in boots if ("tlb", "ext") in x.samples)
    cross = (f"VTLBI is the cheaper of the two from {crossover} vCPUs on" if crossover else
             "VTLBI is not cheaper at any vCPU count measured")
    notify_section, notify_finding = _notify_text(notify, c)
    text = f"""# Extended instructions, measured (Bochs)

Generated by `{COMMAND}` ([isa-lab.md](isa-lab.md), the proposals in
[isa/README.md](isa/README.md)). One Bochs boot per vCPU count: a VM of N
vCPUs on cores 1..N of an (N+1)-core machine, running guests/isa_lab with
every proposal enabled (`extensions = ["vipi", "ipiv", "vtlbi", "pintr"]`).
The guest runs each workload the baseline way, then with the extended
instruction, in the same boot, and checks that both give the same
guest-visible results (every ping counted by the right vCPU; every vCPU
reading the remapped page). All figures are **instructions** (Bochs with
`clock: sync=none`: a TSC tick is one instruction), per operation.

- **ipi**: one round trip: vCPU 0 sends a fixed IPI to vCPU *t* and waits
  until *t*'s handler counted it, for each other vCPU in turn. The targets
  are busy (spinning with interrupts on), the case where posted interrupts
  matter.
- **tlb**: one remap of a page every vCPU has cached, made visible on all
  vCPUs: the baseline INVLPGs locally and sends an IPI to each other vCPU,
  whose handler INVLPGs and acknowledges; the extension is one VTLBI.

Columns: *measured* figures are what the guest and the hypervisor saw;
*(model)* figures replace what the emulation did by what the hardware would
do. The guest times the instructions a proposal would do in hardware (the
extended instruction in an extension run, the ICR writes in a baseline run)
and the model puts the proposal's cost (units and calibration in
[isa/README.md](isa/README.md#cost-model)) in their place; an exit a
proposal removes outside those instructions (a target's notification exit)
is priced at the guest-seen round trip of the cheapest exit, measured in
the same boot ({null_exits} instructions), and replaced by the posted
interrupt's cost. *Modelled speed-up* is the measured baseline over the
extension on hardware.

## ipi: direct virtual IPI (VIPI), IPI virtualization (IPIV), posted interrupts (PINTR)

{table(boots, "ipi", c)}

## ipi_idle: the same round trips to idle targets, and HLT in the guest (VHLT)

The targets wait in `STI; HLT`, as idle vCPUs do. Where the exits come from
decided this proposal: with busy targets IPIV and PINTR remove both exits
of a round trip, but an idle target still leaves the guest at every HLT and
needs the hypervisor to bring it back for each interrupt. VHLT keeps the HLT
in non-root and lets the posted interrupt wake it (docs/isa/vhlt.md).

{idle_table(boots, c)}

## tlb: broadcast TLB invalidation (VTLBI)

{table(boots, "tlb", c)}

{notify_section}

![instructions per operation against vCPUs](bench-isa.svg)

## migrate: broadcast INVEPT in VMX root (BINVEPT)

A root-mode instruction: the hypervisor, not the guest, executes it. Every
vCPU keeps incrementing its counter in one page while vCPU 0 asks the
hypervisor (`NUCLEO_HC_MIGRATE_PAGE`) to move that page to another host
frame; each migration write-protects the page and invalidates, copies,
remaps and invalidates again, and after each every counter must hold all
its vCPU's increments (a stale translation would have lost some). One
operation is one migration, timed by the guest around the hypercall; the
hypervisor's two invalidations are measured by the hypervisor itself
(ISA_STATS) and shown beside it. Baseline: the hypervisor cross-calls INVEPT
to every core of the VM (an external-interrupt exit on each other running
vCPU); emulated, the BINVEPT bytes raise #UD in the hypervisor, whose
handler runs the same cross-call; on hardware (model) the instruction's
cost replaces both the cross-call and its exits.

{migrate_table(boots, c)}

{migrate_paragraph(boots, c)}

## Where the exits of the SMP guest come from

All exits of the {k}-vCPU boot by reason (console output included), from its
result line. Beside the serial console's port accesses (one exit per
register access of the 16550, the subject of [bench-fv-pv.md](bench-fv-pv.md)),
they are the IPIs' APIC writes and external interrupts, the idle vCPUs'
HLTs and the emulated instructions' #UD exits:

{exit_profile(boots[-1]) if boots else ""}

## What the numbers say

- **VIPI and IPIV.** At {k} vCPUs a baseline IPI round trip costs {f(m_ipi)} instructions and {f(m_ipi, "exits")}
  exits: the sender's APIC-write exit for the ICR and the target's external-interrupt exit from the host IPI
  that makes its core look. Emulated, VIPI is dearer ({f(e_ipi)} instructions: its #UD exit, fetch and decode
  cost more than the processor's APIC-write trap). Done by the processor, VIPI leaves {f(hw_ipi, "exits")} exits
  per round trip and {f(hw_ipi)} instructions under the model; the transparent form, IPIV with posted
  interrupts, does the same work with no new instruction ({f(ft_ipi)} instructions, {f(ft_ipi, "exits")} exits).
  A round trip involves two vCPUs whatever their number, so neither curve grows. VIPI adds nothing measurable
  over IPIV: the proposal worth having is IPIV plus posted interrupts, which needs no guest change.
- **VTLBI.** The shootdown grows with the vCPU count: an ICR exit and a target exit per other vCPU
  ({f(m_tlb, "exits")} exits, {f(m_tlb)} instructions per remap at {k} vCPUs). Emulated, VTLBI needs one exit on
  the sender and a kick exit per running target ({f(e_tlb, "exits")} exits, {f(e_tlb)} instructions). In
  hardware it needs none, and since the acknowledgements travel in parallel its modelled cost is nearly flat
  ({vtlbi_curve} vCPUs), while even the shootdown with IPIV and posted interrupts grows with every target
  ({shootdown_curve} vCPUs): {cross}. Below that, IPIV plus posted interrupts already remove the exits and the
  broadcast's two interconnect messages cost more than they save.
- **VHLT.** With idle targets a round trip costs {f(measured(idle) if idle else None)} instructions and
  {f(measured(idle) if idle else None, "exits")} exits; IPIV and PINTR remove only the ICR's exit
  ({f(baseline_with_features("ipi_idle", idle, b.null_exit, c) if idle else None, "exits")} left: the HLT), VHLT the rest
  ({f(idle_with_features(idle, b.null_exit, c) if idle else None)} instructions under the model). The removed
  HLT exit is priced at the cheapest exit's round trip: the re-entry of the woken target is on the round trip's
  path, the exit when it halts again is not, so this saving is an estimate, not a bound. The price on real
  hardware is that a halted vCPU keeps its core, which static partitioning gives anyway.
{notify_finding}
- **Where it does not pay.** With one vCPU there is nobody to shoot down: the baseline is a local INVLPG
  ({f(m_tlb1)} instructions, no exit), while emulated VTLBI costs an exit ({f(e_tlb1)} instructions) and even
  in hardware its broadcast would cost more than the INVLPG. A guest should use VTLBI only when other vCPUs
  may hold the translation (as Linux uses INVLPGB on AMD only for multi-CPU flushes).
- **Caveat of the model.** Bochs delivers a host IPI within the sending instruction, so the measured
  baselines pay no interconnect latency, while the model charges the proposals their interconnect messages
  ({c['vipi'].per_op} instruction equivalents for VIPI, {c['vtlbi'].per_op} for VTLBI's broadcast): the
  comparison is conservative against the proposals.
"""
    return text


def migrate_paragraph(boots: list[Boot], c: dict[str, Cost]) -> str:
    rows = [(b.vcpus, b.samples.get(("migrate", "base")), b.samples.get(("migrate", "ext"))) for b in boots]
    rows = [(n, base, ext) for n, base, ext in rows if base and ext]
    if not rows:
        return "(no migrate runs)"
    n, base, ext = rows[-1]
    inval_base = ", ".join(f"{_n(x.emul_ticks / x.ops)} at {k}" for k, x, _ in rows)
    inval_hw = ", ".join(f"{_n((e.executed * c['binvept'].per_op + e.targets * c['binvept'].per_target) / e.ops)} "
                         f"at {k}" for k, _, e in rows)
    exits = ", ".join(f"{_n(x.exits / x.ops)} at {k}" for k, x, _ in rows)
    speedups = [migrate_on_hardware(e, c).ticks for _, _, e in rows]
    gains = ", ".join(f"{measured(x).ticks / h:.2f}× at {k}" for (k, x, _), h in zip(rows, speedups))
    (k0, b0, _), (k1, b1, _) = rows[0], rows[-1]
    slope = (b1.emul_ticks / b1.ops - b0.emul_ticks / b0.ops) / (k1 - k0) if k1 > k0 else 0.0
    return (f"What the numbers say: the hypervisor's two invalidations per migration cost {inval_base} vCPUs "
            f"(instructions): a fixed part and about {_n(slope)} per further core, the IPI and acknowledgement "
            f"of each. Bochs delivers an IPI within the sending instruction, so that per-core part has no "
            f"interconnect latency in it. What grows faster with the vCPUs is the exits ({exits} vCPUs per "
            f"migration): each other running vCPU takes an external-interrupt exit per invalidation, and its "
            f"writes to the page retry on EPT violations while the page is copied. Emulated, BINVEPT runs the "
            f"same cross-call after the #UD, the decode and the trampoline ({_n(ext.emul_ticks / ext.ops)} "
            f"against {_n(base.emul_ticks / base.ops)} at {n} vCPUs): the emulation shows that the hypervisor's "
            f"code runs unchanged on the instruction, not that it is cheap. The model charges two interconnect "
            f"messages and per-core bookkeeping ({inval_hw} vCPUs) and removes the targets' exits; modelled speed-up "
            f"{gains}. **In this latency-free setting BINVEPT does not pay:** its two modelled messages cost more "
            f"than a cross-call whose IPIs arrive at once, and the migration's copy and EPT edits dominate "
            f"either way. It would pay where an IPI round trip costs more than the broadcast, that is on real "
            f"hardware with many cores, and where the targets' exits matter more than the sender's time. (Until "
            f"this report's run, `run_on_cpus` walked all 512 CPU slots twice per call, about 20,000 "
            f"instructions, which made BINVEPT look 2.3× better; the laboratory found that overhead.)")


def _notify_text(notify: Boot | None, c: dict[str, Cost]) -> tuple[str, str]:
    """The notify section (its table) and its finding in "What the numbers say"."""
    head = "## notify: cross-VM notify (VNOTIFY)\n\n"
    base = notify.samples.get(("notify", "base")) if notify else None
    ext = notify.samples.get(("notify", "ext")) if notify else None
    if base is None or ext is None:
        return head + "(no run: the two-VM boot failed or was skipped)", \
            "- **VNOTIFY.** Not measured in this report (the two-VM boot failed or was skipped)."
    m, f = measured(base), baseline_with_features("notify", base, notify.null_exit, c)
    e, h = measured(ext), extension_on_hardware("notify", ext, notify.null_exit, c)
    section = head + f"""A separate boot: two VMs of guests/isa_lab, one vCPU each (cores 1 and 2 of a 3-core machine),
joined by a 4-KiB channel, with `extensions = ["vnotify", "pintr"]`. One operation is a round trip: the
ping VM writes a request into the shared region and rings the pong VM's doorbell, the pong VM answers in
the region and rings back; every answer's payload is checked, and both runs must give the same answers.
Baseline: each ring is `NUCLEO_HC_CHANNEL_RING` (a VMCALL); extension: each ring is VNOTIFY. Each VM
counts only its own exits, so the pong VM publishes its figures of the run in the region and the
figures below are the round trip's, both VMs together; the guest-timed instructions are both VMs'
rings (null exit {notify.null_exit} instructions).

{table([notify], "notify", c)}"""
    finding = f"""- **VNOTIFY.** A cross-VM round trip by hypercall costs {_n(m.ticks)} instructions and {_n(m.exits)}
  exits: each VM's VMCALL and each VM's external-interrupt exit from the host IPI that brings the doorbell.
  Posted interrupts alone remove the two notification exits ({_n(f.ticks)} instructions, {_n(f.exits)} exits
  under the model) but not the VMCALLs, which no VMX feature removes. Emulated, VNOTIFY is dearer than the
  VMCALL ({_n(e.ticks)} instructions: its #UD exit, fetch and decode). Done by the processor it leaves
  {_n(h.exits)} exits and {_n(h.ticks)} instructions per round trip under the model, {m.ticks / h.ticks:.2f}× the
  hypercall's speed: unlike VIPI, which IPIV makes redundant, the cross-VM ring has no transparent form
  (a doorbell to another VM is no ICR write), so the instruction is the only way to take the exit out."""
    return section, finding


def _notify_config() -> str:
    vm = ('[[vm]]\nname = "{name}"\ncores = [{core}]\nmemory = "16M"\nkernel = "isa_lab.elf"\ncmdline = "{cmd}"\n'
          'devices = ["uart", "debug-exit", "lapic"]\nextensions = ["vnotify", "pintr"]\n\n')
    return (f"# written by {COMMAND}\n" + vm.format(name="ping", core=1, cmd=f"ping={NOTIFY_ROUNDS}")
            + vm.format(name="pong", core=2, cmd="pong=1")
            + '[[channel]]\nname = "notify"\nvms = ["ping", "pong"]\nsize = "4K"\n')


def _lab_config(vcpus: int, names: list[str]) -> str:
    cores = ", ".join(str(i) for i in range(1, vcpus + 1))
    extensions = ", ".join(f'"{n}"' for n in names)
    return (f'# written by {COMMAND}\n[[vm]]\nname = "lab"\ncores = [{cores}]\nmemory = "16M"\n'
            f'kernel = "isa_lab.elf"\ndevices = ["uart", "debug-exit", "lapic"]\nextensions = [{extensions}]\n')


def _boot(tag: str, config: str, cores: int, vcpus: int, kernel: Path, timeout: float) -> tuple[Boot, list[str]]:
    """One Bochs boot of a written configuration; its console is kept as
    <build>/bench-isa/console_TAG.txt (what --from-logs reads)."""
    cfg_dir = build.build_dir() / "bench-isa"
    cfg_dir.mkdir(parents=True, exist_ok=True)
    cfg = cfg_dir / f"isa_{tag}.toml"
    cfg.write_text(config)
    found = vm_config.images(cfg)
    vm_config.report(found)
    if found.problems:
        raise ValueError("; ".join(found.problems))
    res = console.run_kernel("bochs", cores, MEMORY_MIB, timeout, "", modules=found.modules, kernel=kernel,
                             echo=False)
    (cfg_dir / f"console_{tag}.txt").write_text("\n".join(res.lines) + "\n")
    boot = parse(vcpus, res.lines)
    boot.code = res.exit_code
    boot.result = boot.result or res.result
    return boot, res.notes


def run_notify(kernel: Path, timeout: float) -> tuple[Boot, list[str]]:
    """The two-VM boot of the notify workload (cores 1 and 2 of 3)."""
    return _boot("notify", _notify_config(), 3, 1, kernel, timeout)


def run_one(vcpus: int, kernel: Path, timeout: float, names: list[str]) -> tuple[Boot, list[str]]:
    """A VM of `vcpus` vCPUs on cores 1..vcpus of a (vcpus + 1)-core machine."""
    return _boot(str(vcpus), _lab_config(vcpus, names), vcpus + 1, vcpus, kernel, timeout)


def write(boots: list[Boot], c: dict[str, Cost], out_dir: Path, notify: Boot | None = None) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "bench-isa.svg").write_text(chart(boots, c))
    path = out_dir / "bench-isa.md"
    path.write_text(report(boots, c, notify))
    return path


def cmd_isa(args, cmdline: str, make_kernel) -> int:
    """Entry point of `nucleo bench isa`."""
    if cmdline:
        print("nucleo: bench sets the kernel command line itself; drop the arguments after --")
        return 2
    out_dir = Path(args.out_dir) if args.out_dir else build.repo_root() / "docs"
    counts = [n for n in VCPU_COUNTS if not args.max_vcpus or n <= args.max_vcpus]
    log_dir = build.build_dir() / "bench-isa"
    if args.from_logs:
        build.build("nucleo-isa-docgen")
        boots = [parse(n, [console.clean_line(l) for l in
                           (log_dir / f"console_{n}.txt").read_text(errors="replace").splitlines()])
                 for n in counts]
        notify_log = log_dir / "console_notify.txt"
        notify = parse(1, [console.clean_line(l) for l in notify_log.read_text(errors="replace").splitlines()]) \
            if notify_log.exists() else None
        print(f"nucleo: wrote {write(boots, costs(), out_dir, notify)}")
        return 0 if all(b.done for b in boots) and notify is not None and notify.done else 1
    kernel = make_kernel(getattr(args, "kernel", None))
    build.build(vm_config.GUESTS_TARGET)
    build.build("nucleo-isa-docgen")
    c = costs()
    boots = []
    failed = False
    def checked(what: str, boot: Boot, notes: list[str]) -> Boot:
        nonlocal failed
        for note in notes:
            print(f"nucleo: {note}")
        if boot.code != 0 or not boot.done or not all(s.ok for s in boot.samples.values()):
            print(f"nucleo: the {what} run failed (code {boot.code}, done {boot.done}); its console is in {log_dir}")
            failed = True
        return boot

    for n in counts:
        print(f"nucleo: bench isa: {n} vCPU(s) ...", flush=True)
        boots.append(checked(f"{n}-vCPU", *run_one(n, kernel, args.timeout or TIMEOUT_S,
                                                    [k for k, x in c.items() if x.kind != "root"])))
    print("nucleo: bench isa: notify (two VMs, one vCPU each) ...", flush=True)
    notify = checked("notify", *run_notify(kernel, args.timeout or TIMEOUT_S))
    path = write(boots, c, out_dir, notify)
    print(path.read_text())
    print(f"nucleo: wrote {path} and {out_dir / 'bench-isa.svg'} (consoles kept in {log_dir})")
    return 1 if failed else 0
