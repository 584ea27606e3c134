// SPDX-License-Identifier: MIT
// The virtual 8259A pair (kernel/virt/devices/pic8259.cpp), driven through
// its ports as a guest does: the ICW sequence, masks, fully nested priority,
// EOI and rotation, the cascade on IR2, spurious IR7/IR15, OCW3 status
// reads and poll mode, auto-EOI, edge latching and ELCR level inputs.
#include "kernel/virt/devices/pic8259.hpp"

#include <gtest/gtest.h>

namespace nucleo {
namespace {

struct PicRig {
  Pic8259Pair pic;
  void out(u16 port, u8 value) { EXPECT_TRUE(pic.io_out(port, 1, value)); }
  u8 in(u16 port) {
    u32 v = 0xDEAD;
    EXPECT_TRUE(pic.io_in(port, 1, v));
    return static_cast<u8>(v);
  }
  // What Linux and SeaBIOS program: edge, cascade, 8086 mode, bases 0x20/0x28.
  void init(u8 icw4 = 0x01, u8 master_base = 0x20, u8 slave_base = 0x28) {
    out(0x20, 0x11);
    out(0x21, master_base);
    out(0x21, 0x04);
    out(0x21, icw4);
    out(0xA0, 0x11);
    out(0xA1, slave_base);
    out(0xA1, 0x02);
    out(0xA1, 0x01);
    out(0x21, 0x00);
    out(0xA1, 0x00);
  }
  u8 master_isr() {
    out(0x20, 0x0B);  // OCW3: read ISR
    return in(0x20);
  }
  u8 master_irr() {
    out(0x20, 0x0A);  // OCW3: read IRR
    return in(0x20);
  }
};

TEST(Pic8259, GivenPowerOnWhenADeviceRaisesAnIrqThenEverythingIsMaskedUntilInitialised) {
  PicRig r;
  r.pic.pulse(0);
  EXPECT_FALSE(r.pic.has_interrupt());
  EXPECT_EQ(r.in(0x21), 0xFFu);
  EXPECT_EQ(r.in(0xA1), 0xFFu);
  EXPECT_EQ(r.in(0x20), 0x01u);  // IRR read by default: the request is latched
}

TEST(Pic8259, GivenTheIcwSequenceWhenAnIrqPulsesThenItsVectorIsAcknowledgedAndEoiEndsService) {
  PicRig r;
  r.init();
  EXPECT_EQ(r.in(0x21), 0x00u);  // the next data write after ICW4 is OCW1
  r.pic.pulse(1);
  ASSERT_TRUE(r.pic.has_interrupt());
  EXPECT_EQ(r.pic.acknowledge(), 0x21u);
  EXPECT_EQ(r.master_isr(), 0x02u);
  EXPECT_EQ(r.master_irr(), 0x00u);
  EXPECT_FALSE(r.pic.has_interrupt());
  r.out(0x20, 0x20);  // non-specific EOI
  EXPECT_EQ(r.master_isr(), 0x00u);
}

TEST(Pic8259, GivenSingleModeWithoutIcw4WhenInitialisedThenIcw3AndIcw4AreSkipped) {
  PicRig r;
  r.out(0x20, 0x12);  // single, no ICW4
  r.out(0x21, 0x47);  // ICW2: low three bits ignored in 8086 mode
  r.out(0x21, 0xFE);  // already OCW1
  EXPECT_EQ(r.in(0x21), 0xFEu);
  r.pic.pulse(0);
  EXPECT_EQ(r.pic.acknowledge(), 0x40u);
}

TEST(Pic8259, GivenAMaskedIrqWhenPulsedThenItWaitsInIrrUntilUnmasked) {
  PicRig r;
  r.init();
  r.out(0x21, 0x08);
  r.pic.pulse(3);
  EXPECT_FALSE(r.pic.has_interrupt());
  EXPECT_EQ(r.master_irr(), 0x08u);
  r.out(0x21, 0x00);
  ASSERT_TRUE(r.pic.has_interrupt());
  EXPECT_EQ(r.pic.acknowledge(), 0x23u);
}

TEST(Pic8259, GivenAnIrqInServiceWhenLowerAndHigherOnesArriveThenOnlyTheHigherNests) {
  PicRig r;
  r.init();
  r.pic.pulse(3);
  EXPECT_EQ(r.pic.acknowledge(), 0x23u);
  r.pic.pulse(5);
  EXPECT_FALSE(r.pic.has_interrupt());  // blocked by IR3 in service
  r.pic.pulse(1);
  ASSERT_TRUE(r.pic.has_interrupt());
  EXPECT_EQ(r.pic.acknowledge(), 0x21u);
  EXPECT_EQ(r.master_isr(), 0x0Au);
  r.out(0x20, 0x20);  // non-specific EOI ends the highest in service: IR1
  EXPECT_EQ(r.master_isr(), 0x08u);
  EXPECT_FALSE(r.pic.has_interrupt());
  r.out(0x20, 0x63);  // specific EOI for IR3
  EXPECT_EQ(r.master_isr(), 0x00u);
  ASSERT_TRUE(r.pic.has_interrupt());
  EXPECT_EQ(r.pic.acknowledge(), 0x25u);
}

TEST(Pic8259, GivenSimultaneousRequestsWhenPriorityIsRotatedThenTheOrderFollowsTheLowestLevel) {
  PicRig r;
  r.init();
  r.out(0x20, 0xC4);  // set priority: IR4 lowest, so IR5 highest
  r.pic.pulse(1);
  r.pic.pulse(6);
  EXPECT_EQ(r.pic.acknowledge(), 0x26u);
  r.out(0x20, 0xA0);  // rotate on non-specific EOI: IR6 becomes lowest, IR7 highest
  EXPECT_EQ(r.pic.acknowledge(), 0x21u);
  r.out(0x20, 0xE1);  // rotate on specific EOI of IR1: IR1 lowest, IR2 highest
  r.pic.pulse(0);
  r.pic.pulse(3);
  EXPECT_EQ(r.pic.acknowledge(), 0x23u);
  r.out(0x20, 0x20);
  EXPECT_EQ(r.pic.acknowledge(), 0x20u);
}

TEST(Pic8259, GivenASlaveIrqWhenAcknowledgedThenItCascadesThroughIr2WithBothIsrBitsSet) {
  PicRig r;
  r.init();
  r.pic.pulse(12);
  ASSERT_TRUE(r.pic.has_interrupt());
  EXPECT_EQ(r.pic.irr(false), 0x04u);
  EXPECT_EQ(r.pic.acknowledge(), 0x2Cu);
  EXPECT_EQ(r.pic.isr(false), 0x04u);
  EXPECT_EQ(r.pic.isr(true), 0x10u);
  r.out(0xA0, 0x20);
  r.out(0x20, 0x20);
  EXPECT_EQ(r.pic.isr(false), 0x00u);
  EXPECT_EQ(r.pic.isr(true), 0x00u);
  r.out(0xA1, 0x10);  // masking on the slave hides the request from the master
  r.pic.pulse(12);
  EXPECT_FALSE(r.pic.has_interrupt());
  r.out(0xA1, 0x00);
  EXPECT_EQ(r.pic.acknowledge(), 0x2Cu);
}

TEST(Pic8259, GivenNothingToDeliverWhenAcknowledgedThenSpuriousIr7WithoutIsr) {
  PicRig r;
  r.init();
  EXPECT_EQ(r.pic.acknowledge(), 0x27u);
  EXPECT_EQ(r.master_isr(), 0x00u);
}

TEST(Pic8259, GivenALatchedCascadeWhoseSlaveRequestVanishedWhenAcknowledgedThenSpuriousIr15) {
  PicRig r;
  r.init();
  r.pic.pulse(9);
  r.out(0xA1, 0x02);  // masked after the master latched IR2
  ASSERT_TRUE(r.pic.has_interrupt());
  EXPECT_EQ(r.pic.acknowledge(), 0x2Fu);
  EXPECT_EQ(r.pic.isr(false), 0x04u);  // the master did see IR2: the handler must EOI it
  EXPECT_EQ(r.pic.isr(true), 0x00u);
}

TEST(Pic8259, GivenPollModeWhenTheCommandPortIsReadThenItActsAsInta) {
  PicRig r;
  r.init();
  r.out(0x20, 0x0C);
  EXPECT_EQ(r.in(0x20), 0x00u);  // nothing requesting
  r.pic.pulse(4);
  r.out(0x20, 0x0C);
  EXPECT_EQ(r.in(0x20), 0x84u);
  EXPECT_EQ(r.pic.isr(false), 0x10u);
  EXPECT_EQ(r.in(0x20), 0x00u);  // poll is one read; back to IRR
}

TEST(Pic8259, GivenAutoEoiWhenAcknowledgedThenNoIsrBitStaysSet) {
  PicRig r;
  r.init(0x03);
  r.pic.pulse(0);
  EXPECT_EQ(r.pic.acknowledge(), 0x20u);
  EXPECT_EQ(r.master_isr(), 0x00u);
  r.pic.pulse(0);
  EXPECT_TRUE(r.pic.has_interrupt());  // nothing in service blocks it
}

TEST(Pic8259, GivenSpecialFullyNestedModeWhenAHigherSlaveIrqArrivesDuringASlaveHandlerThenItNests) {
  for (const bool sfnm : {false, true}) {
    SCOPED_TRACE(sfnm);
    PicRig r;
    r.init(sfnm ? 0x11 : 0x01);
    r.pic.pulse(10);
    EXPECT_EQ(r.pic.acknowledge(), 0x2Au);
    r.pic.pulse(9);
    EXPECT_EQ(r.pic.has_interrupt(), sfnm);
  }
}

TEST(Pic8259, GivenSpecialMaskModeWhenTheLevelInServiceIsMaskedThenLowerLevelsGetThrough) {
  PicRig r;
  r.init();
  r.pic.pulse(1);
  EXPECT_EQ(r.pic.acknowledge(), 0x21u);
  r.pic.pulse(6);
  EXPECT_FALSE(r.pic.has_interrupt());
  r.out(0x21, 0x02);
  r.out(0x20, 0x68);  // OCW3: set special mask mode
  EXPECT_TRUE(r.pic.has_interrupt());
  r.out(0x20, 0x48);  // reset special mask mode
  EXPECT_FALSE(r.pic.has_interrupt());
}

TEST(Pic8259, GivenALineHeldHighWhenReinitialisedThenOnlyANewRisingEdgeRequests) {
  PicRig r;
  r.init();
  r.pic.set_irq(4, true);
  EXPECT_TRUE(r.pic.has_interrupt());
  r.init();
  EXPECT_FALSE(r.pic.has_interrupt());
  r.pic.set_irq(4, true);  // still high: no edge
  EXPECT_FALSE(r.pic.has_interrupt());
  r.pic.set_irq(4, false);
  r.pic.set_irq(4, true);
  EXPECT_TRUE(r.pic.has_interrupt());
}

TEST(Pic8259, GivenElcrLevelInputsWhenTheLineStaysHighThenTheIrqRepeatsAfterEoiAndClearsWhenLow) {
  PicRig r;
  r.init();
  r.out(0x4D0, 0xFF);
  r.out(0x4D1, 0xFF);
  EXPECT_EQ(r.in(0x4D0), 0xF8u);  // IRQ 0, 1, 2 are always edge
  EXPECT_EQ(r.in(0x4D1), 0xDEu);  // so are IRQ 8 and 13
  r.pic.set_irq(10, true);
  EXPECT_EQ(r.pic.acknowledge(), 0x2Au);
  EXPECT_EQ(r.pic.irr(true), 0x04u);  // a level request stays while the line is high
  r.out(0xA0, 0x20);
  r.out(0x20, 0x20);
  EXPECT_TRUE(r.pic.has_interrupt());
  r.pic.set_irq(10, false);
  EXPECT_EQ(r.pic.irr(true), 0x00u);
  EXPECT_EQ(r.pic.acknowledge(), 0x2Fu);  // the master latched IR2 at the EOI: spurious IR15
}

TEST(Pic8259, GivenWordAccessesWhenTheyCoverTwoPortsThenEachByteReachesItsRegister) {
  PicRig r;
  r.init();
  r.pic.pulse(5);
  (void)r.pic.acknowledge();
  EXPECT_TRUE(r.pic.io_out(0x20, 2, 0xF720));  // EOI to 0x20, OCW1 0xF7 to 0x21
  EXPECT_EQ(r.pic.isr(false), 0x00u);
  EXPECT_EQ(r.pic.imr(false), 0xF7u);
  r.out(0x4D0, 0x20);
  r.out(0x4D1, 0x04);
  u32 v = 0;
  EXPECT_TRUE(r.pic.io_in(0x4D0, 2, v));
  EXPECT_EQ(v, 0x0420u);
  EXPECT_TRUE(r.pic.io_in(0x21, 2, v));
  EXPECT_EQ(v, 0xFFF7u);  // 0x22 is not the PIC's
  EXPECT_FALSE(r.pic.io_in(0x22, 1, v));
  EXPECT_FALSE(r.pic.io_out(0x4D2, 1, 0));
}

TEST(Pic8259, GivenIrqNumbersOutsideTheIsaRangeOrTheCascadeWhenRaisedThenIgnored) {
  PicRig r;
  r.init();
  for (const u32 irq : {2u, 16u, 255u, 0xFFFFFFFFu}) r.pic.pulse(irq);
  EXPECT_FALSE(r.pic.has_interrupt());
  EXPECT_EQ(r.pic.irr(false), 0u);
  EXPECT_EQ(r.pic.irr(true), 0u);
}

}  // namespace
}  // namespace nucleo
