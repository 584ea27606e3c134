// SPDX-License-Identifier: MIT
#include "vmx/core/guest_state_check.hpp"

#include "kernel/arch/x86_bits.hpp"
#include "vmx/core/exit_info.hpp"

namespace nucleo::vmx {

namespace {

using namespace x86;
constexpr u32 kEntryToSmm = 1u << 10;  // VM-entry control (25.8.1)
constexpr u32 kEnclaveInterruption = 1u << 4;                          // interruptibility state (25.4.2 Table 25-3)
constexpr u32 kActive = 0, kHlt = 1, kShutdown = 2, kWaitForSipi = 3;  // activity states (25.4.2)
constexpr u64 kPendingBs = 1u << 14, kPendingRtm = 1u << 16, kPendingEnabledBp = 1u << 12;        // 25.4.2 Table 25-4
constexpr u32 kIntTypeExternal = 0, kIntTypeNmi = 2, kIntTypeHwException = 3, kIntTypeOther = 7;  // Table 25-17

// Bits 63:width-1 all equal (Vol. 1 3.3.7.1); width 0 or >= 64 checks nothing.
constexpr bool canonical(u64 address, u8 width) {
  if (width == 0 || width >= 64) return true;
  const u32 shift = 64u - width;
  return static_cast<u64>(static_cast<i64>(address << shift) >> shift) == address;
}
static_assert(canonical(0xffff800000000000, 48) && !canonical(0x0000800000000000, 48) && canonical(1ull << 55, 57));

GuestStateProblem bad(const char* f, const char* rule, u64 v, const char* sdm) { return {false, f, rule, v, sdm}; }

struct SegmentFields {
  Vmcs16 selector;
  VmcsNat base;
  Vmcs32 limit, access;
  const char *selector_name, *base_name, *limit_name, *access_name;
};

#define NUCLEO_SEGMENT(seg, SEG)                                                                                 \
  {                                                                                                              \
    Vmcs16::guest_##seg, VmcsNat::guest_##seg##_base, Vmcs32::guest_##seg##_limit, Vmcs32::guest_##seg##_access, \
        "GUEST_" #SEG "_SELECTOR", "GUEST_" #SEG "_BASE", "GUEST_" #SEG "_LIMIT", "GUEST_" #SEG "_ACCESS_RIGHTS" \
  }
// The SDM's order: CS, SS, DS, ES, FS, GS, then TR and LDTR.
constexpr SegmentFields kSegmentFields[] = {NUCLEO_SEGMENT(cs, CS), NUCLEO_SEGMENT(ss, SS),    NUCLEO_SEGMENT(ds, DS),
                                            NUCLEO_SEGMENT(es, ES), NUCLEO_SEGMENT(fs, FS),    NUCLEO_SEGMENT(gs, GS),
                                            NUCLEO_SEGMENT(tr, TR), NUCLEO_SEGMENT(ldtr, LDTR)};
#undef NUCLEO_SEGMENT
enum { kCs, kSs, kDs, kEs, kFs, kGs, kTr, kLdtr, kSegments };

// Access rights (25.4.1 Table 25-2).
struct Segment {
  u16 selector = 0;
  u64 base = 0;
  u32 limit = 0, ar = 0;
  u8 type() const { return static_cast<u8>(ar & 0xF); }
  bool s() const { return (ar >> 4) & 1; }
  u8 dpl() const { return static_cast<u8>((ar >> 5) & 3); }
  bool present() const { return (ar >> 7) & 1; }
  bool l() const { return (ar >> 13) & 1; }
  bool db() const { return (ar >> 14) & 1; }
  bool g() const { return (ar >> 15) & 1; }
  bool usable() const { return !((ar >> 16) & 1); }
  u8 rpl() const { return static_cast<u8>(selector & 3); }
  bool ti() const { return (selector >> 2) & 1; }
};

class Checker {
 public:
  Checker(VmcsAccess& v, const VmxCapabilities& c, const GuestCheckEnv& e) : vmcs_(v), caps_(c), env_(e) {
    entry_ = v.read(Vmcs32::entry_controls);
    pin_ = v.read(Vmcs32::pin_controls);
    const u32 proc = v.read(Vmcs32::proc_controls);
    proc2_ = (proc & proc::kSecondaryControls) ? v.read(Vmcs32::proc_controls2) : 0;
    unrestricted_ = proc2_ & proc2::kUnrestrictedGuest;
    ia32e_ = entry_ & entry_ctl::kIa32eModeGuest;
    cr0_ = v.read(VmcsNat::guest_cr0);
    cr4_ = v.read(VmcsNat::guest_cr4);
    rflags_ = v.read(VmcsNat::guest_rflags);
    v86_ = rflags_ & kRflagsVm;
    interruptibility_ = v.read(Vmcs32::guest_interruptibility);
    activity_ = v.read(Vmcs32::guest_activity_state);
    injection_ = v.read(Vmcs32::entry_interruption_info);
    for (int i = 0; i < kSegments; ++i) {
      const SegmentFields& f = kSegmentFields[i];
      seg_[i] = {v.read(f.selector), v.read(f.base), v.read(f.limit), v.read(f.access)};
    }
  }

