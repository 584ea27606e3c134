// SPDX-License-Identifier: MIT
// Executing the extended instructions through the #UD exit, the way the
// vCPU loop plays it (vmx/ext/isa_exec.hpp): decode at CS:RIP, checks,
// emulation, retirement; #UD for VMs without the proposal; the feature
// counters on the exits they hook.
#include "vmx/ext/isa_exec.hpp"

#include <vector>

#include "host-tests/kernel/virt/lapic/lapic_fixture.hpp"
#include "host-tests/vmx/virtual_pc_rig.hpp"

namespace nucleo::vmx::exit_test {
namespace {

using ext::bit;
using ext::Id;
using lapic_test::Delivery;
using lapic_test::RecordingSink;

constexpr u32 kUdExit = (1u << 31) | (3u << 8) | vec::kUd;  // valid, hardware exception (SDM Vol. 3C 25.9.2)

class FakeIsaServices final : public ext::IsaServices {
 public:
  void flush_own_tlb(u32 self, u64 linear, u64 pages) override { own.push_back({self, linear, pages}); }
  u32 broadcast_tlb_flush(u32 self) override {
    broadcasts.push_back(self);
    return reached;
  }
  ext::NotifyStatus notify_channel(u64 handle) override {
    rings.push_back(handle);
    return notify;
  }
  struct Own {
    u32 self;
    u64 linear, pages;
    bool operator==(const Own&) const = default;
  };
  std::vector<Own> own;
  std::vector<u32> broadcasts;
  u32 reached = 3;
  std::vector<u64> rings;
  ext::NotifyStatus notify = ext::NotifyStatus::delivered;
};

// vCPU 0 of a four-vCPU VM with every proposal enabled; its APIC (apic(0),
// which replaces the rig's two-vCPU one) is connected to three others
// through a recording sink.
struct IsaRig : VirtualPcRig {
  static constexpr u32 kVcpus = 4;
  LapicPage pages[kVcpus] = {};
  std::vector<std::unique_ptr<VirtualLapic>> owned;
  std::vector<VirtualLapic*> all;
  RecordingSink sink;
  FakeIsaServices services;

