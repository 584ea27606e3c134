// SPDX-License-Identifier: MIT
// The APIC-virtualization exits (vmx/core/exit_apic.cpp) with the fake
// VMCS: APIC-access exits emulating MOV loads and stores in 32- and 64-bit
// guests (through the guest's page tables), byte/word/quadword, MOVZX/MOVSX,
// moffs and unaligned accesses, refusals with the bytes named,
// EOI-induced and APIC-write exits, and the entry-side helpers.
#include <gtest/gtest.h>

#include <vector>

#include "host-tests/support/exit_rig.hpp"
#include "vmx/core/exit_apic.hpp"

namespace nucleo::vmx::exit_test {
namespace {

using namespace nucleo::vlapic;

class Clock final : public GuestClock {
 public:
  u64 tsc() const override { return 1000; }
  u64 tsc_hz() const override { return 1000000000; }
};

struct ApicRig : ExitRig {
  Clock clock;
  LapicPage page{};
  VirtualLapic lapic{page, clock, LapicConfig{}};
  ApicRig() { lapic.write(kSvr, 0x1FF); }

  void code(std::vector<u8> bytes, u64 gpa = kRip) { poke(gpa, bytes.data(), bytes.size()); }
  // One APIC-access exit, then apply() as the dispatcher would.
  bool access(ApicAccessType type, u32 offset) {
    exit_fields(ExitReason::apic_access, (u64{static_cast<u8>(type)} << 12) | offset);
    last = handle_apic_access(ctx, lapic);
    return apply(ctx, last);
  }
  // 64-bit mode, linear 1 GiB + x -> physical x through 2 MiB pages.
  void long_mode_at_1g() {
    poke64(0x10000, 0x11000 | 3);            // PML4[0] -> PDPT
    poke64(0x11000 + 8, 0x12000 | 3);        // PDPT[1] (1 GiB) -> PD
    poke64(0x12000, 0x0 | 0x83);             // PD[0]: 2 MiB page at physical 0
    long64(0x10000);
    vmcs.set(VmcsNat::guest_rip, (1ull << 30) + kRip);
  }
};

TEST(ApicExit, GivenLoadOfTprWhenApicAccessThenDestinationGetsValueAndRipAdvancesByDecodedLength) {
  ApicRig r;
  r.lapic.write(kTpr, 0x45);
  r.code({0x8B, 0x0D, 0x80, 0x00, 0xE0, 0xFE});  // mov ecx, [0xfee00080]
  r.regs.rcx = 0xFFFFFFFFFFFFFFFF;
  ASSERT_TRUE(r.access(ApicAccessType::linear_read, kTpr));
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_EQ(r.regs.rcx, 0x45u);
  EXPECT_EQ(r.rip(), ExitRig::kRip + 6);
}

TEST(ApicExit, GivenStoreFromRegisterWhenApicAccessThenModelWrittenWithLow32Bits) {
  ApicRig r;
  r.code({0x89, 0x53, 0x10});  // mov [ebx+0x10], edx  (ebx = 0xfee00070)
  r.regs.rdx = 0xAAAAAAAA00000050;
  ASSERT_TRUE(r.access(ApicAccessType::linear_write, kTpr));
  EXPECT_EQ(r.lapic.tpr(), 0x50);
  EXPECT_EQ(r.rip(), ExitRig::kRip + 3);
}

TEST(ApicExit, GivenStoreOfImmediateToIcrWhenApicAccessThenSelfIpiIsPending) {
  ApicRig r;
  r.code({0xC7, 0x05, 0x00, 0x03, 0xE0, 0xFE, 0xEE, 0x40, 0x04, 0x00});  // mov dword [0xfee00300], 0x440ee
  ASSERT_TRUE(r.access(ApicAccessType::linear_write, kIcrLow));
  EXPECT_EQ(r.lapic.pending_vector(), 0xEE);
  EXPECT_EQ(r.rip(), ExitRig::kRip + 10);
}

TEST(ApicExit, GivenEspAsOperandWhenApicAccessThenGuestRspInTheVmcsIsUsed) {
  ApicRig r;
  r.vmcs.set(VmcsNat::guest_rsp, 0x60);
  r.code({0x89, 0x25, 0x80, 0x00, 0xE0, 0xFE});  // mov [0xfee00080], esp
  ASSERT_TRUE(r.access(ApicAccessType::linear_write, kTpr));
  EXPECT_EQ(r.lapic.tpr(), 0x60);
  r.vmcs.set(VmcsNat::guest_rip, ExitRig::kRip);
  r.code({0x8B, 0x25, 0x30, 0x00, 0xE0, 0xFE});  // mov esp, [0xfee00030]
  ASSERT_TRUE(r.access(ApicAccessType::linear_read, kVersion));
  EXPECT_EQ(r.vmcs.read(VmcsNat::guest_rsp), 0x00050014u);
}

TEST(ApicExit, Given64BitGuestWithPagingWhenRexLoadThenR9ZeroExtendedAndFetchWentThroughPageTables) {
  ApicRig r;
  r.long_mode_at_1g();
  r.lapic.write(kTpr, 0x21);
  r.code({0x44, 0x8B, 0x88, 0x80, 0x00, 0x00, 0x00});  // mov r9d, [rax+0x80]
  r.regs.r9 = 0xFFFFFFFFFFFFFFFF;
  ASSERT_TRUE(r.access(ApicAccessType::linear_read, kTpr));
  EXPECT_EQ(r.regs.r9, 0x21u);
  EXPECT_EQ(r.rip(), (1ull << 30) + ExitRig::kRip + 7);
}

TEST(ApicExit, GivenInstructionStraddlingAPageWhenFetchedThenBothPagesAreRead) {
  ApicRig r;
  r.vmcs.set(VmcsNat::guest_rip, 0x1FFD);
  r.code({0x8B, 0x05, 0x80, 0x00, 0xE0, 0xFE}, 0x1FFD);  // crosses 0x2000 (paging off: linear = physical)
  r.lapic.write(kTpr, 0x33);
  ASSERT_TRUE(r.access(ApicAccessType::linear_read, kTpr));
  EXPECT_EQ(r.regs.rax, 0x33u);
  EXPECT_EQ(r.rip(), 0x1FFDu + 6);
}

TEST(ApicExit, GivenCsBaseInProtectedModeWhenFetchedThenCsBasePlusEip) {
  ApicRig r;
  r.vmcs.set(VmcsNat::guest_cs_base, 0x3000);
  r.code({0x8B, 0x05, 0x80, 0x00, 0xE0, 0xFE}, 0x3000 + ExitRig::kRip);
  r.lapic.write(kTpr, 0x44);
  ASSERT_TRUE(r.access(ApicAccessType::linear_read, kTpr));
  EXPECT_EQ(r.regs.rax, 0x44u);
}

TEST(ApicExit, GivenUnsupportedInstructionWhenApicAccessThenVmStopsNamingTheBytes) {
  ApicRig r;
  r.code({0x87, 0x05, 0x80, 0x00, 0xE0, 0xFE});  // xchg [0xfee00080], eax
  EXPECT_FALSE(r.access(ApicAccessType::linear_read, kTpr));
  EXPECT_TRUE(is_stop(r.last, StopReason::unhandled_exit));
  EXPECT_NE(r.diagnosis().find("87 05 80 00 e0 fe"), std::string::npos) << r.diagnosis();
  EXPECT_NE(r.diagnosis().find("not a MOV"), std::string::npos) << r.diagnosis();
  EXPECT_EQ(r.rip(), ExitRig::kRip);
}

// Narrower and unaligned accesses, completed as KVM completes them: a read
// returns the bytes of the slot's 32-bit register from the accessed offset
// (0 past it), with the destination's width rules; only an aligned 32-bit
// write reaches the register, any other write completes without effect.
struct LoadRow {
  const char* what;
  std::vector<u8> code;
  u32 offset;
  u64 before, after;  // RAX or RCX (the row's register)
  bool rcx;
};

TEST(ApicExit, GivenNarrowAndExtendingLoadsWhenApicAccessThenTheRegisterGetsTheAccessedBytes) {
  const LoadRow rows[] = {
      {"mov al, [tpr]", {0x8A, 0x05, 0x80, 0x00, 0xE0, 0xFE}, kTpr, 0x1122334455667788, 0x11223344556677F0, false},
      {"mov ah, [version+2]", {0x8A, 0x25, 0x32, 0x00, 0xE0, 0xFE}, kVersion + 2, 0x1122334455667788, 0x1122334455660588,
       false},
      {"mov ax, [version]", {0x66, 0x8B, 0x05, 0x30, 0x00, 0xE0, 0xFE}, kVersion, 0x1122334455667788, 0x1122334455660014,
       false},
      {"mov ax, [version+1]", {0x66, 0x8B, 0x05, 0x31, 0x00, 0xE0, 0xFE}, kVersion + 1, 0x1122334455667788,
       0x1122334455660500, false},
      {"mov eax, [tpr+4]", {0x8B, 0x05, 0x84, 0x00, 0xE0, 0xFE}, kTpr + 4, 0x1122334455667788, 0, false},
      {"mov eax, [version+2]", {0x8B, 0x05, 0x32, 0x00, 0xE0, 0xFE}, kVersion + 2, 0x1122334455667788, 0x5, false},
      {"movzx ecx, byte [tpr]", {0x0F, 0xB6, 0x0D, 0x80, 0x00, 0xE0, 0xFE}, kTpr, ~u64{0}, 0xF0, true},
      {"movsx ecx, byte [tpr]", {0x0F, 0xBE, 0x0D, 0x80, 0x00, 0xE0, 0xFE}, kTpr, ~u64{0}, 0xFFFFFFF0, true},
      {"movsx cx, byte [tpr]", {0x66, 0x0F, 0xBE, 0x0D, 0x80, 0x00, 0xE0, 0xFE}, kTpr, 0x1111111111111111,
       0x111111111111FFF0, true},
      {"movzx ecx, word [version+2]", {0x0F, 0xB7, 0x0D, 0x32, 0x00, 0xE0, 0xFE}, kVersion + 2, ~u64{0}, 0x5, true},
      {"mov eax, moffs [tpr]", {0xA1, 0x80, 0x00, 0xE0, 0xFE}, kTpr, ~u64{0}, 0xF0, false},
      {"mov al, moffs [tpr]", {0xA0, 0x80, 0x00, 0xE0, 0xFE}, kTpr, 0x1234, 0x12F0, false},
  };
  for (const LoadRow& row : rows) {
    SCOPED_TRACE(row.what);
    ApicRig r;
    r.lapic.write(kTpr, 0xF0);
    r.code(row.code);
    (row.rcx ? r.regs.rcx : r.regs.rax) = row.before;
    ASSERT_TRUE(r.access(ApicAccessType::linear_read, row.offset));
    EXPECT_TRUE(is_advance(r.last));
    EXPECT_EQ(row.rcx ? r.regs.rcx : r.regs.rax, row.after);
    EXPECT_EQ(r.rip(), ExitRig::kRip + row.code.size());
  }
}

TEST(ApicExit, Given64BitLoadInA64BitGuestWhenApicAccessThenTheRegisterAndZerosAbove) {
  ApicRig r;
  r.long_mode_at_1g();
  r.lapic.write(kTpr, 0x21);
  r.code({0x48, 0x8B, 0x80, 0x80, 0x00, 0x00, 0x00});  // mov rax, [rax+0x80]
  r.regs.rax = 0xFFFFFFFFFFFFFFFF;
  ASSERT_TRUE(r.access(ApicAccessType::linear_read, kTpr));
  EXPECT_EQ(r.regs.rax, 0x21u);
}

struct StoreRow {
  const char* what;
  std::vector<u8> code;
  u32 offset;
  bool reaches_tpr;
};

TEST(ApicExit, GivenStoresOfEveryWidthWhenApicAccessThenOnlyAnAlignedDwordReachesTheRegister) {
  const StoreRow rows[] = {
      {"mov [tpr], eax (moffs)", {0xA3, 0x80, 0x00, 0xE0, 0xFE}, kTpr, true},
      {"mov byte [tpr], 0x50", {0xC6, 0x05, 0x80, 0x00, 0xE0, 0xFE, 0x50}, kTpr, false},
      {"mov [tpr], al", {0x88, 0x05, 0x80, 0x00, 0xE0, 0xFE}, kTpr, false},
      {"mov [tpr], ax", {0x66, 0x89, 0x05, 0x80, 0x00, 0xE0, 0xFE}, kTpr, false},
      {"mov word [tpr], 0x50", {0x66, 0xC7, 0x05, 0x80, 0x00, 0xE0, 0xFE, 0x50, 0x00}, kTpr, false},
      {"mov [tpr+1], eax", {0x89, 0x05, 0x81, 0x00, 0xE0, 0xFE}, kTpr + 1, false},
      {"mov al, moffs store", {0xA2, 0x80, 0x00, 0xE0, 0xFE}, kTpr, false},
  };
  for (const StoreRow& row : rows) {
    SCOPED_TRACE(row.what);
    ApicRig r;
    r.lapic.write(kTpr, 0x10);
    r.regs.rax = 0x50;
    r.code(row.code);
    ASSERT_TRUE(r.access(ApicAccessType::linear_write, row.offset));
    EXPECT_TRUE(is_advance(r.last));
    EXPECT_EQ(r.lapic.tpr(), row.reaches_tpr ? 0x50 : 0x10);
    EXPECT_EQ(r.rip(), ExitRig::kRip + row.code.size());
  }
}

TEST(ApicExit, GivenInstructionOutsideRamWhenApicAccessThenVmStopsWithTruncatedBytes) {
  ApicRig r;
  r.vmcs.set(VmcsNat::guest_rip, ExitRig::kRamSize - 1);
  r.code({0x8B}, ExitRig::kRamSize - 1);
  EXPECT_FALSE(r.access(ApicAccessType::linear_read, kTpr));
  EXPECT_TRUE(is_stop(r.last, StopReason::unhandled_exit));
  EXPECT_NE(r.diagnosis().find("bytes: 8b"), std::string::npos) << r.diagnosis();
}

TEST(ApicExit, GivenFetchOrEventDeliveryAccessWhenApicAccessThenVmStopsWithTheType) {
  for (ApicAccessType type : {ApicAccessType::linear_fetch, ApicAccessType::linear_event_delivery,
                              ApicAccessType::physical_event_delivery, ApicAccessType::physical_instruction}) {
    ApicRig r;
    EXPECT_FALSE(r.access(type, 0));
    EXPECT_TRUE(is_stop(r.last, StopReason::unhandled_exit));
    EXPECT_NE(r.diagnosis().find(apic_access_type_name(type)), std::string::npos) << r.diagnosis();
  }
}

TEST(ApicExit, GivenReadQualificationButStoreInstructionWhenApicAccessThenHypervisorError) {
  ApicRig r;
  r.code({0x89, 0x53, 0x10});
  EXPECT_FALSE(r.access(ApicAccessType::linear_read, kTpr));
  EXPECT_TRUE(is_stop(r.last, StopReason::hypervisor_error));
}

TEST(ApicExit, GivenApicWriteExitWhenProcessorStoredLvtThenModelSanitizesAndResumes) {
  ApicRig r;
  r.page.set(kLvtLint1, 0xFFFFFFFF);
  r.exit_fields(ExitReason::apic_write, kLvtLint1);
  r.last = handle_apic_write(r.ctx, r.lapic);
  EXPECT_TRUE(is_resume(r.last));
  EXPECT_EQ(r.page.get(kLvtLint1), 0x1A7FFu);
  ASSERT_TRUE(apply(r.ctx, r.last));
  EXPECT_EQ(r.rip(), ExitRig::kRip) << "trap-like: RIP already past the write";
}

TEST(ApicExit, GivenApicWriteExitForReadOnlyOffsetWhenHandledThenHypervisorError) {
  ApicRig r;
  r.exit_fields(ExitReason::apic_write, kIrr);
  r.last = handle_apic_write(r.ctx, r.lapic);
  EXPECT_TRUE(is_stop(r.last, StopReason::hypervisor_error));
  EXPECT_NE(r.diagnosis().find("0x200"), std::string::npos) << r.diagnosis();
}

TEST(ApicExit, GivenEoiInducedExitWhenLevelVectorThenCountedAndResumed) {
  ApicRig r;
  r.lapic.accept(0x70, IpiKind::fixed, true);
  r.exit_fields(ExitReason::virtualized_eoi, 0x70);
  r.last = handle_virtualized_eoi(r.ctx, r.lapic);
  EXPECT_TRUE(is_resume(r.last));
  EXPECT_EQ(r.lapic.stats().level_eois, 1u);
}

TEST(ApicExit, GivenRequestsWhenGuestInterruptStatusSyncedThenWrittenOnlyWhenChanged) {
  ApicRig r;
  r.lapic.accept(0x51, IpiKind::fixed);
  EXPECT_EQ(sync_guest_interrupt_status(r.ctx, r.lapic), 0x51);
  EXPECT_EQ(r.vmcs.read(Vmcs16::guest_interrupt_status), 0x51);
  r.vmcs.clear_writes();
  (void)sync_guest_interrupt_status(r.ctx, r.lapic);
  EXPECT_FALSE(r.wrote(Vmcs16::guest_interrupt_status));
}

TEST(ApicExit, GivenDeliverableVectorWhenCollectedThenPendingVectorSetAndAcknowledged) {
  ApicRig r;
  r.lapic.accept(0x40, IpiKind::fixed);
  r.lapic.accept(0x80, IpiKind::fixed);
  EXPECT_TRUE(collect_lapic_interrupt(r.ctx, r.lapic));
  EXPECT_EQ(r.vcpu.pending_vector, 0x80);
  EXPECT_TRUE(r.page.test(kIsr, 0x80));
  EXPECT_FALSE(r.page.test(kIrr, 0x80));
  EXPECT_TRUE(collect_lapic_interrupt(r.ctx, r.lapic));
  EXPECT_EQ(r.vcpu.pending_vector, 0x80) << "one at a time: 0x40 waits until 0x80 is injected";
  EXPECT_TRUE(r.page.test(kIrr, 0x40));
}

}  // namespace
}  // namespace nucleo::vmx::exit_test