  GuestStateProblem run() {
    using Check = GuestStateProblem (Checker::*)();
    static constexpr Check kChecks[] = {&Checker::control_registers,  &Checker::segments,
                                        &Checker::descriptor_tables,  &Checker::rip_rflags,
                                        &Checker::non_register_state, &Checker::pdptes};
    for (Check check : kChecks) {
      const GuestStateProblem p = (this->*check)();
      if (!p.ok) return p;
    }
    return {};
  }

 private:
  bool injecting(u32 type) const { return (injection_ >> 31) && ((injection_ >> 8) & 7) == type; }
  u64 phys_mask() const { return env_.phys_addr_width >= 64 ? 0 : ~((u64{1} << env_.phys_addr_width) - 1); }

  // 27.3.1.1
  GuestStateProblem control_registers() {
    const char* s = "27.3.1.1";
    u64 cr0_fixed0 = caps_.cr0_fixed0;
    if (unrestricted_) cr0_fixed0 &= ~(kCr0Pe | kCr0Pg);
    if ((cr0_ & cr0_fixed0) != cr0_fixed0)
      return bad("GUEST_CR0", "CR0 must set every bit IA32_VMX_CR0_FIXED0 requires (unrestricted: not PE, PG)", cr0_,
                 s);
    if (cr0_ & ~caps_.cr0_fixed1)
      return bad("GUEST_CR0", "CR0 must clear every bit IA32_VMX_CR0_FIXED1 forbids", cr0_, s);
    if ((cr0_ & kCr0Pg) && !(cr0_ & kCr0Pe)) return bad("GUEST_CR0", "CR0.PG = 1 requires CR0.PE = 1", cr0_, s);
    if ((cr4_ & caps_.cr4_fixed0) != caps_.cr4_fixed0)
      return bad("GUEST_CR4", "CR4 must set every bit IA32_VMX_CR4_FIXED0 requires (VMXE)", cr4_, s);
    if (cr4_ & ~caps_.cr4_fixed1)
      return bad("GUEST_CR4", "CR4 must clear every bit IA32_VMX_CR4_FIXED1 forbids", cr4_, s);
    if ((cr4_ & kCr4Cet) && !(cr0_ & kCr0Wp)) return bad("GUEST_CR4", "CR4.CET = 1 requires CR0.WP = 1", cr4_, s);
    const bool load_debug = entry_ & entry_ctl::kLoadDebugControls;
    const u64 debugctl = vmcs_.read(Vmcs64::guest_debugctl);
    if (load_debug && (debugctl & 0xFFFFFFFFFFFF0038))
      return bad("GUEST_IA32_DEBUGCTL", "IA32_DEBUGCTL reserved bits 5:3 and 63:16 must be 0 (load debug controls)",
                 debugctl, s);
    if (ia32e_ && !(cr0_ & kCr0Pg)) return bad("GUEST_CR0", "CR0.PG must be 1 for an IA-32e mode guest", cr0_, s);
    if (ia32e_ && !(cr4_ & kCr4Pae)) return bad("GUEST_CR4", "CR4.PAE must be 1 for an IA-32e mode guest", cr4_, s);
    if (!ia32e_ && (cr4_ & kCr4Pcide))
      return bad("GUEST_CR4", "CR4.PCIDE must be 0 unless the guest is IA-32e mode", cr4_, s);
    const u64 cr3 = vmcs_.read(VmcsNat::guest_cr3);
    if (cr3 & phys_mask())
      return bad("GUEST_CR3", "CR3 bits beyond the physical-address width (and 63:52) must be 0", cr3, s);
    const u64 dr7 = vmcs_.read(VmcsNat::guest_dr7);
    if (load_debug && (dr7 >> 32)) return bad("GUEST_DR7", "DR7 bits 63:32 must be 0 (load debug controls)", dr7, s);
    const u64 esp = vmcs_.read(VmcsNat::guest_sysenter_esp), eip = vmcs_.read(VmcsNat::guest_sysenter_eip);
    if (!canonical(esp, env_.linear_addr_width))
      return bad("GUEST_SYSENTER_ESP", "IA32_SYSENTER_ESP must be canonical", esp, s);
    if (!canonical(eip, env_.linear_addr_width))
      return bad("GUEST_SYSENTER_EIP", "IA32_SYSENTER_EIP must be canonical", eip, s);
    if (entry_ & entry_ctl::kLoadPat) {
      const u64 pat = vmcs_.read(Vmcs64::guest_pat);
      for (u32 i = 0; i < 8; ++i) {
        const u64 type = (pat >> (8 * i)) & 0xFF;
        if (type == 2 || type == 3 || type > 7)
          return bad("GUEST_IA32_PAT", "each IA32_PAT entry must be 0, 1, 4, 5, 6 or 7 (load IA32_PAT)", pat, s);
      }
    }
    if (entry_ & entry_ctl::kLoadEfer) {
      const u64 efer = vmcs_.read(Vmcs64::guest_efer);
      if (efer & ~(kEferSce | kEferLme | kEferLma | kEferNxe))
        return bad("GUEST_IA32_EFER", "IA32_EFER reserved bits must be 0 (only SCE, LME, LMA, NXE)", efer, s);
      if (((efer & kEferLma) != 0) != ia32e_)
        return bad("GUEST_IA32_EFER", "EFER.LMA must equal the IA-32e mode guest entry control", efer, s);
      if ((cr0_ & kCr0Pg) && ((efer & kEferLma) != 0) != ((efer & kEferLme) != 0))
        return bad("GUEST_IA32_EFER", "EFER.LME must equal EFER.LMA when CR0.PG = 1", efer, s);
    }
    return {};
  }