  IsaRig() {
    vcpu.vcpu_count = kVcpus;
    vcpu.extensions = ext::kAllIds;
    for (u32 i = 0; i < kVcpus; ++i) {
      LapicConfig c;
      c.id = i;
      c.vcpu_count = kVcpus;
      owned.push_back(std::make_unique<VirtualLapic>(pages[i], clock, c));
      all.push_back(owned.back().get());
    }
    for (VirtualLapic* l : all) l->connect(Span<VirtualLapic* const>(all.data(), all.size()), &sink);
    pc.lapic = all[0];
    pc.isa = &services;
    all[0]->write(kSvr, 0x1FF);
  }
  VirtualLapic& apic(u32 i) { return *all[i]; }
  // Guest bytes at RIP, then the #UD exit they raise.
  bool ud(std::vector<u8> bytes) {
    poke(kRip, bytes.data(), bytes.size());
    vmcs.set(Vmcs32::exit_interruption_info, kUdExit);
    return pc_exit(ExitReason::exception_or_nmi);
  }
  u64 rip() { return vmcs.read(VmcsNat::guest_rip); }
  const ext::IsaStats& stats() const { return vcpu.isa; }
};

u32 n(Id id) { return static_cast<u32>(id); }

TEST(IsaExec, GivenVipiWhenExecutedThenOneFixedIpiReachesTheTargetAndTheInstructionRetires) {
  IsaRig r;
  r.regs.rax = 2;     // destination APIC ID (ModRM.reg)
  r.regs.rcx = 0x41;  // vector (ModRM.rm)
  ASSERT_TRUE(r.ud({0x0F, 0x0A, 0x01, 0xC1}));
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_EQ(r.rip(), IsaRig::kRip + 4);
  EXPECT_EQ(r.sink.log, (std::vector<Delivery>{{2, IpiKind::fixed, 0x41}}));
  EXPECT_EQ(r.stats().executed[n(Id::vipi)], 1u);
  EXPECT_EQ(r.stats().targets[n(Id::vipi)], 1u);
  EXPECT_EQ(r.stats().faulted[n(Id::vipi)], 0u);
}

TEST(IsaExec, GivenVipiToAllWhenExecutedThenEveryOtherVcpuGetsItAndNotTheSender) {
  IsaRig r;
  r.regs.r10 = 0xFFFFFFFF;
  r.regs.rdx = 0x50;
  r.long64(0x10000);  // 64-bit code: REX.R selects R10
  // Identity map for RIP's page (4-level, 2 MiB page) so the fetch works.
  r.poke64(0x10000, 0x11000 | 3);
  r.poke64(0x11000, 0x12000 | 3);
  r.poke64(0x12000, 0x83);
  ASSERT_TRUE(r.ud({0x44, 0x0F, 0x0A, 0x01, 0xD2}));  // reg = 2 + 8 (R10), rm = 2 (RDX)
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_EQ(r.rip(), IsaRig::kRip + 5);
  EXPECT_EQ(r.sink.log,
            (std::vector<Delivery>{{1, IpiKind::fixed, 0x50}, {2, IpiKind::fixed, 0x50}, {3, IpiKind::fixed, 0x50}}));
  EXPECT_EQ(r.stats().targets[n(Id::vipi)], 3u);
}

TEST(IsaExec, GivenVipiWithBadOperandsOrAtCpl3WhenExecutedThenGpAndNothingIsSent) {
  struct Case {
    u64 destination, vector;
    bool user;
  };
  const Case cases[] = {
      {4, 0x41, false}, {0xFFFFFFFE, 0x41, false}, {1, 15, false}, {1, 0x141, false}, {1, 0x41, true}};
  for (const Case& c : cases) {
    IsaRig r;
    r.regs.rax = c.destination;
    r.regs.rcx = c.vector;
    if (c.user) r.vmcs.set(Vmcs32::guest_ss_access, kArData | (3u << 5));
    ASSERT_TRUE(r.ud({0x0F, 0x0A, 0x01, 0xC1}));
    EXPECT_TRUE(is_gp(r.last)) << c.destination << " " << c.vector;
    EXPECT_EQ(r.rip(), IsaRig::kRip);
    EXPECT_TRUE(r.sink.log.empty());
    EXPECT_EQ(r.stats().faulted[n(Id::vipi)], 1u);
    EXPECT_EQ(r.stats().executed[n(Id::vipi)], 0u);
  }
}

TEST(IsaExec, GivenAVmWithoutTheProposalWhenItsOpcodeRunsThenTheGuestGetsUd) {
  IsaRig r;
  r.vcpu.extensions = bit(Id::vtlbi);
  r.regs.rax = 1;
  r.regs.rcx = 0x41;
  ASSERT_TRUE(r.ud({0x0F, 0x0A, 0x01, 0xC1}));
  EXPECT_TRUE(is_ud(r.last));
  EXPECT_EQ(r.rip(), IsaRig::kRip);
  EXPECT_TRUE(r.sink.log.empty());
  EXPECT_EQ(r.stats().faulted[n(Id::vipi)], 1u);
}

TEST(IsaExec, GivenMalformedOrUnknownBytesWhenTheyRaiseUdThenTheGuestGetsItsUd) {
  for (const std::vector<u8>& bytes : std::vector<std::vector<u8>>{
           {0x0F, 0x0B}, {0x0F, 0x0A, 0x7F, 0xC1}, {0x0F, 0x0A, 0x01, 0x01}, {0xF3, 0x0F, 0x0A, 0x02, 0xC1}}) {
    IsaRig r;
    ASSERT_TRUE(r.ud(bytes));
    EXPECT_TRUE(is_ud(r.last));
    EXPECT_EQ(r.rip(), IsaRig::kRip);
    EXPECT_TRUE(r.sink.log.empty());
    EXPECT_TRUE(r.services.own.empty());
  }
}

TEST(IsaExec, GivenAnInstructionCutByTheEndOfRamWhenFetchedThenTheGuestGetsUd) {
  IsaRig r;
  const u8 escape[] = {0x0F, 0x0A};  // the last two bytes of RAM: the fetch stops there
  r.poke(IsaRig::kRamSize - 2, escape, 2);
  r.vmcs.set(VmcsNat::guest_rip, IsaRig::kRamSize - 2);
  r.vmcs.set(Vmcs32::exit_interruption_info, kUdExit);
  ASSERT_TRUE(r.pc_exit(ExitReason::exception_or_nmi));
  EXPECT_TRUE(is_ud(r.last));
  EXPECT_TRUE(r.sink.log.empty());
}

TEST(IsaExec, GivenVipiThatStraddlesTwoPagesWhenFetchedThenBothPagesAreRead) {
  IsaRig r;
  r.regs.rax = 1;
  r.regs.rcx = 0x41;
  const u8 bytes[] = {0x0F, 0x0A, 0x01, 0xC1};
  r.poke(0x1FFE, bytes, sizeof bytes);  // two bytes on each side of the 0x2000 boundary
  r.vmcs.set(VmcsNat::guest_rip, 0x1FFE);
  r.vmcs.set(Vmcs32::exit_interruption_info, kUdExit);
  ASSERT_TRUE(r.pc_exit(ExitReason::exception_or_nmi));
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_EQ(r.rip(), 0x2002u);
  EXPECT_EQ(r.sink.log, (std::vector<Delivery>{{1, IpiKind::fixed, 0x41}}));
}

TEST(IsaExec, GivenVirtual8086ModeWhenTheMapRunsThenUd) {
  IsaRig r;
  r.vmcs.set(VmcsNat::guest_rflags, x86::kRflagsFixed | (1u << 17));
  ASSERT_TRUE(r.ud({0x0F, 0x0A, 0x01, 0xC1}));
  EXPECT_TRUE(is_ud(r.last));
  EXPECT_EQ(r.stats().faulted[n(Id::vipi)], 1u);
}

TEST(IsaExec, GivenAVmWithoutExtensionsWhenAUdExitHappensThenItIsReflectedWithoutDecoding) {
  IsaRig r;
  r.vcpu.extensions = 0;
  r.regs.rax = 1;
  r.regs.rcx = 0x41;
  ASSERT_TRUE(r.ud({0x0F, 0x0A, 0x01, 0xC1}));
  EXPECT_TRUE(is_ud(r.last));
  EXPECT_TRUE(r.sink.log.empty());
  EXPECT_EQ(r.stats().faulted[n(Id::vipi)], 0u);  // not even looked at
}

TEST(IsaExec, GivenVtlbiWhenExecutedThenOwnRangeFlushedOthersReachedAndItRetires) {
  IsaRig r;
  r.regs.rbx = 0xFFFFFFFF12345678;  // linear: outside 64-bit mode the low half, page-aligned
  r.regs.rsi = 3;
  ASSERT_TRUE(r.ud({0x0F, 0x0A, 0x02, 0xDE}));  // reg = 3 (EBX), rm = 6 (ESI)
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_EQ(r.rip(), IsaRig::kRip + 4);
  EXPECT_EQ(r.services.own, (std::vector<FakeIsaServices::Own>{{0, 0x12345000, 3}}));
  EXPECT_EQ(r.services.broadcasts, std::vector<u32>{0});
  EXPECT_EQ(r.stats().executed[n(Id::vtlbi)], 1u);
  EXPECT_EQ(r.stats().targets[n(Id::vtlbi)], 3u);
}

TEST(IsaExec, GivenVtlbiWithTooManyPagesAtCpl3OrWithoutServicesThenFaultAndNoFlush) {
  {
    IsaRig r;
    r.regs.rsi = 513;
    ASSERT_TRUE(r.ud({0x0F, 0x0A, 0x02, 0xDE}));
    EXPECT_TRUE(is_gp(r.last));
  }
  {
    IsaRig r;
    r.vmcs.set(Vmcs32::guest_ss_access, kArData | (3u << 5));
    ASSERT_TRUE(r.ud({0x0F, 0x0A, 0x02, 0xDE}));
    EXPECT_TRUE(is_gp(r.last));
    EXPECT_TRUE(r.services.own.empty());
  }
  {
    IsaRig r;
    r.pc.isa = nullptr;  // a VM whose vCPUs cannot reach each other (the test VMs)
    ASSERT_TRUE(r.ud({0x0F, 0x0A, 0x02, 0xDE}));
    EXPECT_TRUE(is_ud(r.last));
    EXPECT_EQ(r.stats().faulted[n(Id::vtlbi)], 1u);
  }
}

TEST(IsaExec, GivenVipiInAVmWithoutLocalApicsThenUd) {
  IsaRig r;
  r.pc.lapic = nullptr;
  ASSERT_TRUE(r.ud({0x0F, 0x0A, 0x01, 0xC1}));
  EXPECT_TRUE(is_ud(r.last));
}

TEST(IsaExec, GivenIpivWhenIcrWritesExitThenFixedPhysicalOnesCountAsElided) {
  IsaRig r;
  const u64 fixed = u64{1} << 32 | 0x41, logical = fixed | (1u << 11), shorthand = 0x41 | (3u << 18),
            nmi = u64{1} << 32 | (4u << 8);
  for (u64 icr : {fixed, logical, shorthand, nmi, fixed}) ext::note_icr_write(r.pc, icr);
  EXPECT_EQ(r.stats().elided_exits[n(Id::ipiv)], 2u);
  r.vcpu.extensions = bit(Id::vipi);
  ext::note_icr_write(r.pc, fixed);
  EXPECT_EQ(r.stats().elided_exits[n(Id::ipiv)], 2u);
}

TEST(IsaExec, GivenIpivWhenTheGuestWritesTheX2apicIcrThenTheWrmsrExitCountsAndTheIpiIsSent) {
  IsaRig r;
  ASSERT_FALSE(r.apic(0).wrmsr(kMsrApicBase, 0xFEE00C00).gp);  // x2APIC mode
  r.regs.rcx = 0x830;
  r.regs.rax = 0x41;
  r.regs.rdx = 3;
  ASSERT_TRUE(r.pc_exit(ExitReason::wrmsr, 0, 2));
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_EQ(r.sink.log, (std::vector<Delivery>{{3, IpiKind::fixed, 0x41}}));
  EXPECT_EQ(r.stats().elided_exits[n(Id::ipiv)], 1u);
}

TEST(IsaExec, GivenVhltWhenAHltExitOfAVcpuWithALocalApicHappensThenItCountsAsElided) {
  IsaRig r;
  r.apic(0).accept(0x42, IpiKind::fixed);  // something to wake for: the halt returns at once
  r.set_if(true);
  ASSERT_TRUE(r.pc_exit(ExitReason::hlt, 0, 1));
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_EQ(r.stats().elided_exits[n(Id::vhlt)], 1u);
  r.vcpu.extensions = bit(Id::pintr);
  ASSERT_TRUE(r.pc_exit(ExitReason::hlt, 0, 1));
  EXPECT_EQ(r.stats().elided_exits[n(Id::vhlt)], 1u);
}

TEST(IsaExec, GivenPintrWhenAnExternalInterruptExitBringsAPostedInterruptThenItCountsAsElided) {
  IsaRig r;
  ASSERT_TRUE(r.pc_exit(ExitReason::external_interrupt));  // a host interrupt, nothing posted
  EXPECT_EQ(r.stats().elided_exits[n(Id::pintr)], 0u);
  r.apic(0).accept(0x42, IpiKind::fixed);  // what another core's IPI does before its kick
  ASSERT_TRUE(r.pc_exit(ExitReason::external_interrupt));
  EXPECT_TRUE(is_resume(r.last));
  EXPECT_EQ(r.stats().elided_exits[n(Id::pintr)], 1u);
  r.vcpu.extensions = bit(Id::vipi);
  ASSERT_TRUE(r.pc_exit(ExitReason::external_interrupt));
  EXPECT_EQ(r.stats().elided_exits[n(Id::pintr)], 1u);
}

constexpr u64 kZf = 1u << 6, kCf = 1u << 0, kOf = 1u << 11;

TEST(IsaExec, GivenVnotifyWhenThePeerTakesItThenTheChannelRingsZfIsClearAndItRetires) {
  for (const ext::NotifyStatus status : {ext::NotifyStatus::delivered, ext::NotifyStatus::pending}) {
    IsaRig r;
    r.services.notify = status;
    r.regs.rdx = 0xFFFFFFFF00000002;  // handle 2: outside 64-bit mode bits 63:32 are ignored
    r.regs.rdi = 0;
    r.vmcs.set(VmcsNat::guest_rflags, x86::kRflagsFixed | kZf | kCf | kOf | x86::kRflagsIf);
    ASSERT_TRUE(r.ud({0x0F, 0x0A, 0x03, 0xD7}));  // reg = 2 (EDX), rm = 7 (EDI)
    EXPECT_TRUE(is_advance(r.last));
    EXPECT_EQ(r.rip(), IsaRig::kRip + 4);
    EXPECT_EQ(r.services.rings, std::vector<u64>{2});
    EXPECT_EQ(r.vmcs.read(VmcsNat::guest_rflags), x86::kRflagsFixed | x86::kRflagsIf);  // status flags cleared
    EXPECT_EQ(r.stats().executed[n(Id::vnotify)], 1u);
    EXPECT_EQ(r.stats().targets[n(Id::vnotify)], status == ext::NotifyStatus::delivered ? 1u : 0u);
    EXPECT_TRUE(r.sink.log.empty());  // not an IPI of this VM
  }
}

TEST(IsaExec, GivenVnotifyWhenThePeerIsDownThenZfIsSetAndItRetiresWithoutAFault) {
  IsaRig r;
  r.services.notify = ext::NotifyStatus::peer_down;
  r.vmcs.set(VmcsNat::guest_rflags, x86::kRflagsFixed | kCf);
  ASSERT_TRUE(r.ud({0x0F, 0x0A, 0x03, 0xC1}));
  EXPECT_TRUE(is_advance(r.last));
  EXPECT_EQ(r.vmcs.read(VmcsNat::guest_rflags), x86::kRflagsFixed | kZf);
  EXPECT_EQ(r.stats().executed[n(Id::vnotify)], 1u);
  EXPECT_EQ(r.stats().targets[n(Id::vnotify)], 0u);
  EXPECT_EQ(r.stats().faulted[n(Id::vnotify)], 0u);
}

TEST(IsaExec, GivenVnotifyWithABadHandleReservedOperandCpl3OrNoChannelsThenGpAndNoRing) {
  struct Case {
    u64 rm;
    bool user, bad_handle, no_services;
  };
  const Case cases[] = {{1, false, false, false}, {0, true, false, false}, {0, false, true, false},
                        {0, false, false, true}};
  for (const Case& c : cases) {
    IsaRig r;
    r.regs.rcx = c.rm;
    if (c.user) r.vmcs.set(Vmcs32::guest_ss_access, kArData | (3u << 5));
    if (c.bad_handle) r.services.notify = ext::NotifyStatus::bad_handle;
    if (c.no_services) r.pc.isa = nullptr;  // the test VMs: no channels at all
    r.vmcs.set(VmcsNat::guest_rflags, x86::kRflagsFixed | kCf);
    ASSERT_TRUE(r.ud({0x0F, 0x0A, 0x03, 0xC1}));
    EXPECT_TRUE(is_gp(r.last)) << c.rm << c.user << c.bad_handle << c.no_services;
    EXPECT_EQ(r.rip(), IsaRig::kRip);
    EXPECT_EQ(r.vmcs.read(VmcsNat::guest_rflags), x86::kRflagsFixed | kCf);  // a fault writes no flags
    EXPECT_EQ(r.services.rings.size(), c.bad_handle ? 1u : 0u);
    EXPECT_EQ(r.stats().faulted[n(Id::vnotify)], 1u);
    EXPECT_EQ(r.stats().executed[n(Id::vnotify)], 0u);
  }
}

TEST(IsaExec, GivenVnotifyNotEnabledOrWithAPrefixOrAMemoryOperandThenUdAndNoRing) {
  const std::vector<std::vector<u8>> forms = {
      {0x0F, 0x0A, 0x03, 0xC1}, {0x66, 0x0F, 0x0A, 0x03, 0xC1}, {0xF0, 0x0F, 0x0A, 0x03, 0xC1},
      {0x0F, 0x0A, 0x03, 0x01}};
  for (usize i = 0; i < forms.size(); ++i) {
    IsaRig r;
    if (i == 0) r.vcpu.extensions = ext::kAllIds & ~bit(Id::vnotify);
    ASSERT_TRUE(r.ud(forms[i]));
    EXPECT_TRUE(is_ud(r.last)) << i;
    EXPECT_EQ(r.rip(), IsaRig::kRip);
    EXPECT_TRUE(r.services.rings.empty());
    EXPECT_EQ(r.stats().faulted[n(Id::vnotify)], 1u) << i;
  }
}

}  // namespace
}  // namespace nucleo::vmx::exit_test
