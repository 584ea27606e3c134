// SPDX-License-Identifier: MIT
// A scripted CpuAccess for exit-handler tests: CPUID answered from a table
// (exact subleaf first, then any subleaf, else zeros), MSRs from a table, a
// TSC that advances by a fixed step per read, and XSETBV recorded.
// With strict_xsetbv it refuses, like the real instruction, any XCR0 value
// its own leaf 0xD and the SDM rules forbid: such a value would be a #GP in
// VMX root operation, the end of the machine, so it lands in xsetbv_faults.
// haswell_4770() holds the CPUID leaves of an Intel Core i7-4770 (family 6,
// model 0x3C, stepping 3) with current microcode: 4 cores, 8 threads.
#pragma once

#include <map>
#include <utility>
#include <vector>

#include "kernel/virt/cpu_access.hpp"

namespace nucleo::test {

class FakeCpu final : public CpuAccess {
 public:
  static constexpr u32 kAnySubleaf = 0xFFFFFFFF;

  CpuidValues cpuid(u32 leaf, u32 subleaf) override {
    cpuid_calls.emplace_back(leaf, subleaf);
    auto it = cpuid_table.find({leaf, subleaf});
    if (it == cpuid_table.end()) it = cpuid_table.find({leaf, kAnySubleaf});
    return it == cpuid_table.end() ? CpuidValues{} : it->second;
  }
  u64 rdmsr(u32 msr) override {
    rdmsr_calls.push_back(msr);
    const auto it = msrs.find(msr);
    return it == msrs.end() ? 0 : it->second;
  }
  u64 rdtsc() override {
    const u64 t = tsc;
    tsc += tsc_step;
    ++rdtsc_calls;
    return t;
  }
  void xsetbv(u32 xcr, u64 value) override {
    if (strict_xsetbv && (xcr != 0 || !sdm_xcr0_legal(value, supported_xcr0()))) {
      xsetbv_faults.emplace_back(xcr, value);
      return;
    }
    xsetbv_calls.emplace_back(xcr, value);
  }
  // XSETBV's rules, written out from SDM Vol. 2C XSETBV and Vol. 1 13.3
  // independently of vmx/core/xsave.cpp: supported bits only, x87 set,
  // XCR0[2:1] != 10b, XCR0[7:5] in {000b, 111b} and 111b only with
  // XCR0[2:1] = 11b, XCR0[4:3] and XCR0[18:17] in {00b, 11b}.
  static bool sdm_xcr0_legal(u64 value, u64 supported) {
    const u64 sse_avx = (value >> 1) & 3, mpx = (value >> 3) & 3, avx512 = (value >> 5) & 7, amx = (value >> 17) & 3;
    return (value & ~supported) == 0 && (value & 1) && sse_avx != 2 && (avx512 == 0 || (avx512 == 7 && sse_avx == 3)) &&
           (mpx == 0 || mpx == 3) && (amx == 0 || amx == 3);
  }
  // CPUID.(EAX=0DH,ECX=0):EDX:EAX of this CPU (not recorded as a call).
  u64 supported_xcr0() const {
    const auto it = cpuid_table.find({0xD, 0});
    return it == cpuid_table.end() ? 0 : u64{it->second.edx} << 32 | it->second.eax;
  }
  void relax() override { ++relax_calls; }

  void set_cpuid(u32 leaf, CpuidValues v) { cpuid_table[{leaf, kAnySubleaf}] = v; }
  void set_cpuid(u32 leaf, u32 subleaf, CpuidValues v) { cpuid_table[{leaf, subleaf}] = v; }

  static FakeCpu haswell_4770() {
    FakeCpu c;
    c.set_cpuid(0x0, {0xD, 0x756E6547, 0x6C65746E, 0x49656E69});  // "GenuineIntel"
    // APIC ID 7 of 16 logical slots; VMX, SMX, MONITOR, x2APIC, TSC-deadline,
    // XSAVE; APIC, MTRR, ACPI, HTT.
    c.set_cpuid(0x1, {0x000306C3, 0x07100800, 0x7FFAFBFF, 0xBFEBFBFF});
    c.set_cpuid(0x2, {0x76036301, 0x00F0B5FF, 0x00000000, 0x00C10000});
    c.set_cpuid(0x4, 0, {0x1C004121, 0x01C0003F, 0x0000003F, 0x00000000});
    c.set_cpuid(0x4, 1, {0x1C004122, 0x01C0003F, 0x0000003F, 0x00000000});
    c.set_cpuid(0x4, 2, {0x1C004143, 0x01C0003F, 0x000001FF, 0x00000000});
    c.set_cpuid(0x4, 3, {0x1C03C163, 0x03C0003F, 0x00001FFF, 0x00000006});
    c.set_cpuid(0x4, 4, {0x00000000, 0x00000000, 0x00000000, 0x00000000});
    c.set_cpuid(0x5, {0x00000040, 0x00000040, 0x00000003, 0x00042120});
    c.set_cpuid(0x6, {0x00000077, 0x00000002, 0x00000009, 0x00000000});
    // Subleaf 0: IBRS/IBPB, STIBP, L1D_FLUSH, ARCH_CAPABILITIES, SSBD, MD_CLEAR.
    c.set_cpuid(0x7, 0, {0x00000000, 0x000027AB, 0x00000000, 0xBC000400});
    c.set_cpuid(0x7, 1, {0x00000000, 0x00000000, 0x00000000, 0x00000000});
    c.set_cpuid(0xA, {0x07300403, 0x00000000, 0x00000000, 0x00000603});
    c.set_cpuid(0xB, 0, {0x00000001, 0x00000002, 0x00000100, 0x00000007});
    c.set_cpuid(0xB, 1, {0x00000004, 0x00000008, 0x00000201, 0x00000007});
    c.set_cpuid(0xD, 0, {0x00000007, 0x00000340, 0x00000340, 0x00000000});  // x87, SSE, AVX
    c.set_cpuid(0xD, 1, {0x00000001, 0x00000000, 0x00000000, 0x00000000});
    c.set_cpuid(0xD, 2, {0x00000100, 0x00000240, 0x00000000, 0x00000000});
    c.set_cpuid(0x80000000, {0x80000008, 0, 0, 0});
    c.set_cpuid(0x80000001, {0x00000000, 0x00000000, 0x00000021, 0x2C100800});
    c.set_cpuid(0x80000006, {0x00000000, 0x00000000, 0x01006040, 0x00000000});
    c.set_cpuid(0x80000007, {0x00000000, 0x00000000, 0x00000000, 0x00000100});
    c.set_cpuid(0x80000008, {0x00003027, 0x00000000, 0x00000000, 0x00000000});
    c.msrs[0x10] = 0;
    c.msrs[0x1B] = 0xFEE00900;
    return c;
  }

  std::map<std::pair<u32, u32>, CpuidValues> cpuid_table;
  std::map<u32, u64> msrs;
  u64 tsc = 0;
  u64 tsc_step = 0;

  std::vector<std::pair<u32, u32>> cpuid_calls;
  std::vector<u32> rdmsr_calls;
  int rdtsc_calls = 0;
  void write_cr2(u64 value) override { cr2_writes.push_back(value); }
  std::vector<u64> cr2_writes;  // every CR2 a handler loaded (#PF injection)
  bool strict_xsetbv = false;
  std::vector<std::pair<u32, u64>> xsetbv_calls;
  std::vector<std::pair<u32, u64>> xsetbv_faults;  // strict_xsetbv: what would have faulted the host
  int relax_calls = 0;
};

}  // namespace nucleo::test
