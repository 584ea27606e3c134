// SPDX-License-Identifier: MIT
// Power-on values: SDM Vol. 3A 10.1.1, Table 10-1 (x87 control word 0040H,
// status word 0, tag word 5555H (every register holding +0.0), XMM
// registers 0 and MXCSR 1F80H, XCR0 1), Vol. 4 Table 2-2
// (STAR, LSTAR, CSTAR, FMASK, KERNEL_GS_BASE, TSC_AUX 0 after reset).
// XRSTOR (Vol. 1 13.8) loads x87 and SSE from the legacy area and puts
// every other enabled component (AVX, AVX-512, PKRU, AMX, MPX) in its
// initial configuration, as XSTATE_BV leaves their bits clear.
#include "vmx/hw/guest_core_reset.hpp"

#include "kernel/arch/cpu.hpp"
#include "kernel/arch/x86_bits.hpp"
#include "vmx/core/xsave.hpp"

namespace nucleo::vmx {

namespace {

constexpr u32 kStar = 0xC0000081, kLstar = 0xC0000082, kCstar = 0xC0000083, kFmask = 0xC0000084;
constexpr u32 kKernelGsBase = 0xC0000102, kTscAux = 0xC0000103;
constexpr u64 kCr4Osfxsr = 1u << 9;

// The legacy area (Vol. 1 10.5.1, Table 10-2) and the XSAVE header: FCW at
// byte 0, MXCSR at 24, XSTATE_BV at 512 (x87 and SSE from memory).
struct alignas(64) PowerOnArea {
  u8 bytes[576];
};
constexpr PowerOnArea make_area() {
  PowerOnArea a{};
  a.bytes[0] = 0x40;  // FCW 0040H
  a.bytes[4] = 0xFF;  // abridged tag: every register valid, and as each is 0, the tag word is 5555H
  a.bytes[24] = 0x80;
  a.bytes[25] = 0x1F;  // MXCSR 1F80H
  a.bytes[512] = 0x3;  // XSTATE_BV: x87, SSE
  return a;
}
constinit const PowerOnArea kPowerOn = make_area();

bool has_tsc_aux() {
  const bool rdtscp = cpu::cpuid(0x80000000).eax >= 0x80000001 && (cpu::cpuid(0x80000001).edx & (1u << 27));
  const bool rdpid = cpu::cpuid(0).eax >= 7 && (cpu::cpuid(7).ecx & (1u << 22));
  return rdtscp || rdpid;
}

}  // namespace

void reset_guest_core_state() {
  static constexpr u32 kZeroed[] = {kStar, kLstar, kCstar, kFmask, kKernelGsBase};
  for (u32 msr : kZeroed) cpu::wrmsr(msr, 0);
  if (has_tsc_aux()) cpu::wrmsr(kTscAux, 0);
  const u64 cr4 = cpu::read_cr4();
  cpu::write_cr4(cr4 | kCr4Osfxsr);  // FXRSTOR/XRSTOR load XMM and MXCSR only with OSFXSR
  if (cr4 & x86::kCr4Osxsave) {
    // Every component this processor has and nucleo knows the rules of
    // (vmx/core/xsave.hpp), so none keeps a value the guest left.
    const cpu::CpuidResult d = cpu::cpuid(0xD, 0);
    const u64 all = ((u64{d.edx} << 32) | d.eax) & xcr0::kKnown;
    asm volatile("xsetbv" ::"c"(0u), "a"(static_cast<u32>(all)), "d"(static_cast<u32>(all >> 32)));
    asm volatile("xrstor %0" ::"m"(kPowerOn), "a"(static_cast<u32>(all)), "d"(static_cast<u32>(all >> 32)));
    asm volatile("xsetbv" ::"c"(0u), "a"(static_cast<u32>(xcr0::kX87)), "d"(0u));
  } else {
    asm volatile("fxrstor %0" ::"m"(kPowerOn));
  }
  cpu::write_cr4(cr4);
}

}  // namespace nucleo::vmx
