// SPDX-License-Identifier: MIT
// The virtual CPU's own MSRs (vmx/core/vcpu_msrs.hpp): IA32_MISC_ENABLE,
// the MTRRs (SDM Vol. 3A 12.11), IA32_TSC and IA32_TSC_ADJUST (SDM Vol. 3B
// 17.17.3, "Time-Stamp Counter Adjustment"), IA32_MCG_CAP/IA32_MCG_STATUS
// (SDM Vol. 3B 16.3.1) and IA32_XSS (SDM Vol. 1 13.3 and 13.2).
#include "vmx/core/vcpu_msrs.hpp"

#include "vmx/core/cpuid_allow.hpp"
#include "vmx/core/exit_context.hpp"
#include "vmx/core/exit_cpuid.hpp"

namespace nucleo::vmx {

namespace {

// The memory types an MTRR may hold: UC, WC, WT, WP, WB (SDM Vol. 3A
// 12.11.2, Table 12-8); 2, 3 and 7 and up are undefined: #GP on write.
bool valid_mtrr_type(u64 t) { return t == 0 || t == 1 || t == 4 || t == 5 || t == 6; }

bool valid_fixed(u64 v) {
  for (int i = 0; i < 8; ++i)
    if (!valid_mtrr_type((v >> (8 * i)) & 0xFF)) return false;
  return true;
}

// Which of the 11 fixed-range MTRRs `m` is, or -1 (SDM Vol. 3A Table 12-9).
int fixed_index(u32 m) {
  if (m == msr::kMtrrFix64k) return 0;
  if (m == msr::kMtrrFix16k80000) return 1;
  if (m == msr::kMtrrFix16kA0000) return 2;
  if (m >= msr::kMtrrFix4kC0000 && m < msr::kMtrrFix4kC0000 + 8) return static_cast<int>(3 + m - msr::kMtrrFix4kC0000);
  return -1;
}

// Bits [phys_bits-1:12]: a PHYSBASE/PHYSMASK address field.
u64 address_bits(u8 phys_bits) { return ((u64{1} << phys_bits) - 1) & ~u64{0xFFF}; }

// PHYSBASEn: type in [7:0], base in [MAXPHYADDR-1:12]; PHYSMASKn: valid
// (11), mask in [MAXPHYADDR-1:12]; everything else reserved (Figure 12-7).
bool valid_variable(u32 index, u64 v, u8 phys_bits) {
  if (index % 2 == 0) return (v & ~(address_bits(phys_bits) | 0xFF)) == 0 && valid_mtrr_type(v & 0xFF);
  return (v & ~(address_bits(phys_bits) | (1u << 11))) == 0;
}

// MTRR_DEF_TYPE: type [7:0], FE (10), E (11) (Figure 12-6).
bool valid_def_type(u64 v) { return (v & ~u64{0xCFF}) == 0 && valid_mtrr_type(v & 0xFF); }

// IA32_MCG_STATUS: RIPV, EIPV, MCIP; bit 3 LMCE_S exists only with
// MCG_CAP.LMCE_P, which is 0 (SDM Vol. 3B 16.3.1.2).
constexpr u64 kMcgStatusBits = 7;

bool is_mtrr(u32 m) {
  return (m >= msr::kMtrrPhysBase0 && m < msr::kMtrrPhysBase0 + 2 * kMtrrVariable) || fixed_index(m) >= 0 ||
         m == msr::kMtrrCap || m == msr::kMtrrDefType;
}

// An MSR of a feature the vCPU's CPUID does not show does not exist: #GP,
// like any MSR the processor lacks (the view decides, vmx/core/cpuid_view.hpp).
bool absent(const VirtualCpu& c, u32 m) {
  if (is_mtrr(m)) return !c.mtrr;
  if (m == msr::kMcgCap || m == msr::kMcgStatus) return !c.mca;
  return m == msr::kTscAdjust && !c.tsc_adjust;
}

bool has_xsaves(const VcpuState& v) {
  return (v.cpuid.cpu.gates & gate::kXsaves) && (v.cpuid.xsave.subleaf1_eax & (1u << 3));
}

u64 guest_tsc(ExitContext& ctx) { return ctx.cpu.rdtsc() + ctx.vmcs.read(Vmcs64::tsc_offset); }

// Moves the guest's TSC by `delta` (TSC offsetting is on): a write to
// IA32_TSC or IA32_TSC_ADJUST, which the other MSR follows (17.17.3).
void shift_tsc(ExitContext& ctx, u64 delta) {
  (void)ctx.vmcs.write(Vmcs64::tsc_offset, ctx.vmcs.read(Vmcs64::tsc_offset) + delta);
  ctx.vcpu.msrs.tsc_adjust += delta;
}

}  // namespace

void firmware_mtrrs(VcpuMsrs& m, u64 mmio_base, u8 phys_bits) {
  constexpr u64 kWb = 6, kUc = 0, kEnable = 1u << 11, kFixedEnable = 1u << 10;
  constexpr u64 kAllWb = 0x0606060606060606;
  m.mtrr_def_type = kEnable | kFixedEnable | kWb;
  for (u64& f : m.mtrr_fixed) f = kAllWb;
  m.mtrr_fixed[2] = kUc;  // 16K_A0000: the VGA window, 0xA0000-0xBFFFF
  for (u64& v : m.mtrr_variable) v = 0;
  if (mmio_base != 0 && mmio_base < (u64{1} << 32)) {
    const u64 size = (u64{1} << 32) - mmio_base;
    m.mtrr_variable[0] = mmio_base | kUc;
    m.mtrr_variable[1] = (~(size - 1) & address_bits(phys_bits)) | (1u << 11);
  }
}

MsrStatus platform_rdmsr(ExitContext& ctx, u32 m, u64& value) {
  const VcpuMsrs& s = ctx.vcpu.msrs;
  if (absent(ctx.vcpu.cpuid.cpu, m)) return MsrStatus::gp;
  if (m >= msr::kMtrrPhysBase0 && m < msr::kMtrrPhysBase0 + 2 * kMtrrVariable) {
    value = s.mtrr_variable[m - msr::kMtrrPhysBase0];
    return MsrStatus::done;
  }
  if (const int f = fixed_index(m); f >= 0) {
    value = s.mtrr_fixed[f];
    return MsrStatus::done;
  }
  switch (m) {
    case msr::kTsc: value = guest_tsc(ctx); break;
    case msr::kTscAdjust: value = s.tsc_adjust; break;
    case msr::kMtrrCap: value = kMtrrCapValue; break;
    case msr::kMtrrDefType: value = s.mtrr_def_type; break;
    case msr::kMiscEnable: value = s.misc_enable; break;
    case msr::kMcgCap: value = 0; break;  // no banks, no MCG_CTL, no extended state, no CMCI, no LMCE
    case msr::kMcgStatus: value = s.mcg_status; break;
    case msr::kXss:
      if (!has_xsaves(ctx.vcpu)) return MsrStatus::gp;
      value = 0;
      break;
    default: return MsrStatus::not_mine;
  }
  return MsrStatus::done;
}

MsrStatus platform_wrmsr(ExitContext& ctx, u32 m, u64 value) {
  VcpuMsrs& s = ctx.vcpu.msrs;
  if (absent(ctx.vcpu.cpuid.cpu, m)) return MsrStatus::gp;
  const auto done_if = [](bool ok) { return ok ? MsrStatus::done : MsrStatus::gp; };
  if (m >= msr::kMtrrPhysBase0 && m < msr::kMtrrPhysBase0 + 2 * kMtrrVariable) {
    const u32 i = m - msr::kMtrrPhysBase0;
    if (!valid_variable(i, value, ctx.vcpu.cpuid.cpu.phys_bits)) return MsrStatus::gp;
    s.mtrr_variable[i] = value;
    return MsrStatus::done;
  }
  if (const int f = fixed_index(m); f >= 0) {
    if (!valid_fixed(value)) return MsrStatus::gp;
    s.mtrr_fixed[f] = value;
    return MsrStatus::done;
  }
  switch (m) {
    case msr::kTsc:  // the guest's TSC becomes `value` now; IA32_TSC_ADJUST moves with it
      shift_tsc(ctx, value - guest_tsc(ctx));
      return MsrStatus::done;
    case msr::kTscAdjust:  // the TSC moves by the change of IA32_TSC_ADJUST
      shift_tsc(ctx, value - s.tsc_adjust);
      return MsrStatus::done;
    case msr::kMtrrDefType:
      if (!valid_def_type(value)) return MsrStatus::gp;
      s.mtrr_def_type = value;
      return MsrStatus::done;
    case msr::kMiscEnable:
      // A write may not change a read-only bit nor set a reserved one
      // (KVM, too, refuses a change of the PMU bits).
      if (((value ^ s.misc_enable) & misc_enable::kReadOnly) ||
          (value & ~(misc_enable::kReadOnly | misc_enable::kWritable)))
        return MsrStatus::gp;
      s.misc_enable = value;
      if (ctx.vcpu.cpuid.find(0)) ctx.vcpu.cpuid.basic[0].eax = cpuid_max_basic(ctx.vcpu.cpuid.cpu, s);
      return MsrStatus::done;
    case msr::kMtrrCap:
    case msr::kMcgCap: return MsrStatus::gp;  // read-only
    case msr::kMcgStatus:
      if (value & ~kMcgStatusBits) return MsrStatus::gp;
      s.mcg_status = value;
      return MsrStatus::done;
    case msr::kXss:  // no supervisor state component is enumerated (leaf 0xD.1 ECX = EDX = 0)
      return done_if(has_xsaves(ctx.vcpu) && value == 0);
    default: return MsrStatus::not_mine;
  }
}

}  // namespace nucleo::vmx