  // 27.3.1.2
  GuestStateProblem segments() {
    const char* s = "27.3.1.2";
    const Segment &cs = seg_[kCs], &ss = seg_[kSs], &tr = seg_[kTr], &ldtr = seg_[kLdtr];
    if (tr.ti()) return bad("GUEST_TR_SELECTOR", "TR selector TI flag (bit 2) must be 0", tr.selector, s);
    if (ldtr.usable() && ldtr.ti())
      return bad("GUEST_LDTR_SELECTOR", "LDTR selector TI flag (bit 2) must be 0 when usable", ldtr.selector, s);
    if (!v86_ && !unrestricted_ && ss.rpl() != cs.rpl())
      return bad("GUEST_SS_SELECTOR", "SS RPL must equal CS RPL (not virtual-8086, not unrestricted)", ss.selector, s);
    for (int i = kCs; i <= kGs; ++i)
      if (v86_ && seg_[i].base != u64{seg_[i].selector} << 4)
        return bad(kSegmentFields[i].base_name, "base must be selector << 4 in virtual-8086 mode", seg_[i].base, s);
    static constexpr int kCanonicalBases[] = {kTr, kFs, kGs, kLdtr};
    for (int i : kCanonicalBases)
      if ((i != kLdtr || ldtr.usable()) && !canonical(seg_[i].base, env_.linear_addr_width))
        return bad(kSegmentFields[i].base_name, "base must be canonical", seg_[i].base, s);
    static constexpr int kLowBases[] = {kCs, kSs, kDs, kEs};
    for (int i : kLowBases)
      if ((i == kCs || seg_[i].usable()) && (seg_[i].base >> 32))
        return bad(kSegmentFields[i].base_name, "base bits 63:32 must be 0", seg_[i].base, s);
    for (int i = kCs; i <= kGs; ++i)
      if (v86_ && seg_[i].limit != 0xFFFF)
        return bad(kSegmentFields[i].limit_name, "limit must be 0xFFFF in virtual-8086 mode", seg_[i].limit, s);
    for (int i = kCs; i <= kGs; ++i) {
      const GuestStateProblem p = code_data_access(i);
      if (!p.ok) return p;
    }
    const char* ar = kSegmentFields[kTr].access_name;
    if (ia32e_ && tr.type() != 11) return bad(ar, "TR type must be 11 (busy 64-bit TSS) in IA-32e mode", tr.ar, s);
    if (!ia32e_ && tr.type() != 3 && tr.type() != 11)
      return bad(ar, "TR type must be 3 or 11 (busy 16- or 32-bit TSS)", tr.ar, s);
    if (tr.s()) return bad(ar, "TR S must be 0 (system segment)", tr.ar, s);
    if (!tr.present()) return bad(ar, "TR must be present (P = 1)", tr.ar, s);
    if (tr.ar & 0xF00) return bad(ar, "TR reserved bits 11:8 must be 0", tr.ar, s);
    if (const char* rule = granularity_rule(tr)) return bad(ar, rule, tr.ar, s);
    if (!tr.usable()) return bad(ar, "TR must be usable (bit 16 = 0)", tr.ar, s);
    if (tr.ar & 0xFFFE0000) return bad(ar, "TR reserved bits 31:17 must be 0", tr.ar, s);
    if (!ldtr.usable()) return {};
    ar = kSegmentFields[kLdtr].access_name;
    if (ldtr.type() != 2) return bad(ar, "LDTR type must be 2 (LDT) when usable", ldtr.ar, s);
    if (ldtr.s()) return bad(ar, "LDTR S must be 0 (system segment) when usable", ldtr.ar, s);
    if (!ldtr.present()) return bad(ar, "LDTR must be present (P = 1) when usable", ldtr.ar, s);
    if (ldtr.ar & 0xF00) return bad(ar, "LDTR reserved bits 11:8 must be 0", ldtr.ar, s);
    if (const char* rule = granularity_rule(ldtr)) return bad(ar, rule, ldtr.ar, s);
    if (ldtr.ar & 0xFFFE0000) return bad(ar, "LDTR reserved bits 31:17 must be 0", ldtr.ar, s);
    return {};
  }

