// SPDX-License-Identifier: MIT
// The proposals (isa_table.hpp). The prose here is what docs/isa/ shows:
// tools/nucleo isa-docs regenerates the pages from it and a test checks
// that the committed pages match.
#include "vmx/ext/isa_table.hpp"

namespace nucleo::vmx::ext {

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::guest_instruction:
      return "guest instruction";
    case Kind::root_instruction:
      return "root-mode instruction";
    case Kind::vmx_feature:
      return "VMX feature";
  }
  return "?";
}

const Proposal kProposals[kIdCount] = {
    {
        .id = Id::vipi,
        .name = "vipi",
        .mnemonic = "VIPI",
        .kind = Kind::guest_instruction,
        .title = "Direct virtual IPI",
        .opcode = 0x01,
        .operands = "r32, r32",
        .operand_roles = "ModRM.reg: destination APIC ID of a vCPU of the same VM (bits 31:0; FFFFFFFFH: every vCPU "
                         "of the VM but the sender). ModRM.rm: vector (bits 7:0; bits 31:8 reserved, 0). In 64-bit "
                         "mode REX.R and REX.B extend the register numbers; bits 63:32 are ignored.",
        .operation = "IF CPL > 0 THEN #GP(0); FI;\n"
                     "vector := SRC[7:0];\n"
                     "IF SRC[31:8] != 0 OR vector < 16 THEN #GP(0); FI;\n"
                     "IF DEST[31:0] = FFFFFFFFH THEN targets := every vCPU of this VM but this one;\n"
                     "ELSE IF DEST[31:0] names no vCPU of this VM THEN #GP(0);\n"
                     "ELSE targets := { the vCPU with APIC ID DEST[31:0] }; FI;\n"
                     "FOR EACH t IN targets DO\n"
                     "  PID := PID_POINTER_TABLE[t];  (* the target's posted-interrupt descriptor *)\n"
                     "  PID.PIR[vector] := 1 (atomic);\n"
                     "  IF PID.ON = 0 THEN PID.ON := 1; send the notification vector to PID.NDST; FI;\n"
                     "OD;\n"
                     "(* The target processes the posted interrupt without a VM exit (SDM Vol. 3C 30.6). *)",
        .faults = "#UD: the VM's CPUID.40000002H:EAX[0] is 0 (not enabled), a LOCK, 66H, F2H or F3H prefix, "
                  "ModRM.mod != 11B, or real-address or virtual-8086 mode.\n"
                  "#GP(0): CPL > 0; vector < 16 or SRC[31:8] != 0; a destination that is no vCPU of the VM.",
        .vmx_changes = "Uses the PID-pointer table of IPI virtualization (VMCS 64-bit fields \"PID-pointer table "
                       "address\" and \"last PID-pointer index\") without the ICR: no APIC-write or WRMSR exit on "
                       "the sender, and posted-interrupt processing on the target (no external-interrupt exit).",
        .replaces = "The guest writes the ICR (x2APIC WRMSR 830H or the xAPIC page): a WRMSR or APIC-write exit, "
                    "the hypervisor's virtual APIC sends the IPI, a host IPI kicks the target's core, and the target "
                    "takes an external-interrupt exit before the virtual interrupt is delivered.",
        .workload = "ipi: one vCPU sends N IPIs to every other vCPU in turn and waits for each handler's "
                    "acknowledgement (round trips); baseline by ICR, extension by VIPI.",
        .cost = {.microcode_steps = 12, .memory_accesses = 3, .line_transfers = 2, .interconnect_messages = 1},
        .per_target = {},
        .cost_basis = "Decode and checks, one PID-pointer table load, an atomic OR into the target's PIR and the ON "
                      "test-and-set (the PID line moves to the sender and back: two line transfers), one "
                      "notification message to the target core.",
    },
    {
        .id = Id::ipiv,
        .name = "ipiv",
        .mnemonic = "(ICR write)",
        .kind = Kind::vmx_feature,
        .title = "IPI virtualization of the ICR (transparent form of VIPI)",
        .opcode = 0,
        .operands = "",
        .operand_roles = "None: the guest's existing ICR writes (xAPIC offset 300H, x2APIC MSR 830H).",
        .operation = "ON a guest write of the ICR with delivery mode fixed, physical destination, no shorthand:\n"
                     "  carry it out as VIPI does (PID-pointer table, PIR, notification);\n"
                     "  no VM exit;\n"
                     "OTHERWISE: the APIC-write or WRMSR exit of today.",
        .faults = "None beyond those of the ICR write itself.",
        .vmx_changes = "Tertiary processor-based control \"IPI virtualization\" with the PID-pointer table (Intel "
                       "ships it from Sapphire Rapids on; Bochs 2.7 has none): nucleo keeps its software path and "
                       "counts each ICR exit the control would have removed.",
        .replaces = "The APIC-write (xAPIC) or WRMSR (x2APIC) exit of every IPI a guest sends, and the software "
                    "delivery behind it.",
        .workload = "ipi: the baseline (ICR) round trips of the same run; the exits the feature removes are "
                    "counted as they happen.",
        .cost = {.microcode_steps = 12, .memory_accesses = 3, .line_transfers = 2, .interconnect_messages = 1},
        .per_target = {},
        .cost_basis = "The same work as VIPI, triggered by the ICR write instead of a new opcode.",
    },
    {
        .id = Id::vtlbi,
        .name = "vtlbi",
        .mnemonic = "VTLBI",
        .kind = Kind::guest_instruction,
        .title = "Broadcast guest TLB invalidation with completion",
        .opcode = 0x02,
        .operands = "r64, r64",
        .operand_roles = "ModRM.reg: linear address of the first page (bits 11:0 ignored; outside 64-bit mode bits "
                         "63:32 ignored). ModRM.rm: number of 4-KiB pages, 1 to 512; 0: every translation of the "
                         "VM's current address spaces, global ones included.",
        .operation = "IF CPL > 0 THEN #GP(0); FI;\n"
                     "IF SRC > 512 THEN #GP(0); FI;\n"
                     "FOR EACH vCPU v OF THIS VM (this one included) DO\n"
                     "  invalidate v's TLB and paging-structure-cache entries for\n"
                     "    [DEST[63:12] << 12, + SRC * 4096) (SRC = 0: all of them), tagged with v's VPID;\n"
                     "OD;\n"
                     "wait until every vCPU acknowledged (TLBSYNC folded in): when VTLBI retires, no vCPU of\n"
                     "the VM can use a translation cached before it.",
        .faults = "#UD: the VM's CPUID.40000002H:EAX[2] is 0 (not enabled), a LOCK, 66H, F2H or F3H prefix, "
                  "ModRM.mod != 11B, or real-address or virtual-8086 mode.\n"
                  "#GP(0): CPL > 0; SRC > 512.",
        .vmx_changes = "A VPID-scoped broadcast invalidation on the coherence interconnect (as AMD's INVLPGB/TLBSYNC "
                       "do for the host): each core running a vCPU of the VM drops the entries of that vCPU's VPID "
                       "without an exit; no IPI and no exit on either side.",
        .replaces = "The guest's IPI shootdown: INVLPG locally, an ICR write per other vCPU (an exit each), the "
                    "targets' external-interrupt exits, their handlers' INVLPG and acknowledgement stores, and the "
                    "sender spinning on the acknowledgements.",
        .workload = "tlb: vCPU 0 remaps a page all vCPUs have read, invalidates everywhere and checks that every "
                    "vCPU reads the new page; baseline by IPI shootdown, extension by VTLBI.",
        .cost = {.microcode_steps = 20, .memory_accesses = 2, .line_transfers = 0, .interconnect_messages = 2},
        .per_target = {.microcode_steps = 10, .memory_accesses = 0, .line_transfers = 0, .interconnect_messages = 0},
        .cost_basis = "Decode and checks, one broadcast message out and, the acknowledgements travelling in "
                      "parallel, the latency of the last one back (two messages on the path); per other core the "
                      "sender's bookkeeping of its acknowledgement in microcode. The remote invalidations run on "
                      "the other cores, in parallel, off the sender's path.",
    },
    {
        .id = Id::pintr,
        .name = "pintr",
        .mnemonic = "(posted interrupt)",
        .kind = Kind::vmx_feature,
        .title = "Posted-interrupt processing for every virtual interrupt source",
        .opcode = 0,
        .operands = "",
        .operand_roles = "None: interrupts another vCPU, a device model or another VM sends to a running vCPU.",
        .operation = "ON the notification vector arriving at a core in VMX non-root operation for the vCPU it runs:\n"
                     "  VIRR := VIRR OR PID.PIR; PID.PIR := 0; PID.ON := 0;\n"
                     "  RVI := max(RVI, highest bit of VIRR); evaluate pending virtual interrupts;\n"
                     "  no VM exit.",
        .faults = "None.",
        .vmx_changes = "Pin-based control \"process posted interrupts\" and the posted-interrupt descriptor "
                       "(SDM Vol. 3C 30.6) exist on real processors; Bochs 2.7 lacks them, so nucleo kicks the "
                       "target core with a host interrupt (an external-interrupt exit) and counts each such exit "
                       "that delivered a virtual interrupt as one the feature removes.",
        .replaces = "The target side of every virtual interrupt from another core: a host interrupt, an "
                    "external-interrupt exit, the virtual APIC's delivery and a VM entry.",
        .workload = "ipi and tlb: the targets' notification exits in the baseline runs.",
        .cost = {.microcode_steps = 15, .memory_accesses = 3, .line_transfers = 1, .interconnect_messages = 0},
        .per_target = {},
        .cost_basis = "Reading and clearing the 256-bit PIR (one line, written by the sender: one transfer), the "
                      "VIRR update and RVI evaluation in microcode; the notification itself is the sender's "
                      "message.",
    },
    {
        .id = Id::vhlt,
        .name = "vhlt",
        .mnemonic = "(HLT)",
        .kind = Kind::vmx_feature,
        .title = "HLT that stays in VMX non-root, woken by posted interrupts",
        .opcode = 0,
        .operands = "",
        .operand_roles = "None: the guest's HLT.",
        .operation = "ON HLT in VMX non-root operation with \"HLT exiting\" = 0 and \"halt in guest\" = 1:\n"
                     "  the logical processor enters the HLT state without leaving the guest;\n"
                     "  a posted-interrupt notification for this vCPU, a virtual NMI or INIT, or a deliverable\n"
                     "  virtual interrupt (RVI > VPPR) ends the HLT in non-root (SDM Vol. 3C 30.6 processing);\n"
                     "  any other physical interrupt causes the external-interrupt exit of today.",
        .faults = "None.",
        .flags = nullptr,
        .vmx_changes = "A secondary control \"halt in guest\" making the posted-interrupt notification a wake-up "
                       "event of the non-root HLT state (a processor without it must keep HLT exiting on, or a "
                       "halted vCPU would miss its posted interrupts). nucleo keeps HLT exiting and counts each "
                       "HLT exit of a VM with a local APIC as one the feature would remove.",
        .replaces = "The HLT exit of an idle vCPU, the hypervisor's sleep on its behalf, and the host interrupt, "
                    "wake-up and VM entry that bring each of its interrupts in.",
        .workload = "ipi_idle: the ipi round trips with the targets idle in STI; HLT (the usual state of an idle "
                    "vCPU), baseline only: the feature needs no guest change.",
        .cost = {.microcode_steps = 30, .memory_accesses = 2, .line_transfers = 0, .interconnect_messages = 0},
        .per_target = {},
        .cost_basis = "Entering and leaving the HLT state in microcode and re-evaluating the virtual-interrupt "
                      "state on the wake (the PIR read is PINTR's); the notification message is the sender's.",
    },
    {
        .id = Id::vnotify,
        .name = "vnotify",
        .mnemonic = "VNOTIFY",
        .kind = Kind::guest_instruction,
        .title = "Cross-VM notify: ring a channel peer's vCPU directly",
        .opcode = 0x03,
        .operands = "r32, r32",
        .operand_roles = "ModRM.reg: a channel handle of this VM, as NUCLEO_HC_CHANNEL_LOOKUP returned it (bits "
                         "31:0). ModRM.rm: reserved, must hold 0 (room for a payload word in a later revision; "
                         "the payload travels in the channel's shared region today). In 64-bit mode REX.R and REX.B "
                         "extend the register numbers; bits 63:32 are ignored.",
        .operation = "IF CPL > 0 THEN #GP(0); FI;\n"
                     "IF SRC[31:0] != 0 THEN #GP(0); FI;\n"
                     "IF DEST[31:0] >= CHANNEL_NOTIFY_TABLE_SIZE THEN #GP(0); FI;\n"
                     "entry := CHANNEL_NOTIFY_TABLE[DEST[31:0]];  (* this VM's side of the channel *)\n"
                     "IF entry.PEER_RUNNING = 0 THEN\n"
                     "  ZF := 1;  (* not delivered: the peer VM is not running *)\n"
                     "ELSE\n"
                     "  IF entry.DOORBELL_VALID = 0 THEN entry.PENDING := 1 (atomic);  (* delivered when the peer\n"
                     "    sets its doorbell *)\n"
                     "  ELSE\n"
                     "    PID := entry.PEER_PID;  (* the posted-interrupt descriptor of the peer's doorbell vCPU *)\n"
                     "    PID.PIR[entry.VECTOR] := 1 (atomic);\n"
                     "    IF PID.ON = 0 THEN PID.ON := 1; send the notification vector to PID.NDST; FI;\n"
                     "  FI;\n"
                     "  ZF := 0;  (* accepted *)\n"
                     "FI;\n"
                     "CF := 0; PF := 0; AF := 0; SF := 0; OF := 0;\n"
                     "(* The peer processes the posted interrupt without a VM exit (SDM Vol. 3C 30.6). *)",
        .faults = "#UD: the VM's CPUID.40000002H:EAX[5] is 0 (not enabled), a LOCK, 66H, F2H or F3H prefix, "
                  "ModRM.mod != 11B, or real-address or virtual-8086 mode.\n"
                  "#GP(0): CPL > 0; SRC[31:0] != 0; a handle that is not one of the VM's channels (a programming "
                  "error, as a bad UITT index is for SENDUIPI).\n"
                  "None for a peer that is down: the peer VM may stop or restart at any time, so that is a status "
                  "(ZF = 1), as ENQCMD reports a refused command in ZF rather than faulting (SDM Vol. 2A).",
        .flags = "ZF is set when the notification was not delivered because the peer VM is not running, and "
                 "cleared when it was accepted (posted to the peer's doorbell vCPU, or held pending until the peer "
                 "sets its doorbell). CF, PF, AF, SF and OF are cleared.",
        .vmx_changes = "A new VMCS 64-bit field \"channel-notification table address\" and 32-bit field "
                       "\"channel-notification table size\": per VM, one 16-byte entry per channel handle holding "
                       "the peer's posted-interrupt descriptor address, the doorbell vector, and the valid, "
                       "pending and peer-running bits. The hypervisor rewrites an entry when the peer sets its "
                       "doorbell (NUCLEO_HC_CHANNEL_DOORBELL, which also delivers a pending ring) or starts and "
                       "stops; VNOTIFY itself causes no VM exit, and the peer processes the posted interrupt "
                       "(PINTR) without an external-interrupt exit.",
        .replaces = "NUCLEO_HC_CHANNEL_RING: a VMCALL exit on the sender, the hypervisor's channel lookup and "
                    "doorbell delivery into the peer VM's virtual APIC, a host IPI to the peer's core, and the "
                    "peer's external-interrupt exit before the doorbell interrupt is delivered.",
        .workload = "notify: two VMs joined by a channel ping-pong over it; each request and each answer is a "
                    "ring of the other VM's doorbell, the payload in the shared region checked each round trip; "
                    "baseline by NUCLEO_HC_CHANNEL_RING, extension by VNOTIFY.",
        .cost = {.microcode_steps = 14, .memory_accesses = 3, .line_transfers = 2, .interconnect_messages = 1},
        .per_target = {},
        .cost_basis = "Decode and checks and the RFLAGS update, one load of the channel-notification table entry "
                      "(written by the hypervisor only when the peer's doorbell or state changes: a local hit), an "
                      "atomic OR into the peer's PIR and the ON test-and-set (the PID line moves to the sender and "
                      "back: two line transfers), one notification message to the peer's core. VIPI's work plus "
                      "one table indirection.",
    },
    {
        .id = Id::binvept,
        .name = "binvept",
        .mnemonic = "BINVEPT",
        .kind = Kind::root_instruction,
        .title = "Broadcast INVEPT with completion (VMX root)",
        .opcode = 0x10,
        .operands = "r64, r64",
        .operand_roles = "ModRM.reg: the EPT pointer (EPTP, the VMCS field's format: SDM Vol. 3C 25.6.11) whose "
                         "mappings are invalidated; ignored for type 2. ModRM.rm: the INVEPT type, 1 (single-context) "
                         "or 2 (all-context). A register, not INVEPT's 128-bit memory descriptor: the descriptor's "
                         "second quadword was never defined, and the 0F 0A map takes register operands only.",
        .operation = "IF not in VMX operation OR not in 64-bit mode THEN #UD; FI;\n"
                     "IF in VMX non-root operation THEN VM exit (basic reason 50, as INVEPT); FI;\n"
                     "IF CPL > 0 THEN #GP(0); FI;\n"
                     "IF SRC is neither 1 nor 2, or not enumerated in IA32_VMX_EPT_VPID_CAP THEN VMfailValid(28);\n"
                     "ELSE\n"
                     "  send one invalidation message for (SRC, DEST[51:12]) to every logical processor;\n"
                     "  each drops the guest-physical and combined mappings INVEPT of that type would drop\n"
                     "    (SDM Vol. 3C 29.4.3.1) and acknowledges;\n"
                     "  wait until every logical processor acknowledged: when BINVEPT retires, no logical\n"
                     "    processor can use a mapping derived from the EPT paging structures before it;\n"
                     "  VMsucceed;\n"
                     "FI;",
        .faults = "#UD: outside VMX operation, outside 64-bit mode, a LOCK, 66H, F2H or F3H prefix, ModRM.mod "
                  "!= 11B, or a processor without EPT or INVEPT (as INVEPT, SDM Vol. 3C 31.3).\n"
                  "#GP(0): CPL > 0 in VMX root operation.\n"
                  "VM exit: in VMX non-root operation (nucleo's guests get #UD, as for every VMX instruction).\n"
                  "VMfailValid(28, invalid operand to INVEPT/INVVPID): a type other than 1 or 2, or one the "
                  "processor does not support.",
        .flags = "As every VMX instruction (SDM Vol. 3C 31.2): VMsucceed clears CF, PF, AF, ZF, SF and OF; "
                 "VMfailValid sets ZF and clears the others.",
        .vmx_changes = "Completion semantics across cores for INVEPT: INVEPT acts on the executing logical "
                       "processor only (SDM Vol. 3C 29.4.3.3), so a hypervisor that changes a running VM's EPT "
                       "must interrupt every core that may cache it. BINVEPT carries the invalidation on the "
                       "coherence interconnect (as AMD's INVLPGB/TLBSYNC do for linear addresses) and retires "
                       "when every logical processor has dropped the EPTP's mappings: no IPI, no "
                       "external-interrupt exit on the cores running the VM's vCPUs. A root-mode instruction "
                       "never appears in CPUID 40000002H:EAX (that is a VM's mask); nucleo's #UD handler emulates "
                       "it in kernel text.",
        .replaces = "The hypervisor's cross-call: an IPI to every core that runs a vCPU of the VM, an "
                    "external-interrupt exit there, INVEPT single-context in the IPI handler, an acknowledgement "
                    "store, and the initiator spinning until every acknowledgement arrived.",
        .workload = "migrate: every vCPU increments counters in one page while vCPU 0 asks the hypervisor "
                    "(NUCLEO_HC_MIGRATE_PAGE) to move it to another host frame N times (write-protect, "
                    "invalidate, copy, remap, invalidate); every increment must be in the page; baseline by "
                    "cross-call, BINVEPT chosen per call.",
        .cost = {.microcode_steps = 20, .memory_accesses = 2, .line_transfers = 0, .interconnect_messages = 2},
        .per_target = {.microcode_steps = 10, .memory_accesses = 0, .line_transfers = 0, .interconnect_messages = 0},
        .cost_basis = "Decode and checks, one broadcast message out and, the acknowledgements travelling in "
                      "parallel, the latency of the last one back (two messages on the path); per other core the "
                      "initiator's bookkeeping of its acknowledgement in microcode. The invalidations run on the "
                      "other cores in parallel, off the initiator's path, as VTLBI's do.",
    },
};

const Proposal* by_opcode(u8 opcode) {
  for (const Proposal& p : kProposals)
    if (has_opcode(p.kind) && p.opcode == opcode) return &p;
  return nullptr;
}

const Proposal* by_name(Str name) {
  for (const Proposal& p : kProposals)
    if (name == Str(p.name)) return &p;
  return nullptr;
}

// The names a VM may list (per_vm): root-mode instructions are not among them.
const char* all_names() { return "vipi, ipiv, vtlbi, pintr, vhlt, vnotify"; }

}  // namespace nucleo::vmx::ext
