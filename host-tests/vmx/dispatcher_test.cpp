// SPDX-License-Identifier: MIT
// The exit dispatcher (vmx/core/dispatcher.cpp): decode_exit reads the three
// exit fields, dispatch routes every registered basic reason to its handler
// and everything else to handle_unknown, apply carries out each action kind.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <iterator>
#include <set>
#include <sstream>
#include <string>

#include "host-tests/support/exit_rig.hpp"
#include "host-tests/support/io_recorder.hpp"

namespace nucleo::vmx::exit_test {
namespace {

TEST(Dispatcher, GivenExitFieldsWhenDecodedThenBasicReasonQualificationAndLengthAreInTheContext) {
  ExitRig r;
  r.vmcs.set(Vmcs32::exit_reason, 0x08000030);  // enclave-mode bit with EPT violation
  r.vmcs.set(VmcsNat::exit_qualification, 0xFFFF000000000182);
  r.vmcs.set(Vmcs32::exit_instruction_length, 15);
  decode_exit(r.ctx);
  EXPECT_EQ(r.ctx.basic_reason, 48u);
  EXPECT_EQ(r.ctx.qualification, 0xFFFF000000000182u);
  EXPECT_EQ(r.ctx.instruction_length, 15u);
  EXPECT_FALSE(r.ctx.entry_failure);
  EXPECT_TRUE(r.vmcs.writes().empty());
}

TEST(Dispatcher, GivenACpuidExitWhenDecodedThenTheUndefinedQualificationIsNotRead) {
  ExitRig r;
  r.vmcs.set(Vmcs32::exit_reason, static_cast<u32>(ExitReason::cpuid));
  r.vmcs.set(VmcsNat::exit_qualification, 0xDEAD);  // undefined for CPUID exits
  r.vmcs.set(Vmcs32::exit_instruction_length, 2);
  decode_exit(r.ctx);
  EXPECT_EQ(r.ctx.qualification, 0u);
  EXPECT_EQ(r.ctx.instruction_length, 2u);
}

// The kernel runs decode and apply on its final HwVmcs, not through the
// seam: the same template on the concrete FakeVmcs must read and write the
// same fields as through VmcsAccess.
TEST(Dispatcher, GivenTheConcreteVmcsTypeWhenDecodedAndAppliedThenTheSameAsThroughTheSeam) {
  ExitRig seam, concrete;
  for (ExitRig* r : {&seam, &concrete}) {
    r->vmcs.set(Vmcs32::exit_reason, static_cast<u32>(ExitReason::io_instruction));
    r->vmcs.set(VmcsNat::exit_qualification, 0x3F80008);
    r->vmcs.set(Vmcs32::exit_instruction_length, 1);
    r->vmcs.set(Vmcs32::guest_interruptibility, 0x9);  // STI and NMI blocking
  }
  decode_exit(seam.ctx);
  decode_exit(concrete.ctx, concrete.vmcs);
  EXPECT_EQ(concrete.ctx.basic_reason, 30u);
  EXPECT_EQ(concrete.ctx.qualification, 0x3F80008u);
  EXPECT_EQ(concrete.ctx.instruction_length, 1u);
  EXPECT_TRUE(apply(seam.ctx, ExitAction::advance()));
  EXPECT_TRUE(apply(concrete.ctx, concrete.vmcs, ExitAction::advance()));
  EXPECT_EQ(concrete.rip(), ExitRig::kRip + 1);
  EXPECT_EQ(concrete.vmcs.read(Vmcs32::guest_interruptibility), 0x8u);
  EXPECT_EQ(concrete.vmcs.write_order(), seam.vmcs.write_order());
  EXPECT_FALSE(apply(concrete.ctx, concrete.vmcs, ExitAction::stop_vm(StopReason::guest_exit, 3)));
  EXPECT_EQ(concrete.vm.exit_code, 3u);
}

// Only the exits whose handlers read the qualification pay for its VMREAD.
TEST(Dispatcher, GivenEachRouteWhenDecodedThenTheQualificationIsReadExactlyWhenTheRouteSaysSo) {
  for (u32 reason = 0; reason <= kExitReasonCount; ++reason) {
    SCOPED_TRACE(reason);
    ExitRig r;
    r.vmcs.set(Vmcs32::exit_reason, reason);
    r.vmcs.set(VmcsNat::exit_qualification, 0x77);
    r.touch.touched.clear();
    decode_exit(r.ctx);
    const bool read = r.touch.touched.count(FakeVmcs::code(VmcsNat::exit_qualification)) != 0;
    EXPECT_EQ(read, exit_route(reason).reads_qualification);
    EXPECT_EQ(r.ctx.qualification, read ? 0x77u : 0u);
  }
  for (const ExitReason undefined : {ExitReason::cpuid, ExitReason::vmcall, ExitReason::rdmsr, ExitReason::hlt})
    EXPECT_FALSE(exit_route(static_cast<u32>(undefined)).reads_qualification);
  for (const ExitReason defined : {ExitReason::io_instruction, ExitReason::cr_access, ExitReason::ept_violation})
    EXPECT_TRUE(exit_route(static_cast<u32>(defined)).reads_qualification);
  EXPECT_EQ(exit_route(kExitReasonCount).handler, handle_unknown);
  EXPECT_EQ(&exit_route(0x12345), &exit_route(kExitReasonCount));
}

TEST(Dispatcher, GivenAnEntryFailureExitWhenDecodedThenFlaggedWithItsBasicReason) {
  ExitRig r;
  r.vmcs.set(Vmcs32::exit_reason, 0x80000021);  // invalid guest state
  decode_exit(r.ctx);
  EXPECT_TRUE(r.ctx.entry_failure);
  EXPECT_EQ(r.ctx.basic_reason, static_cast<u32>(ExitReason::invalid_guest_state));
}

// Everything a handler can change, as text, to compare two runs.
std::string observe(ExitRig& r, const ExitAction& a) {
  std::ostringstream o;
  o << "kind " << int(a.kind) << " stop " << int(a.stop) << " code " << a.exit_code << " event " << int(a.event.vector)
    << "/" << int(a.event.type) << "/" << a.event.has_error_code << "/" << a.event.error_code << "\nwrites";
  for (const FakeVmcs::Write& w : r.vmcs.writes()) o << " " << std::hex << w.encoding << "=" << w.value << std::dec;
  o << "\nregs";
  for (u32 i = 0; i < 16; ++i) o << " " << r.regs.get(i);
  o << "\ndiag " << r.diagnosis() << "\ncpu " << r.cpu.cpuid_calls.size() << " " << r.cpu.rdtsc_calls << " "
    << r.cpu.xsetbv_calls.size() << "\nvcpu " << r.vcpu.xcr0 << " " << r.vcpu.apic_base
    << " " << r.vcpu.tpr << " " << r.vcpu.hypercalls << "\nio " << r.vm.io.unclaimed_accesses();
  return o.str();
}

// A guest state in which every handler has something to do.
void scenario(ExitRig& r, u32 reason) {
  r.regs.rax = 0x3;            // CPUID leaf 3, VMCALL VCPU_INFO, XSETBV x87|SSE, value for MOV CR
  r.regs.rcx = 0x277;          // IA32_PAT for RDMSR/WRMSR
  r.regs.rdx = 0;
  r.vmcs.set(Vmcs32::exit_interruption_info, 0x80000603);  // #BP
  r.vmcs.set(Vmcs32::proc_controls, 0x84400004);
  r.vmcs.set(Vmcs64::guest_physical_address, 0x40000000);
  r.vcpu.preemption_timer = 0x777;
  const u64 qualification = reason == static_cast<u32>(ExitReason::io_instruction) ? test::io_qual(0x80, 1, test::Dir::in)
                            : reason == static_cast<u32>(ExitReason::cr_access)    ? 0x8  // MOV to CR8 from RAX
                            : reason == static_cast<u32>(ExitReason::sipi)         ? 0x12
                                                                                    : 0x181;
  r.vmcs.set(Vmcs32::exit_reason, reason);
  r.vmcs.set(VmcsNat::exit_qualification, qualification);
  r.vmcs.set(Vmcs32::exit_instruction_length, 3);
}

struct Route {
  ExitReason reason;
  ExitHandler handler;
};
const Route kRoutes[] = {
    {ExitReason::exception_or_nmi, handle_exception_or_nmi},
    {ExitReason::external_interrupt, handle_external_interrupt},
    {ExitReason::triple_fault, handle_triple_fault},
    {ExitReason::init_signal, handle_init_sipi},
    {ExitReason::sipi, handle_init_sipi},
    {ExitReason::interrupt_window, handle_interrupt_window},
    {ExitReason::nmi_window, handle_interrupt_window},
    {ExitReason::cpuid, handle_cpuid},
    {ExitReason::getsec, handle_vmx_instruction},
    {ExitReason::hlt, handle_hlt},
    {ExitReason::invd, handle_cache_flush},
    {ExitReason::vmcall, handle_vmcall},
    {ExitReason::vmclear, handle_vmx_instruction},
    {ExitReason::vmlaunch, handle_vmx_instruction},
    {ExitReason::vmptrld, handle_vmx_instruction},
    {ExitReason::vmptrst, handle_vmx_instruction},
    {ExitReason::vmread, handle_vmx_instruction},
    {ExitReason::vmresume, handle_vmx_instruction},
    {ExitReason::vmwrite, handle_vmx_instruction},
    {ExitReason::vmxoff, handle_vmx_instruction},
    {ExitReason::vmxon, handle_vmx_instruction},
    {ExitReason::cr_access, handle_cr_access},
    {ExitReason::io_instruction, handle_io},
    {ExitReason::rdmsr, handle_rdmsr},
    {ExitReason::wrmsr, handle_wrmsr},
    {ExitReason::ept_violation, handle_ept_violation},
    {ExitReason::ept_misconfiguration, handle_ept_misconfiguration},
    {ExitReason::invept, handle_vmx_instruction},
    {ExitReason::preemption_timer, handle_preemption_timer},
    {ExitReason::invvpid, handle_vmx_instruction},
    {ExitReason::wbinvd, handle_cache_flush},
    {ExitReason::xsetbv, handle_xsetbv},
    {ExitReason::vmfunc, handle_vmx_instruction},
};

// What `handler` (or dispatch, when null) does to a fresh rig in the scenario.
std::string run(u32 reason, ExitHandler handler, std::set<u32>* touched = nullptr) {
  ExitRig r;
  scenario(r, reason);
  decode_exit(r.ctx);
  const ExitAction a = handler ? handler(r.ctx) : dispatch(r.ctx);
  apply(r.ctx, a);
  if (touched) touched->insert(r.touch.touched.begin(), r.touch.touched.end());
  return observe(r, a);
}

TEST(Dispatcher, GivenEachRegisteredReasonWhenDispatchedThenItsHandlerRunsAndNotTheFallback) {
  for (const Route& route : kRoutes) {
    const auto reason = static_cast<u32>(route.reason);
    SCOPED_TRACE(exit_reason_name(reason));
    const std::string dispatched = run(reason, nullptr);
    EXPECT_EQ(dispatched, run(reason, route.handler));
    EXPECT_NE(dispatched, run(reason, handle_unknown));
  }
}

// vmx/hw names a VMCS field in every diagnostic (VMWRITE failures, entry
// failures): each field the exit path reads or writes must have a name.
TEST(Dispatcher, GivenEveryHandledExitWhenRunThenEveryVmcsFieldItTouchesHasADiagnosticName) {
  std::set<u32> touched;
  for (const Route& route : kRoutes) (void)run(static_cast<u32>(route.reason), nullptr, &touched);
  (void)run(static_cast<u32>(ExitReason::rdtsc), nullptr, &touched);
  EXPECT_GE(touched.size(), 20u);
  for (const u32 encoding : touched) EXPECT_STRNE(field_name(encoding), "unknown field") << std::hex << encoding;
  EXPECT_STREQ(field_name(0xFFFF), "unknown field");
}

bool registered(u32 reason) {
  for (const Route& route : kRoutes)
    if (static_cast<u32>(route.reason) == reason) return true;
  return false;
}

TEST(Dispatcher, GivenEveryOtherReasonBelowTheTableSizeWhenDispatchedThenTheUnknownExitHandlerStopsTheVm) {
  int unregistered = 0;
  for (u32 reason = 0; reason < kExitReasonCount; ++reason) {
    if (registered(reason)) continue;
    ++unregistered;
    SCOPED_TRACE(reason);
    ExitRig r;
    EXPECT_FALSE(r.exit(static_cast<ExitReason>(reason), 0x5));
    EXPECT_TRUE(is_stop(r.last, StopReason::unhandled_exit));
    EXPECT_THAT(r.diagnosis(), testing::StartsWith("unhandled VM exit " + std::to_string(reason) + " ("));
  }
  EXPECT_EQ(unregistered, static_cast<int>(kExitReasonCount) - static_cast<int>(std::size(kRoutes)));
}

TEST(Dispatcher, GivenReasonsBeyondTheTableWhenDispatchedThenTheUnknownExitHandler) {
  for (const u32 reason : {kExitReasonCount, kExitReasonCount + 1, 1000u, 0xFFFFu, 0x12345u}) {
    ExitRig r;
    r.ctx.basic_reason = reason;
    const ExitAction a = dispatch(r.ctx);
    EXPECT_TRUE(is_stop(a, StopReason::unhandled_exit)) << reason;
    EXPECT_THAT(r.diagnosis(), testing::HasSubstr("unhandled VM exit " + std::to_string(reason) + " (unknown)"));
  }
}

TEST(Dispatcher, GivenAdvanceWhenAppliedThenRipGrowsByTheLengthAndStiAndMovSsBlockingEnd) {
  ExitRig r;
  r.ctx.instruction_length = 7;
  r.vmcs.set(Vmcs32::guest_interruptibility, 0xF);  // STI, MOV SS, SMI, NMI blocking
  EXPECT_TRUE(apply(r.ctx, ExitAction::advance()));
  EXPECT_EQ(r.rip(), ExitRig::kRip + 7);
  EXPECT_EQ(r.vmcs.read(Vmcs32::guest_interruptibility), 0xCu);
  EXPECT_FALSE(r.vm.stopped);
}

TEST(Dispatcher, GivenAdvanceWithoutStiOrMovSsBlockingWhenAppliedThenInterruptibilityIsNotWritten) {
  ExitRig r;
  r.ctx.instruction_length = 2;
  r.vmcs.set(Vmcs32::guest_interruptibility, 0x8);  // NMI blocking only
  EXPECT_TRUE(apply(r.ctx, ExitAction::advance()));
  EXPECT_EQ(r.vmcs.write_order(), std::vector<u32>{FakeVmcs::code(VmcsNat::guest_rip)});
  EXPECT_EQ(r.vmcs.read(Vmcs32::guest_interruptibility), 0x8u);
}

TEST(Dispatcher, GivenResumeWhenAppliedThenNothingIsWritten) {
  ExitRig r;
  r.ctx.instruction_length = 2;
  EXPECT_TRUE(apply(r.ctx, ExitAction::resume()));
  EXPECT_TRUE(r.vmcs.writes().empty());
}

struct InjectRow {
  const char* name;
  Event event;
  u32 info;
  bool writes_error_code, writes_length;
};

TEST(Dispatcher, GivenInjectWhenAppliedThenEntryInfoErrorCodeAndLengthOnlyForSoftwareEvents) {
  const InjectRow rows[] = {
      {"#GP with error code", {13, 3, true, 0x1234}, 0x80000B0D, true, false},
      {"#UD", {6, 3, false, 0}, 0x80000306, false, false},
      {"external interrupt 0x20", {0x20, 0, false, 0}, 0x80000020, false, false},
      {"NMI", {2, 2, false, 0}, 0x80000202, false, false},
      {"INT 0x80", {0x80, 4, false, 0}, 0x80000480, false, true},
      {"INT1", {1, 5, false, 0}, 0x80000501, false, true},
      {"INT3", {3, 6, false, 0}, 0x80000603, false, true},
  };
  for (const InjectRow& row : rows) {
    SCOPED_TRACE(std::string(row.name) + ", " + interruption_type_name(static_cast<InterruptionType>(row.event.type)));
    ExitRig r;
    r.ctx.instruction_length = 2;
    EXPECT_TRUE(apply(r.ctx, ExitAction::inject(row.event)));
    EXPECT_EQ(r.vmcs.read(Vmcs32::entry_interruption_info), row.info);
    EXPECT_EQ(r.wrote(Vmcs32::entry_exception_error_code), row.writes_error_code);
    if (row.writes_error_code) EXPECT_EQ(r.vmcs.read(Vmcs32::entry_exception_error_code), row.event.error_code);
    EXPECT_EQ(r.wrote(Vmcs32::entry_instruction_length), row.writes_length);
    if (row.writes_length) EXPECT_EQ(r.vmcs.read(Vmcs32::entry_instruction_length), 2u);
    EXPECT_EQ(r.rip(), ExitRig::kRip);
    EXPECT_EQ(InterruptionInfo(r.vmcs.read(Vmcs32::entry_interruption_info)).injection_problem(), nullptr);
  }
}

TEST(Dispatcher, GivenStopWhenAppliedThenTheVmRecordsReasonAndCodeAndMustNotResume) {
  ExitRig r;
  EXPECT_FALSE(apply(r.ctx, ExitAction::stop_vm(StopReason::guest_exit, 0x2A)));
  EXPECT_TRUE(r.vm.stopped);
  EXPECT_EQ(r.vm.stop_reason, StopReason::guest_exit);
  EXPECT_EQ(r.vm.exit_code, 0x2Au);
  EXPECT_TRUE(r.vmcs.writes().empty());
}

TEST(Dispatcher, GivenAnUnknownActionKindWhenAppliedThenNotResumed) {
  ExitRig r;
  ExitAction a;
  const u8 bogus = 9;
  std::memcpy(&a.kind, &bogus, 1);
  EXPECT_FALSE(apply(r.ctx, a));
}

TEST(Dispatcher, GivenEachStopReasonWhenNamedThenADistinctName) {
  const StopReason all[] = {StopReason::none,          StopReason::guest_exit,        StopReason::triple_fault,
                            StopReason::unhandled_exit, StopReason::bad_memory_access, StopReason::entry_failed,
                            StopReason::halted_forever, StopReason::hypervisor_error};
  std::set<std::string> names;
  for (const StopReason s : all) names.insert(stop_reason_name(s));
  EXPECT_EQ(names.size(), std::size(all));
  EXPECT_STREQ(stop_reason_name(static_cast<StopReason>(200)), "unknown");
}

TEST(ExitStatsTest, GivenExitsRecordedWhenCountedThenPerReasonCountTotalMinimumAndSum) {
  ExitStats s;
  EXPECT_EQ(s.total(), 0u);
  s.record(10, 500);
  s.record(10, 300);
  s.record(10, 400);
  s.record(30, 1000);
  EXPECT_EQ(s.count[10], 3u);
  EXPECT_EQ(s.tsc[10], 1200u);
  EXPECT_EQ(s.min_tsc[10], 300u);
  EXPECT_EQ(s.min_tsc[30], 1000u);
  EXPECT_EQ(s.total(), 4u);
}

TEST(ExitStatsTest, GivenReasonsBeyondTheTableWhenRecordedThenTheyShareTheLastSlot) {
  ExitStats s;
  s.record(kExitReasonCount, 7);
  s.record(0xFFFF, 5);
  EXPECT_EQ(s.count[kExitReasonCount - 1], 2u);
  EXPECT_EQ(s.min_tsc[kExitReasonCount - 1], 5u);
  EXPECT_EQ(s.total(), 2u);
}

// Regression (fixed): vmx/core/exit_helpers.hpp inject_exception sets deliver-error-code
// from the vector alone; for an unrestricted guest with CR0.PE = 0 (real
// mode, e.g. after SIPI) VM entry refuses an error code (SDM Vol. 3C
// 27.2.1.3), so any #GP from a real-mode guest (unknown MSR, XSETBV, CR
// write) makes the entry fail. apply() (or inject_exception) must clear
// has_error_code when the guest's CR0.PE is 0.
TEST(Dispatcher, GivenARealModeGuestWhenAGpIsInjectedThenVmEntryAcceptsTheEvent) {
  ExitRig r;
  r.real_mode();
  r.regs.rcx = 0x12345;  // no such MSR
  ASSERT_TRUE(r.exit(ExitReason::rdmsr, 0, 2));
  const InterruptionInfo info(r.vmcs.read(Vmcs32::entry_interruption_info));
  EXPECT_EQ(info.vector(), vec::kGp);
  const char* problem = info.injection_problem(false);
  EXPECT_EQ(problem, nullptr) << problem;
}

}  // namespace
}  // namespace nucleo::vmx::exit_test
