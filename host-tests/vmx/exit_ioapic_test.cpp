// SPDX-License-Identifier: MIT
// The I/O APIC's MMIO page through EPT violations (vmx/core/exit_ioapic.cpp):
// MOV loads and stores of IOREGSEL/IOWIN emulated against the model, RIP
// stepped by the decoded length; narrow or unaligned reads give the slot's
// bytes, such writes do nothing; an
// instruction that cannot be decoded, or whose direction contradicts the
// exit, stops the VM with the bytes named; fetches and VMs without an I/O
// APIC stay outside-RAM violations.
#include <gtest/gtest.h>

#include <vector>

#include "host-tests/support/exit_rig.hpp"
#include "kernel/virt/devices/ioapic.hpp"

namespace nucleo::vmx::exit_test {
namespace {

constexpr u64 kRead = 0x181, kWrite = 0x182, kFetch = 0x184;  // EPT violation qualifications (Table 28-7)

struct IoApicRig : ExitRig {
  IoApic io;
  IoApicRig() { ctx.ioapic = &io; }
  void code(std::vector<u8> bytes) { poke(kRip, bytes.data(), bytes.size()); }
  bool access(u64 qualification, u64 gpa) {
    vmcs.set(Vmcs64::guest_physical_address, gpa);
    return exit(ExitReason::ept_violation, qualification, 0);
  }
};

TEST(IoApicExit, GivenAStoreOfAnImmediateToIoregselThenALoadOfIowinThenTheVersionRegisterIsRead) {
  IoApicRig r;
  r.code({0xC7, 0x05, 0x00, 0x00, 0xC0, 0xFE, 0x01, 0x00, 0x00, 0x00});  // mov dword [0xfec00000], 1
  ASSERT_TRUE(r.access(kWrite, IoApic::kBase));
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_EQ(r.rip(), ExitRig::kRip + 10);
  EXPECT_EQ(r.io.read(IoApic::kRegSelect), 1u);
  r.vmcs.set(VmcsNat::guest_rip, ExitRig::kRip);
  r.code({0x8B, 0x05, 0x10, 0x00, 0xC0, 0xFE});  // mov eax, [0xfec00010]
  r.regs.rax = 0xFFFFFFFFFFFFFFFF;
  ASSERT_TRUE(r.access(kRead, IoApic::kBase + IoApic::kWindow));
  EXPECT_EQ(r.regs.rax, 0x00170011u) << "zero-extended";
  EXPECT_EQ(r.rip(), ExitRig::kRip + 6);
}

TEST(IoApicExit, GivenAStoreFromARegisterToIowinThenTheSelectedRedirectionEntryIsWritten) {
  IoApicRig r;
  r.io.write(IoApic::kRegSelect, IoApic::kRegTable + 4);  // pin 2, low dword
  r.code({0x89, 0x0B});  // mov [ebx], ecx
  r.regs.rcx = 0xAAAAAAAA00000030;
  ASSERT_TRUE(r.access(kWrite, IoApic::kBase + IoApic::kWindow));
  EXPECT_EQ(r.io.entry(2), 0x30u);
  EXPECT_EQ(r.rip(), ExitRig::kRip + 2);
}

TEST(IoApicExit, GivenEspAsTheLoadDestinationThenGuestRspInTheVmcsGetsTheValue) {
  IoApicRig r;
  r.io.write(IoApic::kRegSelect, IoApic::kRegVersion);
  r.code({0x8B, 0x25, 0x10, 0x00, 0xC0, 0xFE});  // mov esp, [0xfec00010]
  ASSERT_TRUE(r.access(kRead, IoApic::kBase + IoApic::kWindow));
  EXPECT_EQ(r.vmcs.read(VmcsNat::guest_rsp), 0x00170011u);
}

TEST(IoApicExit, GivenAnUnalignedOrNarrowAccessThenReadsGiveTheSlotsBytesAndWritesDoNothing) {
  IoApicRig r;
  r.io.write(IoApic::kRegSelect, IoApic::kRegVersion);
  r.code({0x8B, 0x05, 0x11, 0x00, 0xC0, 0xFE});  // mov eax, [0xfec00011]
  r.regs.rax = 0x1234;
  ASSERT_TRUE(r.access(kRead, IoApic::kBase + IoApic::kWindow + 1));
  EXPECT_EQ(r.regs.rax, 0x001700u) << "bytes 1-3 of 0x00170011, then 0";
  r.vmcs.set(VmcsNat::guest_rip, ExitRig::kRip);
  r.code({0xC7, 0x05, 0x02, 0x00, 0xC0, 0xFE, 0x02, 0x00, 0x00, 0x00});  // mov dword [0xfec00002], 2
  ASSERT_TRUE(r.access(kWrite, IoApic::kBase + 2));
  r.vmcs.set(VmcsNat::guest_rip, ExitRig::kRip);
  r.code({0xC6, 0x05, 0x00, 0x00, 0xC0, 0xFE, 0x02});  // mov byte [0xfec00000], 2
  ASSERT_TRUE(r.access(kWrite, IoApic::kBase));
  EXPECT_EQ(r.rip(), ExitRig::kRip + 7);
  EXPECT_EQ(r.io.read(IoApic::kRegSelect), u32{IoApic::kRegVersion}) << "neither write reached IOREGSEL";
}

TEST(IoApicExit, GivenAnInstructionThatIsNotAMovThenTheVmStopsNamingItsBytes) {
  IoApicRig r;
  r.code({0x03, 0x05, 0x00, 0x00, 0xC0, 0xFE});  // add eax, [0xfec00000]
  EXPECT_FALSE(r.access(kRead, IoApic::kBase));
  EXPECT_TRUE(is_stop(r.last, StopReason::unhandled_exit));
  EXPECT_NE(r.diagnosis().find("I/O APIC read at offset 0x0"), std::string::npos) << r.diagnosis();
  EXPECT_NE(r.diagnosis().find("03 05 00"), std::string::npos) << r.diagnosis();
}

TEST(IoApicExit, GivenALoadWhereTheExitSaysWriteThenTheVmStops) {
  IoApicRig r;
  r.code({0x8B, 0x05, 0x10, 0x00, 0xC0, 0xFE});  // a load
  EXPECT_FALSE(r.access(kWrite, IoApic::kBase + IoApic::kWindow));
  EXPECT_NE(r.diagnosis().find("its direction does not match the exit"), std::string::npos) << r.diagnosis();
}

TEST(IoApicExit, GivenAFetchFromThePageOrAVmWithoutAnIoApicThenItIsAnAccessOutsideRam) {
  IoApicRig r;
  EXPECT_FALSE(r.access(kFetch, IoApic::kBase));
  EXPECT_TRUE(is_stop(r.last, StopReason::bad_memory_access));
  ExitRig plain;
  plain.vmcs.set(Vmcs64::guest_physical_address, IoApic::kBase);
  EXPECT_FALSE(plain.exit(ExitReason::ept_violation, kRead, 0));
  EXPECT_TRUE(is_stop(plain.last, StopReason::bad_memory_access));
  IoApicRig past;
  EXPECT_FALSE(past.access(kRead, IoApic::kBase + IoApic::kSize)) << "the next page is not the I/O APIC's";
}

}  // namespace
}  // namespace nucleo::vmx::exit_test