  static const char* granularity_rule(const Segment& g) {
    if ((g.limit & 0xFFF) != 0xFFF && g.g()) return "G must be 0 when any of limit bits 11:0 is 0";
    if ((g.limit & 0xFFF00000) && !g.g()) return "G must be 1 when any of limit bits 31:20 is 1";
    return nullptr;
  }

  // Access rights of CS, SS, DS, ES, FS and GS (27.3.1.2).
  GuestStateProblem code_data_access(int i) {
    const char* s = "27.3.1.2";
    const Segment& g = seg_[i];
    const char* f = kSegmentFields[i].access_name;
    if (v86_)
      return g.ar == 0xF3 ? GuestStateProblem{} : bad(f, "access rights must be 0xF3 in virtual-8086 mode", g.ar, s);
    const bool is_cs = i == kCs, is_ss = i == kSs;
    const bool checked = is_cs || g.usable();
    const u8 t = g.type();
    if (is_cs && !(t == 9 || t == 11 || t == 13 || t == 15 || (unrestricted_ && t == 3)))
      return bad(f,
                 unrestricted_ ? "CS type must be 3, 9, 11, 13 or 15 (accessed code, or accessed read/write data "
                                 "with unrestricted guest)"
                               : "CS type must be 9, 11, 13 or 15 (accessed code) when not unrestricted",
                 g.ar, s);
    if (is_ss && g.usable() && t != 3 && t != 7)
      return bad(f, "SS type must be 3 or 7 (read/write accessed data) when usable", g.ar, s);
    if (!is_cs && !is_ss && g.usable()) {
      if (!(t & 1)) return bad(f, "type must be accessed (bit 0 = 1) when usable", g.ar, s);
      if ((t & 8) && !(t & 2))
        return bad(f, "a code segment here must be readable (type bit 1 = 1) when usable", g.ar, s);
    }
    if (checked && !g.s()) return bad(f, "S must be 1 (code or data segment) when usable", g.ar, s);
    const Segment &cs = seg_[kCs], &ss = seg_[kSs];
    if (is_cs && t == 3 && g.dpl() != 0)
      return bad(f, "CS DPL must be 0 when CS type is 3 (unrestricted guest)", g.ar, s);
    if (is_cs && (t == 9 || t == 11) && g.dpl() != ss.dpl())
      return bad(f, "CS DPL must equal SS DPL for non-conforming code (type 9 or 11)", g.ar, s);
    if (is_cs && (t == 13 || t == 15) && g.dpl() > ss.dpl())
      return bad(f, "CS DPL must not exceed SS DPL for conforming code (type 13 or 15)", g.ar, s);
    if (is_ss && !unrestricted_ && g.dpl() != g.rpl())
      return bad(f, "SS DPL must equal the SS selector RPL when not unrestricted", g.ar, s);
    if (is_ss && (cs.type() == 3 || !(cr0_ & kCr0Pe)) && g.dpl() != 0)
      return bad(f, "SS DPL must be 0 when CR0.PE = 0 or CS type is 3", g.ar, s);
    if (!is_cs && !is_ss && !unrestricted_ && g.usable() && t <= 11 && g.dpl() < g.rpl())
      return bad(f, "DPL must not be below the selector RPL (data or non-conforming code, not unrestricted)", g.ar, s);
    if (checked && !g.present()) return bad(f, "segment must be present (P = 1) when usable", g.ar, s);
    if (checked && (g.ar & 0xF00)) return bad(f, "reserved bits 11:8 must be 0 when usable", g.ar, s);
    if (is_cs && ia32e_ && g.l() && g.db()) return bad(f, "CS D/B must be 0 when CS.L = 1 in IA-32e mode", g.ar, s);
    if (checked)
      if (const char* rule = granularity_rule(g)) return bad(f, rule, g.ar, s);
    if (checked && (g.ar & 0xFFFE0000)) return bad(f, "reserved bits 31:17 must be 0 when usable", g.ar, s);
    return {};
  }

