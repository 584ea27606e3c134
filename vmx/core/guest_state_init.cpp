// SPDX-License-Identifier: MIT
#include "vmx/core/guest_state_init.hpp"

#include "kernel/arch/x86_bits.hpp"

namespace nucleo::vmx {

namespace {


constexpr u64 kResetPat = 0x0007040600070406;  // SDM Vol. 3A 13.12.4: PAT at reset

// Segment access rights (SDM Vol. 3C 25.4.1, Table 25-2).
constexpr u32 kArCode32 = 0xC09B;   // G, D/B, P, S, type 11 (execute/read, accessed)
constexpr u32 kArData32 = 0xC093;   // G, D/B, P, S, type 3 (read/write, accessed)
constexpr u32 kArCode64 = 0xA09B;   // G, L, P, S, type 11 (D/B must be 0 with L)
constexpr u32 kArCode16 = 0x009B;
constexpr u32 kArData16 = 0x0093;
constexpr u32 kArTss = 0x008B;      // P, type 11 (busy 32-bit TSS)
constexpr u32 kArLdt = 0x0082;      // P, type 2 (LDT)
constexpr u32 kArUnusable = 0x10000;
constexpr u32 kActivityWaitForSipi = 3;  // SDM Vol. 3C 25.4.2, activity states

}  // namespace

Error write_guest_state(VmcsAccess& v, const VmxCapabilities& caps, const GuestStart& s) {
  using namespace x86;
  const bool real = s.mode == GuestStart::Mode::real;
  const bool long64 = s.mode == GuestStart::Mode::long64;
  // CD NW ET at reset (SDM Vol. 3A 10.1.1), PE ET for protected mode, and
  // PG on top for long mode, which also needs CR4.PAE and EFER.LME|LMA with
  // the IA-32e mode guest entry control (SDM Vol. 3A 10.8.5, Vol. 3C 27.3.1.1).
  const u64 cr0 = real ? 0x60000010 : long64 ? (0x00000011 | kCr0Pg) : 0x00000011;
  const u64 cr4 = long64 ? kCr4Pae : 0;
  NUCLEO_TRY(v.write(VmcsNat::guest_cr0, apply_cr0_fixed(caps, cr0, true)));
  NUCLEO_TRY(v.write(VmcsNat::cr0_read_shadow, cr0));
  NUCLEO_TRY(v.write(VmcsNat::guest_cr3, long64 ? s.cr3 : 0));
  NUCLEO_TRY(v.write(VmcsNat::guest_cr4, apply_cr4_fixed(caps, cr4)));
  NUCLEO_TRY(v.write(VmcsNat::cr4_read_shadow, cr4));
  const u32 entry = v.read(Vmcs32::entry_controls);
  NUCLEO_TRY(v.write(Vmcs32::entry_controls,
                     long64 ? entry | entry_ctl::kIa32eModeGuest : entry & ~entry_ctl::kIa32eModeGuest));
  NUCLEO_TRY(v.write(VmcsNat::guest_dr7, 0x400));
  NUCLEO_TRY(v.write(VmcsNat::guest_rflags, 0x2));
  NUCLEO_TRY(v.write(VmcsNat::guest_rip, s.rip));
  NUCLEO_TRY(v.write(VmcsNat::guest_rsp, s.rsp));

  const Vmcs16 sel[] = {Vmcs16::guest_es, Vmcs16::guest_cs, Vmcs16::guest_ss,
                        Vmcs16::guest_ds, Vmcs16::guest_fs, Vmcs16::guest_gs};
  const Vmcs32 lim[] = {Vmcs32::guest_es_limit, Vmcs32::guest_cs_limit, Vmcs32::guest_ss_limit,
                        Vmcs32::guest_ds_limit, Vmcs32::guest_fs_limit, Vmcs32::guest_gs_limit};
  const Vmcs32 ar[] = {Vmcs32::guest_es_access, Vmcs32::guest_cs_access, Vmcs32::guest_ss_access,
                       Vmcs32::guest_ds_access, Vmcs32::guest_fs_access, Vmcs32::guest_gs_access};
  const VmcsNat base[] = {VmcsNat::guest_es_base, VmcsNat::guest_cs_base, VmcsNat::guest_ss_base,
                          VmcsNat::guest_ds_base, VmcsNat::guest_fs_base, VmcsNat::guest_gs_base};
  for (int i = 0; i < 6; ++i) {
    const bool is_cs = i == 1;
    const u16 selector = real ? (is_cs ? s.real_cs : 0) : (is_cs ? s.code_sel : s.data_sel);
    const u32 code_ar = real ? kArCode16 : long64 ? kArCode64 : kArCode32;
    NUCLEO_TRY(v.write(sel[i], selector));
    NUCLEO_TRY(v.write(base[i], real ? u64{selector} << 4 : 0));
    NUCLEO_TRY(v.write(lim[i], real ? 0xFFFF : 0xFFFFFFFF));
    NUCLEO_TRY(v.write(ar[i], is_cs ? code_ar : real ? kArData16 : kArData32));
  }
  NUCLEO_TRY(v.write(Vmcs16::guest_tr, 0));
  NUCLEO_TRY(v.write(VmcsNat::guest_tr_base, 0));
  NUCLEO_TRY(v.write(Vmcs32::guest_tr_limit, 0xFFFF));
  NUCLEO_TRY(v.write(Vmcs32::guest_tr_access, kArTss));
  NUCLEO_TRY(v.write(Vmcs16::guest_ldtr, 0));
  NUCLEO_TRY(v.write(VmcsNat::guest_ldtr_base, 0));
  NUCLEO_TRY(v.write(Vmcs32::guest_ldtr_limit, 0xFFFF));
  NUCLEO_TRY(v.write(Vmcs32::guest_ldtr_access, real ? kArLdt : kArUnusable));
  NUCLEO_TRY(v.write(VmcsNat::guest_gdtr_base, long64 ? s.gdtr_base : 0));
  NUCLEO_TRY(v.write(Vmcs32::guest_gdtr_limit, long64 ? s.gdtr_limit : 0xFFFF));
  NUCLEO_TRY(v.write(VmcsNat::guest_idtr_base, 0));
  NUCLEO_TRY(v.write(Vmcs32::guest_idtr_limit, 0xFFFF));
  NUCLEO_TRY(v.write(Vmcs64::guest_efer, long64 ? kEferLme | kEferLma : 0));
  NUCLEO_TRY(v.write(Vmcs64::guest_pat, kResetPat));
  NUCLEO_TRY(v.write(Vmcs64::guest_debugctl, 0));
  NUCLEO_TRY(v.write(Vmcs32::guest_sysenter_cs, 0));
  NUCLEO_TRY(v.write(VmcsNat::guest_sysenter_esp, 0));
  NUCLEO_TRY(v.write(VmcsNat::guest_sysenter_eip, 0));
  NUCLEO_TRY(v.write(Vmcs32::guest_interruptibility, 0));
  NUCLEO_TRY(v.write(Vmcs32::guest_activity_state, s.wait_for_sipi ? kActivityWaitForSipi : 0));
  NUCLEO_TRY(v.write(VmcsNat::guest_pending_debug, 0));
  NUCLEO_TRY(v.write(Vmcs64::vmcs_link_pointer, ~u64{0}));
  NUCLEO_TRY(v.write(Vmcs32::entry_interruption_info, 0));
  return {};
}


}  // namespace nucleo::vmx
