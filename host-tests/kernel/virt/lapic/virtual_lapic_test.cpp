// SPDX-License-Identifier: MIT
// The virtual local APIC's registers through the xAPIC MMIO interface
// (kernel/virt/lapic/virtual_lapic.cpp): reset values, each register's
// read/write semantics and reserved bits, PPR from TPR and ISR, priority
// of delivery, EOI with nested ISR bits, ESR write-before-read, software
// disable, and the APIC-write exit path (after_write).
#include <gtest/gtest.h>

#include "host-tests/kernel/virt/lapic/lapic_fixture.hpp"

namespace nucleo::lapic_test {
namespace {

TEST(VirtualLapic, GivenPowerUpWhenRegistersReadThenResetValuesOfSdm11_4_7_1) {
  LapicVm vm(3);
  VirtualLapic& a = vm[2];
  EXPECT_EQ(a.read(kId), 2u << 24);
  EXPECT_EQ(a.read(kVersion), 0x00050014u);
  EXPECT_EQ(a.read(kTpr), 0u);
  EXPECT_EQ(a.read(kPpr), 0u);
  EXPECT_EQ(a.read(kLdr), 0u);
  EXPECT_EQ(a.read(kDfr), 0xFFFFFFFFu);
  EXPECT_EQ(a.read(kSvr), 0xFFu);
  for (u32 lvt : {kLvtTimer, kLvtThermal, kLvtPerf, kLvtLint0, kLvtLint1, kLvtError})
    EXPECT_EQ(a.read(lvt), kLvtMasked) << std::hex << lvt;
  EXPECT_EQ(a.read(kTimerInitial), 0u);
  EXPECT_EQ(a.read(kTimerCurrent), 0u);
  EXPECT_EQ(a.read(kTimerDivide), 0u);
  EXPECT_EQ(a.apic_base(), 0xFEE00800u);  // not the BSP
  EXPECT_EQ(vm[0].apic_base(), 0xFEE00900u);
  EXPECT_EQ(a.mode(), LapicMode::xapic);
  EXPECT_FALSE(a.software_enabled());
}

TEST(VirtualLapic, GivenVirtualWireModeWhenEnteredThenLint0IsExtIntAndLint1NmiUnmaskedAndResetUndoesIt) {
  LapicVm vm(1);
  vm[0].enter_virtual_wire_mode();
  EXPECT_EQ(vm[0].read(kLvtLint0), 0x700u);  // MP spec 1.4, 3.6.2.2
  EXPECT_EQ(vm[0].read(kLvtLint1), 0x400u);
  EXPECT_EQ(vm[0].read(kLvtTimer), kLvtMasked);
  vm[0].reset();
  EXPECT_EQ(vm[0].read(kLvtLint0), kLvtMasked);
  EXPECT_EQ(vm[0].read(kLvtLint1), kLvtMasked);
}

TEST(VirtualLapic, GivenIdAndVersionWhenWrittenThenTheyKeepTheirValues) {
  LapicVm vm(2);
  vm[1].write(kId, 0x07000000);
  vm[1].write(kVersion, 0);
  EXPECT_EQ(vm[1].read(kId), 1u << 24);
  EXPECT_EQ(vm[1].read(kVersion), 0x00050014u);
}

struct MaskRow {
  u32 offset;
  u32 written;
  u32 read;
};

TEST(VirtualLapic, GivenEachWritableRegisterWhenAllOnesWrittenThenOnlyItsDefinedBitsStick) {
  const MaskRow rows[] = {
      {kTpr, 0xFFFFFFFF, 0xFF},
      {kLdr, 0xFFFFFFFF, 0xFF000000},
      {kDfr, 0x0, 0x0FFFFFFF},  // cluster model; bits 27:0 read as ones
      {kSvr, 0xFFFFFFFF, 0x3FF},
      {kIcrHigh, 0xFFFFFFFF, 0xFF000000},
      {kLvtTimer, 0xFFFFFFFF, 0x000700FF},
      {kLvtThermal, 0xFFFFFFFF, 0x000107FF},
      {kLvtPerf, 0xFFFFFFFF, 0x000107FF},
      {kLvtLint0, 0xFFFFFFFF, 0x0001A7FF},
      {kLvtLint1, 0xFFFFFFFF, 0x0001A7FF},
      {kLvtError, 0xFFFFFFFF, 0x000100FF},
      {kTimerDivide, 0xFFFFFFFF, 0xB},
  };
  for (const MaskRow& row : rows) {
    OneLapic r;
    r.apic().write(row.offset, row.written);
    EXPECT_EQ(r.apic().read(row.offset), row.read) << std::hex << row.offset;
  }
}

TEST(VirtualLapic, GivenReadOnlyRegistersWhenWrittenThenUnchanged) {
  OneLapic r;
  r.apic().accept(0x40, IpiKind::fixed);
  for (u32 offset : {kPpr, kApr, kRrd, kIrr + 0x20, kIsr + 0x20, kTmr + 0x20, kTimerCurrent})
    r.apic().write(offset, 0xFFFFFFFF);
  EXPECT_EQ(r.apic().read(kIrr + 0x20), 1u);
  EXPECT_EQ(r.apic().read(kIsr + 0x20), 0u);
  EXPECT_EQ(r.apic().read(kTmr + 0x20), 0u);
  EXPECT_EQ(r.apic().read(kPpr), 0u);
  EXPECT_EQ(r.apic().read(kTimerCurrent), 0u);
  EXPECT_EQ(r.apic().read(kApr), 0u);
}

TEST(VirtualLapic, GivenReservedOffsetWhenAccessedThenReadsZeroAndEsrReportsIllegalRegister) {
  OneLapic r;
  EXPECT_EQ(r.apic().read(0x040), 0u);
  r.apic().write(kEsr, 0);
  EXPECT_EQ(r.apic().read(kEsr), kEsrIllegalRegister);
  r.apic().write(kSelfIpi, 0x50);  // the SELF IPI register exists only in x2APIC mode
  r.apic().write(kEsr, 0);
  EXPECT_EQ(r.apic().read(kEsr), kEsrIllegalRegister);
  EXPECT_FALSE(r.irr(0x50));
}

TEST(VirtualLapic, GivenMisalignedOffsetWhenAccessedThenNoRegisterIsTouched) {
  OneLapic r;
  r.apic().write(kTpr + 4, 0xF0);
  EXPECT_EQ(r.apic().read(kTpr), 0u);
  EXPECT_EQ(r.apic().read(kVersion + 4), 0u);
}

TEST(VirtualLapic, GivenErrorsWhenEsrReadWithoutWriteThenOldValueAndAfterWriteTheCollectedOnes) {
  OneLapic r;
  (void)r.apic().read(0x050);  // illegal register
  EXPECT_EQ(r.apic().read(kEsr), 0u) << "errors appear only after a write to ESR";
  r.apic().write(kEsr, 0xFFFFFFFF);  // the value written does not matter
  EXPECT_EQ(r.apic().read(kEsr), kEsrIllegalRegister);
  r.apic().write(kEsr, 0);
  EXPECT_EQ(r.apic().read(kEsr), 0u) << "a second write clears what the first latched";
}

TEST(VirtualLapic, GivenUnmaskedErrorLvtWhenAnErrorOccursThenItsVectorIsRaised) {
  OneLapic r;
  r.apic().write(kLvtError, 0xEE);
  r.apic().write(kIcrLow, 0x4005);  // fixed IPI with the illegal vector 5
  EXPECT_EQ(r.apic().pending_vector(), 0xEE);
  EXPECT_EQ(r.apic().stats().ipis_illegal_vector, 1u);
  r.apic().write(kEsr, 0);
  EXPECT_EQ(r.apic().read(kEsr), kEsrSendIllegalVector);
}

TEST(VirtualLapic, GivenSoftwareDisableWhenLvtsUnmaskedThenMasksStaySetUntilReenabled) {
  OneLapic r;
  r.apic().write(kLvtLint0, 0x700);  // ExtINT, unmasked
  EXPECT_EQ(r.apic().read(kLvtLint0), 0x700u);
  r.apic().write(kSvr, 0xFF);  // software disable
  EXPECT_EQ(r.apic().read(kLvtLint0), 0x10700u);
  r.apic().write(kLvtLint0, 0x700);
  EXPECT_EQ(r.apic().read(kLvtLint0), 0x10700u) << "masks cannot be cleared while disabled";
  r.apic().write(kSvr, 0x1FF);
  r.apic().write(kLvtLint0, 0x700);
  EXPECT_EQ(r.apic().read(kLvtLint0), 0x700u);
}

TEST(VirtualLapic, GivenSoftwareDisabledWhenFixedAcceptedThenDroppedButNmiAndInitPending) {
  LapicVm vm(1);  // SVR 0xFF: software disabled
  vm[0].accept(0x40, IpiKind::fixed);
  vm[0].accept(0, IpiKind::nmi);
  vm[0].accept(0, IpiKind::init);
  EXPECT_EQ(vm[0].pending_vector(), -1);
  EXPECT_TRUE(vm[0].take_nmi());
  EXPECT_FALSE(vm[0].take_nmi());
  EXPECT_TRUE(vm[0].take_init());
}

TEST(VirtualLapic, GivenAcceptedVectorBelow16WhenReceivedThenReceiveIllegalVectorAndNoIrr) {
  OneLapic r;
  r.apic().accept(15, IpiKind::fixed);
  EXPECT_EQ(r.apic().pending_vector(), -1);
  r.apic().write(kEsr, 0);
  EXPECT_EQ(r.apic().read(kEsr), kEsrReceiveIllegalVector);
}

// ---- Priorities ---------------------------------------------------------------

TEST(VirtualLapic, GivenTprAndIsrWhenPprReadThenHigherClassWinsPerSdm11_8_3_1) {
  OneLapic r;
  r.apic().write(kTpr, 0x35);
  EXPECT_EQ(r.apic().read(kPpr), 0x35u);
  r.apic().accept(0x51, IpiKind::fixed);
  r.apic().acknowledge(0x51);
  EXPECT_EQ(r.apic().read(kPpr), 0x50u) << "ISR class above TPR: PPR = ISRV & 0xF0";
  r.apic().write(kTpr, 0x5A);
  EXPECT_EQ(r.apic().read(kPpr), 0x5Au) << "same class: TPR";
  r.apic().write(kTpr, 0x10);
  r.apic().eoi();
  EXPECT_EQ(r.apic().read(kPpr), 0x10u);
}

TEST(VirtualLapic, GivenSeveralRequestsWhenDeliveredThenHighestFirstAndOnlyAbovePprClass) {
  OneLapic r;
  r.apic().accept(0x31, IpiKind::fixed);
  r.apic().accept(0x62, IpiKind::fixed);
  r.apic().accept(0x45, IpiKind::fixed);
  r.apic().write(kTpr, 0x62);  // class 6 blocks 0x62 itself, and everything below
  EXPECT_EQ(r.apic().pending_vector(), -1);
  r.apic().write(kTpr, 0x5F);
  EXPECT_EQ(r.apic().pending_vector(), 0x62);
  r.apic().acknowledge(0x62);
  EXPECT_FALSE(r.irr(0x62));
  EXPECT_TRUE(r.isr(0x62));
  EXPECT_EQ(r.apic().pending_vector(), -1) << "0x45 is below the in-service class 6";
  r.apic().write(kEoi, 0);
  EXPECT_EQ(r.apic().pending_vector(), -1) << "TPR 0x5F still blocks class 4";
  r.apic().write(kTpr, 0);
  EXPECT_EQ(r.apic().pending_vector(), 0x45);
}

TEST(VirtualLapic, GivenNestedInServiceVectorsWhenEoiThenHighestClearsFirst) {
  OneLapic r;
  r.apic().accept(0x30, IpiKind::fixed);
  r.apic().acknowledge(static_cast<u8>(r.apic().pending_vector()));
  r.apic().accept(0x80, IpiKind::fixed);
  ASSERT_EQ(r.apic().pending_vector(), 0x80) << "a higher class preempts";
  r.apic().acknowledge(0x80);
  r.apic().accept(0x85, IpiKind::fixed);
  EXPECT_EQ(r.apic().pending_vector(), -1) << "same class as the one in service";
  EXPECT_EQ(r.apic().read(kIsr + 0x40), 1u);  // 0x80 = ISR register 4, bit 0
  EXPECT_EQ(r.apic().read(kIsr + 0x10), 1u << 16);  // 0x30 = register 1, bit 16
  r.apic().eoi();
  EXPECT_FALSE(r.isr(0x80));
  EXPECT_TRUE(r.isr(0x30));
  EXPECT_EQ(r.apic().pending_vector(), 0x85);
  r.apic().eoi();
  EXPECT_FALSE(r.isr(0x30));
  r.apic().eoi();  // nothing in service: no effect
  EXPECT_EQ(r.apic().read(kPpr), 0u);
}

TEST(VirtualLapic, GivenCr8WriteWhenSetTprThenPprFollows) {
  OneLapic r;
  r.apic().set_tpr(0x90);
  EXPECT_EQ(r.apic().tpr(), 0x90);
  EXPECT_EQ(r.apic().ppr(), 0x90);
  r.apic().accept(0x95, IpiKind::fixed);
  EXPECT_EQ(r.apic().pending_vector(), -1);
  r.apic().accept(0xA0, IpiKind::fixed);
  EXPECT_EQ(r.apic().pending_vector(), 0xA0);
}

TEST(VirtualLapic, GivenLevelTriggeredAcceptWhenEoiThenTmrSetAndLevelEoiCounted) {
  OneLapic r;
  r.apic().accept(0x70, IpiKind::fixed, true);
  r.apic().accept(0x71, IpiKind::fixed, false);
  EXPECT_EQ(r.apic().read(kTmr + 0x30), 1u << 16);  // 0x70 level, 0x71 edge
  u64 bitmap[4];
  r.apic().eoi_exit_bitmap(bitmap);
  EXPECT_EQ(bitmap[1], u64{1} << (0x70 - 64));
  EXPECT_EQ(bitmap[0] | bitmap[2] | bitmap[3], 0u);
  r.apic().acknowledge(0x71);
  r.apic().eoi();
  EXPECT_EQ(r.apic().stats().level_eois, 0u);
  r.apic().acknowledge(0x70);
  r.apic().eoi();
  EXPECT_EQ(r.apic().stats().level_eois, 1u);
}

// ---- Virtual-interrupt delivery support ---------------------------------------

TEST(VirtualLapic, GivenIrrAndIsrWhenGuestInterruptStatusThenRviLowSviHigh) {
  OneLapic r;
  EXPECT_EQ(r.apic().guest_interrupt_status(), 0u);
  r.apic().accept(0x41, IpiKind::fixed);
  r.apic().acknowledge(0x41);
  r.apic().accept(0x33, IpiKind::fixed);
  r.apic().accept(0x39, IpiKind::fixed);
  EXPECT_EQ(r.apic().guest_interrupt_status(), 0x4139u);
}

TEST(VirtualLapic, GivenVirtualEoiOfLevelVectorWhenAfterVirtualEoiThenCountedOnlyForLevel) {
  OneLapic r;
  r.apic().accept(0x70, IpiKind::fixed, true);
  r.apic().after_virtual_eoi(0x70);
  r.apic().after_virtual_eoi(0x71);
  EXPECT_EQ(r.apic().stats().level_eois, 1u);
}

TEST(VirtualLapic, GivenProcessorStoredValueWhenAfterWriteThenModelAppliesIt) {
  OneLapic r;
  LapicPage& page = r.pages[0];
  page.set(kSvr, 0xFFFFF1FF);  // what the guest wrote, reserved bits included
  EXPECT_TRUE(r.apic().after_write(kSvr));
  EXPECT_EQ(page.get(kSvr), 0x1FFu);
  page.set(kId, 0x55000000);
  EXPECT_TRUE(r.apic().after_write(kId));
  EXPECT_EQ(page.get(kId), 0u) << "the ID is restored";
  page.set(kIcrLow, 0x000040EE);  // self IPI by physical ID 0
  EXPECT_TRUE(r.apic().after_write(kIcrLow));
  EXPECT_EQ(r.apic().pending_vector(), 0xEE);
  page.set(kEsr, 0x1234);
  EXPECT_TRUE(r.apic().after_write(kEsr));
  EXPECT_EQ(page.get(kEsr), 0u);
  page.set(kLvtThermal, 0xFFFFFFFF);
  EXPECT_TRUE(r.apic().after_write(kLvtThermal));
  EXPECT_EQ(page.get(kLvtThermal), 0x107FFu);
  EXPECT_FALSE(r.apic().after_write(kIsr)) << "the processor never reports writes to read-only registers";
  EXPECT_FALSE(r.apic().after_write(kLvtTimer + 4));
}

TEST(VirtualLapic, GivenEoiWriteWithoutVirtualInterruptDeliveryWhenAfterWriteThenIsrClears) {
  OneLapic r;
  r.apic().accept(0x60, IpiKind::fixed);
  r.apic().acknowledge(0x60);
  r.pages[0].set(kEoi, 0);
  EXPECT_TRUE(r.apic().after_write(kEoi));
  EXPECT_FALSE(r.isr(0x60));
}

TEST(VirtualLapic, GivenInitWhenInitResetThenStateClearedButIdAndPendingSipiKept) {
  OneLapic r;
  r.apic().write(kTpr, 0x20);
  r.apic().accept(0x40, IpiKind::fixed);
  r.apic().accept(0x9A, IpiKind::sipi);
  r.apic().init_reset();
  EXPECT_EQ(r.apic().read(kTpr), 0u);
  EXPECT_EQ(r.apic().read(kSvr), 0xFFu);
  EXPECT_EQ(r.apic().pending_vector(), -1);
  u8 vector = 0;
  EXPECT_TRUE(r.apic().take_sipi(vector));
  EXPECT_EQ(vector, 0x9A);
  EXPECT_FALSE(r.apic().take_sipi(vector));
}

}  // namespace
}  // namespace nucleo::lapic_test