  // 27.3.1.3
  GuestStateProblem descriptor_tables() {
    const char* s = "27.3.1.3";
    const u64 gdtr = vmcs_.read(VmcsNat::guest_gdtr_base), idtr = vmcs_.read(VmcsNat::guest_idtr_base);
    if (!canonical(gdtr, env_.linear_addr_width)) return bad("GUEST_GDTR_BASE", "GDTR base must be canonical", gdtr, s);
    if (!canonical(idtr, env_.linear_addr_width)) return bad("GUEST_IDTR_BASE", "IDTR base must be canonical", idtr, s);
    const u32 gdtl = vmcs_.read(Vmcs32::guest_gdtr_limit), idtl = vmcs_.read(Vmcs32::guest_idtr_limit);
    if (gdtl >> 16) return bad("GUEST_GDTR_LIMIT", "GDTR limit bits 31:16 must be 0 (limit <= 0xFFFF)", gdtl, s);
    if (idtl >> 16) return bad("GUEST_IDTR_LIMIT", "IDTR limit bits 31:16 must be 0 (limit <= 0xFFFF)", idtl, s);
    return {};
  }

  // 27.3.1.4
  GuestStateProblem rip_rflags() {
    const char* s = "27.3.1.4";
    const u64 rip = vmcs_.read(VmcsNat::guest_rip);
    const bool long_mode = ia32e_ && seg_[kCs].l();
    if (!long_mode && (rip >> 32))
      return bad("GUEST_RIP", "RIP bits 63:32 must be 0 unless IA-32e mode guest with CS.L = 1", rip, s);
    if (long_mode && !canonical(rip, env_.linear_addr_width))
      return bad("GUEST_RIP", "RIP must be canonical in 64-bit mode (bits 63:N identical)", rip, s);
    if (rflags_ >> 22) return bad("GUEST_RFLAGS", "RFLAGS bits 63:22 must be 0", rflags_, s);
    if (rflags_ & 0x8028) return bad("GUEST_RFLAGS", "RFLAGS reserved bits 15, 5 and 3 must be 0", rflags_, s);
    if (!(rflags_ & 2)) return bad("GUEST_RFLAGS", "RFLAGS bit 1 must be 1", rflags_, s);
    if (v86_ && (ia32e_ || !(cr0_ & kCr0Pe)))
      return bad("GUEST_RFLAGS", "RFLAGS.VM must be 0 for an IA-32e mode guest or when CR0.PE = 0", rflags_, s);
    if (injecting(kIntTypeExternal) && !(rflags_ & kRflagsIf))
      return bad("GUEST_RFLAGS", "RFLAGS.IF must be 1 when injecting an external interrupt", rflags_, s);
    return {};
  }

