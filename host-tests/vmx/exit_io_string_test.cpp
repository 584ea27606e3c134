// SPDX-License-Identifier: MIT
// INS/OUTS exits (vmx/core/exit_io.cpp string_io): with and without REP,
// every size, segment overrides, DF = 1, 16/32-bit address-size wrap,
// chunks of 4096 iterations, memory outside the VM's RAM, and guest paging.
#include <gtest/gtest.h>

#include "host-tests/support/exit_rig.hpp"
#include "host-tests/support/io_recorder.hpp"
#include "kernel/virt/guest_paging.hpp"

namespace nucleo::vmx::exit_test {
namespace {

using test::Dir;
using test::io_qual;
using test::IoRecorder;
using test::string_info;

constexpr u16 kPort = 0x80;

struct StringRig : ExitRig {
  IoRecorder dev;
  StringRig() {
    EXPECT_TRUE(vm.io.attach(kPort, kPort, dev));
    vmcs.set(Vmcs32::exit_instruction_info, string_info(4));
  }
  bool outs(u8 size, bool rep, u32 info = string_info(4)) {
    vmcs.set(Vmcs32::exit_instruction_info, info);
    return exit(ExitReason::io_instruction, io_qual(kPort, size, Dir::out, true, rep), rep ? 2 : 1);
  }
  bool ins(u8 size, bool rep, u32 info = string_info(4)) {
    vmcs.set(Vmcs32::exit_instruction_info, info);
    return exit(ExitReason::io_instruction, io_qual(kPort, size, Dir::in, true, rep), rep ? 2 : 1);
  }
};

TEST(StringIoExit, GivenOutsbWithoutRepWhenHandledThenOneByteFromDsRsiAndRsiSteps) {
  StringRig r;
  r.poke(0x2000, "AB", 2);
  r.regs.rsi = 0x2000;
  r.regs.rcx = 7;  // ignored without REP
  ASSERT_TRUE(r.outs(1, false));
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_EQ(r.dev.out_values(), std::vector<u32>{'A'});
  EXPECT_EQ(r.regs.rsi, 0x2001u);
  EXPECT_EQ(r.regs.rcx, 7u);
  EXPECT_EQ(r.rip(), ExitRig::kRip + 1);
}

TEST(StringIoExit, GivenRepOutsOfEachSizeWhenHandledThenLittleEndianValuesAndRcxZero) {
  const u8 bytes[] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC};
  const std::vector<u32> want[] = {{0x11, 0x22, 0x33}, {0x2211, 0x4433, 0x6655}, {0x44332211, 0x88776655, 0xCCBBAA99}};
  const u8 sizes[] = {1, 2, 4};
  for (int i = 0; i < 3; ++i) {
    StringRig r;
    r.poke(0x3000, bytes, sizeof bytes);
    r.regs.rsi = 0x3000;
    r.regs.rcx = 3;
    ASSERT_TRUE(r.outs(sizes[i], true));
    EXPECT_EQ(r.dev.out_values(), want[i]) << int{sizes[i]};
    for (const IoRecorder::Access& a : r.dev.log) EXPECT_EQ(a.size, sizes[i]);
    EXPECT_EQ(r.regs.rsi, 0x3000u + 3u * sizes[i]);
    EXPECT_EQ(r.regs.rcx, 0u);
    EXPECT_EQ(r.rip(), ExitRig::kRip + 2);
  }
}

TEST(StringIoExit, GivenRepInsOfEachSizeWhenHandledThenValuesStoredAtEsRdiLittleEndian) {
  const u8 sizes[] = {1, 2, 4};
  for (const u8 size : sizes) {
    StringRig r;
    r.dev.reads = {0x04030201, 0x08070605};
    r.vmcs.set(VmcsNat::guest_es_base, 0x10000);
    r.vmcs.set(VmcsNat::guest_ds_base, 0x50000);  // INS ignores DS and overrides
    r.regs.rdi = 0x100;
    r.regs.rcx = 2;
    ASSERT_TRUE(r.ins(size, true, string_info(4, SegmentReg::fs)));
    const u8 b1 = 0x01, b2 = 0x05;
    const std::string want = size == 1   ? std::string{char(b1), char(b2)}
                             : size == 2 ? std::string("\x01\x02\x05\x06", 4)
                                         : std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    EXPECT_EQ(r.peek(0x10100, 2u * size), want) << int{size};
    EXPECT_EQ(r.regs.rdi, 0x100u + 2u * size);
    EXPECT_EQ(r.regs.rcx, 0u);
  }
}

TEST(StringIoExit, GivenInsbWithoutRepFromUnclaimedPortWhenHandledThenAllOnesStored) {
  StringRig r;
  r.regs.rdi = 0x4000;
  r.vmcs.set(Vmcs32::exit_instruction_info, string_info(4));
  ASSERT_TRUE(r.exit(ExitReason::io_instruction, io_qual(0x81, 2, Dir::in, true, false), 1));
  EXPECT_EQ(r.peek(0x4000, 3), std::string("\xFF\xFF\x00", 3));
  EXPECT_EQ(r.regs.rdi, 0x4002u);
}

TEST(StringIoExit, GivenOutsWithEachSegmentOverrideWhenHandledThenThatSegmentsBaseIsUsed) {
  struct Row {
    SegmentReg seg;
    VmcsNat base;
  };
  const Row rows[] = {{SegmentReg::es, VmcsNat::guest_es_base}, {SegmentReg::cs, VmcsNat::guest_cs_base},
                      {SegmentReg::ss, VmcsNat::guest_ss_base}, {SegmentReg::ds, VmcsNat::guest_ds_base},
                      {SegmentReg::fs, VmcsNat::guest_fs_base}, {SegmentReg::gs, VmcsNat::guest_gs_base}};
  for (int i = 0; i < 6; ++i) {
    StringRig r;
    for (int j = 0; j < 6; ++j) {
      r.vmcs.set(rows[j].base, 0x10000u * static_cast<u32>(j + 1));
      r.ram[0x10000u * static_cast<u32>(j + 1) + 0x10] = static_cast<u8>(0xA0 + j);
    }
    r.regs.rsi = 0x10;
    ASSERT_TRUE(r.outs(1, false, string_info(4, rows[i].seg)));
    EXPECT_EQ(r.dev.out_values(), std::vector<u32>{0xA0u + static_cast<u32>(i)}) << i;
  }
}

TEST(StringIoExit, GivenDirectionFlagWhenRepOutsbThenAddressesDescend) {
  StringRig r;
  r.poke(0x2000, "abcde", 5);
  r.vmcs.set(VmcsNat::guest_rflags, kRflagsFixed | kRflagsDf);
  r.regs.rsi = 0x2004;
  r.regs.rcx = 3;
  ASSERT_TRUE(r.outs(1, true));
  EXPECT_EQ(r.dev.out_values(), (std::vector<u32>{'e', 'd', 'c'}));
  EXPECT_EQ(r.regs.rsi, 0x2001u);
  EXPECT_EQ(r.regs.rcx, 0u);
}

TEST(StringIoExit, GivenDirectionFlagWhenRepInswThenRdiStepsDownByTwo) {
  StringRig r;
  r.dev.reads = {0xBBAA, 0xDDCC};
  r.vmcs.set(VmcsNat::guest_rflags, kRflagsFixed | kRflagsDf);
  r.regs.rdi = 0x5002;
  r.regs.rcx = 2;
  ASSERT_TRUE(r.ins(2, true));
  EXPECT_EQ(r.peek(0x5000, 4), "\xCC\xDD\xAA\xBB");
  EXPECT_EQ(r.regs.rdi, 0x4FFEu);
}

TEST(StringIoExit, GivenSixteenBitAddressSizeWhenSiWrapsThenOnlySiAndCxChangeAndTheOffsetWraps) {
  StringRig r;
  r.vmcs.set(VmcsNat::guest_ds_base, 0x10000);
  r.ram[0x1FFFF] = 'x';
  r.ram[0x10000] = 'y';
  r.regs.rsi = 0xABCD00000000FFFF;
  r.regs.rcx = 0x1234567800000002;  // only CX counts
  ASSERT_TRUE(r.outs(1, true, string_info(2)));
  EXPECT_EQ(r.dev.out_values(), (std::vector<u32>{'x', 'y'}));
  EXPECT_EQ(r.regs.rsi, 0xABCD000000000001u);
  EXPECT_EQ(r.regs.rcx, 0x1234567800000000u);
}

TEST(StringIoExit, GivenSixteenBitAddressSizeWhenCxIsZeroThenNothingMovesAndRipAdvances) {
  StringRig r;
  r.regs.rcx = 0x10000;  // CX = 0
  ASSERT_TRUE(r.outs(1, true, string_info(2)));
  EXPECT_TRUE(r.dev.log.empty());
  EXPECT_EQ(r.regs.rcx, 0x10000u);
  EXPECT_EQ(r.rip(), ExitRig::kRip + 2);
}

TEST(StringIoExit, GivenThirtyTwoBitAddressSizeWhenEsiWrapsThenTheLinearAddressWrapsToo) {
  StringRig r;
  r.vmcs.set(VmcsNat::guest_ds_base, 0x1000);
  r.ram[0xFFF] = 'p';  // 0x1000 + 0xFFFFFFFF wraps to 0xFFF
  r.ram[0x1000] = 'q';
  r.regs.rsi = 0xFFFFFFFF;
  r.regs.rcx = 2;
  ASSERT_TRUE(r.outs(1, true, string_info(4)));
  EXPECT_EQ(r.dev.out_values(), (std::vector<u32>{'p', 'q'}));
  EXPECT_EQ(r.regs.rsi, 1u);
}

TEST(StringIoExit, GivenUnusedAddressSizeEncodingWhenHandledThenThirtyTwoBitsAreAssumed) {
  StringRig r;
  r.ram[0x2000] = 'z';
  r.regs.rsi = 0xFFFFFFFF00002000;
  ASSERT_TRUE(r.outs(1, false, 3u << 7));
  EXPECT_EQ(r.dev.out_values(), std::vector<u32>{'z'});
  EXPECT_EQ(r.regs.rsi, 0xFFFFFFFF00002001u);
}

TEST(StringIoExit, GivenMoreThan4096IterationsWhenHandledThenChunkedWithRipOnTheInstructionUntilDone) {
  StringRig r;
  r.regs.rsi = 0x10000;
  r.regs.rcx = 5000;
  EXPECT_TRUE(r.outs(1, true));
  EXPECT_TRUE(is_resume(r.last));
  EXPECT_EQ(r.dev.log.size(), 4096u);
  EXPECT_EQ(r.regs.rcx, 5000u - 4096u);
  EXPECT_EQ(r.regs.rsi, 0x10000u + 4096u);
  EXPECT_EQ(r.rip(), ExitRig::kRip);
  EXPECT_TRUE(r.outs(1, true));  // the CPU re-executes the REP OUTSB
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_EQ(r.dev.log.size(), 5000u);
  EXPECT_EQ(r.regs.rcx, 0u);
  EXPECT_EQ(r.regs.rsi, 0x10000u + 5000u);
  EXPECT_EQ(r.rip(), ExitRig::kRip + 2);
}

TEST(StringIoExit, GivenExactly4096IterationsWhenHandledThenDoneInOneExit) {
  StringRig r;
  r.regs.rdi = 0x10000;
  r.regs.rcx = 4096;
  EXPECT_TRUE(r.ins(4, true));
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_EQ(r.regs.rcx, 0u);
  EXPECT_EQ(r.regs.rdi, 0x10000u + 4u * 4096u);
}

TEST(StringIoExit, GivenAccessStraddlingTheEndOfRamWhenHandledThenVmStopsWithDiagnostic) {
  StringRig r;
  r.regs.rsi = ExitRig::kRamSize - 1;
  EXPECT_FALSE(r.outs(2, false));
  EXPECT_TRUE(is_stop(r.last, StopReason::bad_memory_access));
  EXPECT_EQ(r.vm.stop_reason, StopReason::bad_memory_access);
  // The element's first byte is RAM; its second is not, and is the one named.
  EXPECT_EQ(r.diagnosis(), "string I/O on port 0x80 at linear 0x200000: outside the VM's RAM");
  EXPECT_TRUE(r.dev.log.empty());
  EXPECT_EQ(r.rip(), ExitRig::kRip);
}

TEST(StringIoExit, GivenRepRunningOffTheEndOfRamWhenHandledThenDoneIterationsStayDoneAndVmStops) {
  StringRig r;
  r.regs.rdi = ExitRig::kRamSize - 2;
  r.regs.rcx = 4;
  EXPECT_FALSE(r.ins(1, true));
  EXPECT_TRUE(is_stop(r.last, StopReason::bad_memory_access));
  EXPECT_EQ(r.dev.log.size(), 2u);
  EXPECT_EQ(r.regs.rcx, 2u);
  EXPECT_EQ(r.regs.rdi, ExitRig::kRamSize);
}

TEST(StringIoExit, GivenRepOutsToTheDebugExitPortWhenTheFirstByteEndsTheVmThenTheRestIsNotSent) {
  ExitRig r;
  IoRecorder after;
  ASSERT_TRUE(r.vm.io.attach(0x81, 0x81, after));
  struct : IoDevice {
    Vm* vm = nullptr;
    int writes = 0;
    bool io_in(u16, u8, u32&) override { return false; }
    bool io_out(u16, u8, u32 value) override {
      ++writes;
      vm->exit_requested = true;
      vm->requested_code = value;
      return true;
    }
  } exit_port;
  exit_port.vm = &r.vm;
  ASSERT_TRUE(r.vm.io.attach(0xF4, 0xF4, exit_port));
  r.poke(0x2000, "\x07\x08\x09", 3);
  r.regs.rsi = 0x2000;
  r.regs.rcx = 3;
  r.vmcs.set(Vmcs32::exit_instruction_info, string_info(4));
  EXPECT_FALSE(r.exit(ExitReason::io_instruction, io_qual(0xF4, 1, Dir::out, true, true), 2));
  EXPECT_TRUE(is_stop(r.last, StopReason::guest_exit, 7));
  EXPECT_EQ(exit_port.writes, 1);
  EXPECT_EQ(r.regs.rcx, 2u);
}

// 4-level paging: PML4 at 0x100000, PDPT 0x101000, PD 0x102000, PT 0x103000.
void map_4k(ExitRig& r, u64 linear, u64 page) {
  r.poke64(0x100000 + ((linear >> 39) & 511) * 8, 0x101003);
  r.poke64(0x101000 + ((linear >> 30) & 511) * 8, 0x102003);
  r.poke64(0x102000 + ((linear >> 21) & 511) * 8, 0x103003);
  r.poke64(0x103000 + ((linear >> 12) & 511) * 8, page | 3);
}

TEST(StringIoExit, GivenLongModePagingWhenRepOutsbCrossesAPageThenEachPageIsTranslated) {
  StringRig r;
  r.long64(0x100000);
  const u64 linear = 0xFFFF800000400FFE;
  map_4k(r, linear, 0x150000);
  map_4k(r, linear + 0x1000, 0x120000);
  r.poke(0x150FFE, "ab", 2);
  r.poke(0x120000, "cd", 2);
  r.regs.rsi = linear;
  r.regs.rcx = 4;
  ASSERT_TRUE(r.outs(1, true, string_info(8)));
  EXPECT_EQ(r.dev.out_values(), (std::vector<u32>{'a', 'b', 'c', 'd'}));
  EXPECT_EQ(r.regs.rsi, linear + 4);
}

// SDM Vol. 3A 5.6-5.7: the access is checked with the guest's rights; a
// refused or missing page is the #PF the processor would raise, CR2 = the
// faulting linear address, and the iterations before it stay done.
TEST(StringIoExit, GivenPagingWhenThePageIsNotPresentThenPfWithWriteAndCr2) {
  StringRig r;
  r.long64(0x100000);
  r.regs.rdi = 0x7F0000001000;
  EXPECT_TRUE(r.ins(1, false, string_info(8)));
  EXPECT_TRUE(is_exception(r.last, vec::kPf, nucleo::pf::kWrite));
  EXPECT_EQ(r.cpu.cr2_writes, (std::vector<u64>{0x7F0000001000}));
  EXPECT_EQ(r.regs.rdi, 0x7F0000001000u);
}

TEST(StringIoExit, GivenCplThreeWhenRepOutsbReachesASupervisorPageThenPfAfterTheUserBytes) {
  StringRig r;
  r.long64(0x100000);
  r.vmcs.set(Vmcs32::guest_ss_access, r.vmcs.read(Vmcs32::guest_ss_access) | (3u << 5));  // CPL 3
  const u64 linear = 0x0000000000400FFE;
  r.poke64(0x100000, 0x101007);
  r.poke64(0x101000, 0x102007);
  r.poke64(0x102000 + 2 * 8, 0x103007);
  r.poke64(0x103000 + 0 * 8, 0x150007);  // 0x400000: user
  r.poke64(0x103000 + 1 * 8, 0x151003);  // 0x401000: supervisor
  r.poke(0x150FFE, "ab", 2);
  r.regs.rsi = linear;
  r.regs.rcx = 4;
  EXPECT_TRUE(r.outs(1, true, string_info(8)));
  EXPECT_TRUE(is_exception(r.last, vec::kPf, nucleo::pf::kPresent | nucleo::pf::kUser));
  EXPECT_EQ(r.dev.out_values(), (std::vector<u32>{'a', 'b'}));
  EXPECT_EQ(r.regs.rcx, 2u);
  EXPECT_EQ(r.regs.rsi, linear + 2);
  EXPECT_EQ(r.cpu.cr2_writes, (std::vector<u64>{linear + 2}));
}

TEST(StringIoExit, GivenWriteProtectWhenInsbWritesAReadOnlyPageThenPfWithPresentAndWrite) {
  StringRig r;
  r.long64(0x100000);
  r.vmcs.set(VmcsNat::guest_cr0, r.vmcs.read(VmcsNat::guest_cr0) | (1u << 16));  // CR0.WP
  r.poke64(0x100000, 0x101003);
  r.poke64(0x101000, 0x102003);
  r.poke64(0x102000 + 2 * 8, 0x103003);
  r.poke64(0x103000, 0x150001);  // 0x400000: read-only
  r.regs.rdi = 0x400010;
  EXPECT_TRUE(r.ins(1, false, string_info(8)));
  EXPECT_TRUE(is_exception(r.last, vec::kPf, nucleo::pf::kPresent | nucleo::pf::kWrite));
  EXPECT_TRUE(r.dev.log.empty());  // the port is not read when the store cannot happen
  EXPECT_EQ(r.ram[0x150010], 0);
}

TEST(StringIoExit, GivenPaePagingWhenInsbThenTheByteLandsInTheTranslatedPage) {
  StringRig r;
  r.vmcs.set(VmcsNat::guest_cr0, r.vmcs.read(VmcsNat::guest_cr0) | 0x80000000);
  r.vmcs.set(VmcsNat::guest_cr4, r.vmcs.read(VmcsNat::guest_cr4) | 0x20);
  r.vmcs.set(VmcsNat::guest_cr3, 0x100020);  // PDPT at CR3[31:5]
  r.poke64(0x100020 + 3 * 8, 0x101001);      // 0xC0000000-: PD 0x101000
  r.poke64(0x101000 + 1 * 8, 0x000083);      // 0xC0200000-: the 2 MiB page at 0
  r.dev.read_value = 0x5A;
  r.regs.rdi = 0xC0212345;
  r.vmcs.set(VmcsNat::guest_es_base, 0);
  ASSERT_TRUE(r.ins(1, false));
  EXPECT_EQ(r.ram[0x12345], 0x5A);
}

TEST(StringIoExit, GivenThirtyTwoBitPagingWhenRepOutswThenWordsComeFromTheTranslatedPage) {
  StringRig r;
  r.vmcs.set(VmcsNat::guest_cr0, r.vmcs.read(VmcsNat::guest_cr0) | 0x80000000);
  r.vmcs.set(VmcsNat::guest_cr3, 0x100000);
  r.poke32(0x100000 + 0x300 * 4, 0x101003);  // 0xC0000000-: PT at 0x101000
  r.poke32(0x101000 + 0x12 * 4, 0x1A0003);   // 0xC0012000 -> 0x1A0000
  r.poke(0x1A0010, "\x01\x02\x03\x04", 4);
  r.vmcs.set(VmcsNat::guest_ds_base, 0xC0000000);
  r.regs.rsi = 0x12010;
  r.regs.rcx = 2;
  ASSERT_TRUE(r.outs(2, true));
  EXPECT_EQ(r.dev.out_values(), (std::vector<u32>{0x0201, 0x0403}));
}

// Regression (fixed): vmx/core/exit_io.cpp string_io keeps RSI/RDI/RCX bits 63:32 with a
// 32-bit address size; in 64-bit mode (67h prefix) ESI/EDI/ECX writes
// zero-extend (SDM Vol. 1 3.4.1.1), as KVM's emulator does.
TEST(StringIoExit, GivenLongModeWithThirtyTwoBitAddressSizeWhenHandledThenIndexAndCountZeroExtend) {
  StringRig r;
  r.long64(0x100000);
  map_4k(r, 0x2000, 0x2000);
  r.regs.rsi = 0xFFFFFFFF00002000;
  r.regs.rcx = 0xFFFFFFFF00000001;
  ASSERT_TRUE(r.outs(1, true, string_info(4)));
  EXPECT_EQ(r.regs.rsi, 0x2001u);
  EXPECT_EQ(r.regs.rcx, 0u);
}

// Regression (fixed): vmx/core/exit_io.cpp segment_base uses the ES/DS/SS/CS bases in
// 64-bit mode, where the CPU treats them as 0 (SDM Vol. 3A 3.4.4); the VMCS
// keeps whatever base was loaded before.
TEST(StringIoExit, GivenLongModeWithNonZeroDsBaseWhenOutsThenTheBaseIsIgnored) {
  StringRig r;
  r.long64(0x100000);
  map_4k(r, 0x2000, 0x2000);
  r.vmcs.set(VmcsNat::guest_ds_base, 0x10000);
  r.ram[0x2000] = 'k';
  r.regs.rsi = 0x2000;
  ASSERT_TRUE(r.outs(1, false, string_info(8)));
  EXPECT_EQ(r.dev.out_values(), std::vector<u32>{'k'});
}

// Regression (fixed): vmx/core/exit_io.cpp string_io translates only the first byte of
// each element: a word or dword that crosses a page boundary is read from
// (written to) guest-physical bytes following that first byte instead of
// the next page's frame.
TEST(StringIoExit, GivenOutswCrossingIntoADiscontiguousPageWhenHandledThenEachByteFromItsOwnPage) {
  StringRig r;
  r.long64(0x100000);
  map_4k(r, 0x5000, 0x150000);
  map_4k(r, 0x6000, 0x120000);
  r.ram[0x150FFF] = 0x34;
  r.ram[0x120000] = 0x12;
  r.ram[0x151000] = 0xEE;  // what the contiguous read picks up instead
  r.regs.rsi = 0x5FFF;
  ASSERT_TRUE(r.outs(2, false, string_info(8)));
  EXPECT_EQ(r.dev.out_values(), std::vector<u32>{0x1234});
}

}  // namespace
}  // namespace nucleo::vmx::exit_test