  // 27.3.1.5
  GuestStateProblem non_register_state() {
    const char* s = "27.3.1.5";
    const char* act = "GUEST_ACTIVITY_STATE";
    if (activity_ > kWaitForSipi)
      return bad(act, "activity state must be 0-3 (active, HLT, shutdown, wait-for-SIPI)", activity_, s);
    if (activity_ != kActive && !((caps_.misc >> (5 + activity_)) & 1))
      return bad(act, "activity state is not supported by this CPU (IA32_VMX_MISC bits 8:6)", activity_, s);
    if (activity_ == kHlt && seg_[kSs].dpl() != 0)
      return bad(act, "HLT activity state requires SS.DPL = 0", activity_, s);
    if ((interruptibility_ & (kBlockingBySti | kBlockingByMovSs)) && activity_ != kActive)
      return bad(act, "activity state must be active under blocking by STI or MOV-SS", activity_, s);
    if (injection_ >> 31) {
      const u32 type = (injection_ >> 8) & 7, vec = injection_ & 0xFF;
      const bool allowed =
          activity_ == kActive ||
          (activity_ == kHlt &&
           (type == kIntTypeExternal || type == kIntTypeNmi ||
            (type == kIntTypeHwException && (vec == 1 || vec == 18)) || (type == kIntTypeOther && vec == 0))) ||
          (activity_ == kShutdown && (type == kIntTypeNmi || (type == kIntTypeHwException && vec == 18)));
      if (!allowed) return bad(act, "the injected event is blocked in this activity state", activity_, s);
    }
    if ((entry_ & kEntryToSmm) && activity_ == kWaitForSipi)
      return bad(act, "wait-for-SIPI is not allowed with the entry-to-SMM control", activity_, s);

    const char* is = "GUEST_INTERRUPTIBILITY_STATE";
    const u32 block = interruptibility_;
    if (block >> 5) return bad(is, "interruptibility reserved bits 31:5 must be 0", block, s);
    if ((block & kBlockingBySti) && (block & kBlockingByMovSs))
      return bad(is, "blocking by STI and by MOV-SS cannot both be 1", block, s);
    if ((block & kBlockingBySti) && !(rflags_ & kRflagsIf))
      return bad(is, "blocking by STI requires RFLAGS.IF = 1", block, s);
    if (injecting(kIntTypeExternal) && (block & (kBlockingBySti | kBlockingByMovSs)))
      return bad(is, "blocking by STI and MOV-SS must be 0 when injecting an external interrupt", block, s);
    if (injecting(kIntTypeNmi) && (block & kBlockingByMovSs))
      return bad(is, "blocking by MOV-SS must be 0 when injecting an NMI", block, s);
    if ((block & kBlockingBySmi) && !env_.in_smm) return bad(is, "blocking by SMI must be 0 outside SMM", block, s);
    if ((entry_ & kEntryToSmm) && !(block & kBlockingBySmi))
      return bad(is, "blocking by SMI must be 1 with the entry-to-SMM control", block, s);
    if ((pin_ & pin::kVirtualNmis) && injecting(kIntTypeNmi) && (block & kBlockingByNmi))
      return bad(is, "blocking by NMI must be 0 when injecting an NMI with virtual NMIs", block, s);
    if ((block & kEnclaveInterruption) && (block & kBlockingByMovSs))
      return bad(is, "enclave interruption (bit 4) requires blocking by MOV-SS = 0", block, s);

    const char* pd = "GUEST_PENDING_DEBUG_EXCEPTIONS";
    const u64 pending = vmcs_.read(VmcsNat::guest_pending_debug);
    if (pending & ~u64{0x1500F})
      return bad(pd, "pending debug exceptions bits 11:4, 13, 15 and 63:17 must be 0", pending, s);
    if ((block & (kBlockingBySti | kBlockingByMovSs)) || activity_ == kHlt) {
      const bool btf = (vmcs_.read(Vmcs64::guest_debugctl) >> 1) & 1;
      const bool tf = rflags_ & kRflagsTf;
      if (tf && !btf && !(pending & kPendingBs))
        return bad(pd, "BS (bit 14) must be 1 when RFLAGS.TF = 1 and DEBUGCTL.BTF = 0 (STI/MOV-SS blocking or HLT)",
                   pending, s);
      if ((!tf || btf) && (pending & kPendingBs))
        return bad(pd, "BS (bit 14) must be 0 when RFLAGS.TF = 0 or DEBUGCTL.BTF = 1 (STI/MOV-SS blocking or HLT)",
                   pending, s);
    }
    if (pending & kPendingRtm) {
      if ((pending & 0xEFFF) != 0 || !(pending & kPendingEnabledBp))
        return bad(pd, "with RTM (bit 16) set, bit 12 must be 1 and bits 15:13 and 11:0 must be 0", pending, s);
      if (block & kBlockingByMovSs) return bad(pd, "RTM (bit 16) requires no blocking by MOV-SS", pending, s);
    }

    const u64 link = vmcs_.read(Vmcs64::vmcs_link_pointer);
    if (link != ~u64{0}) {
      if (link & 0xFFF) return bad("VMCS_LINK_POINTER", "VMCS link pointer bits 11:0 must be 0", link, s);
      if (link & phys_mask())
        return bad("VMCS_LINK_POINTER", "VMCS link pointer beyond the physical-address width", link, s);
      if (!(proc2_ & proc2::kVmcsShadowing))
        return bad("VMCS_LINK_POINTER",
                   "VMCS link pointer must be FFFFFFFF_FFFFFFFFH without VMCS shadowing "
                   "(other values must reference a VMCS of this CPU's revision, which is not checked)",
                   link, s);
    }
    return {};
  }

  // 27.3.1.6: with EPT and PAE paging outside IA-32e mode, VM entry loads
  // the PDPTEs from the VMCS; present ones must have reserved bits clear.
  GuestStateProblem pdptes() {
    if (!(cr0_ & kCr0Pg) || !(cr4_ & kCr4Pae) || ia32e_ || !(proc2_ & proc2::kEnableEpt)) return {};
    static constexpr Vmcs64 kFields[] = {Vmcs64::guest_pdpte0, Vmcs64::guest_pdpte1, Vmcs64::guest_pdpte2,
                                         Vmcs64::guest_pdpte3};
    static constexpr const char* kNames[] = {"GUEST_PDPTE0", "GUEST_PDPTE1", "GUEST_PDPTE2", "GUEST_PDPTE3"};
    for (usize i = 0; i < 4; ++i) {
      const u64 pdpte = vmcs_.read(kFields[i]);
      if ((pdpte & 1) && (pdpte & (0x1E6 | phys_mask())))
        return bad(kNames[i], "present PDPTE must have bits 2:1, 8:5 and those beyond the physical-address width 0",
                   pdpte, "27.3.1.6");
    }
    return {};
  }

  VmcsAccess& vmcs_;
  const VmxCapabilities& caps_;
  const GuestCheckEnv& env_;
  u32 entry_ = 0, pin_ = 0, proc2_ = 0, interruptibility_ = 0, activity_ = 0, injection_ = 0;
  bool unrestricted_ = false, ia32e_ = false, v86_ = false;
  u64 cr0_ = 0, cr4_ = 0, rflags_ = 0;
  Segment seg_[kSegments];
};

}  // namespace

GuestStateProblem check_guest_state(VmcsAccess& vmcs, const VmxCapabilities& caps, const GuestCheckEnv& env) {
  return Checker(vmcs, caps, env).run();
}

}  // namespace nucleo::vmx
