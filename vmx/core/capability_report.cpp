// SPDX-License-Identifier: MIT
// Bit positions: SDM Vol. 3D Appendix A (A.3-A.6, A.10); their use: the
// files named in each row.
#include "vmx/core/capability_report.hpp"

#include "kernel/lib/format.hpp"
#include "vmx/core/vcpu_controls.hpp"

namespace nucleo::vmx {

namespace {
const char* yes(bool b) { return b ? "yes" : "no"; }

template <typename... Args>
void line(LineFn emit, Str fmt, const Args&... args) {
  char buffer[256];
  BufferSink sink(buffer, sizeof buffer);
  format(sink, fmt, args...);
  emit(sink.view());
}

bool usable_ept(const VmxCapabilities& c) { return c.has_ept() && c.ept_4level() && c.ept_write_back(); }
}  // namespace

void describe_capabilities(const VmxCapabilities& c, LineFn emit) {
  line(emit, "vmx: VMCS revision {:#x}, {} bytes, memory type {}, {} controls", c.revision(), c.region_size(),
       c.memory_type(), c.true_controls() ? "TRUE" : "legacy");
  line(emit, "vmx: EPT {} (4-level {}, 2 MiB {}, 1 GiB {}, INVEPT single {}), VPID {} (INVVPID single {})",
       yes(c.has_ept()), yes(c.ept_4level()), yes(c.ept_2mb_pages()), yes(c.ept_1gb_pages()), yes(c.invept_single()),
       yes(c.has_vpid()), yes(c.invvpid_single()));
  line(emit,
       "vmx: unrestricted guest {}, preemption timer {} (TSC >> {}), APIC virtualization {}, "
       "virtual-interrupt delivery {}, posted interrupts {}, VMFUNC {}, VMCS shadowing {}",
       yes(c.has_unrestricted_guest()), yes(c.has_preemption_timer()), c.preemption_timer_shift(),
       yes(c.has_apic_virtualization()), yes(c.has_virtual_interrupt_delivery()), yes(c.has_posted_interrupts()),
       yes(c.has_vmfunc()), yes(c.has_vmcs_shadowing()));
}

CapsVerdict assess_capabilities(const VmxCapabilities& c) {
  if (!usable_ept(c)) return CapsVerdict::no_ept;
  if (!c.has_unrestricted_guest()) return CapsVerdict::no_unrestricted_guest;
  return CapsVerdict::usable;
}

void describe_verdict(CapsVerdict v, LineFn emit) {
  switch (v) {
    case CapsVerdict::usable: return;
    case CapsVerdict::no_ept:
      emit("vmx: this VT-x has no usable EPT (4-level, write-back); nucleo maps guest memory with EPT only.");
      break;
    case CapsVerdict::no_unrestricted_guest:
      emit("vmx: this VT-x has no unrestricted guest; guests start in real mode and need it.");
      break;
  }
  emit("vmx: use a newer CPU model (Bochs: --cpu-model corei7_haswell_4770 or later).");
}

void feature_uses(const VmxCapabilities& c, FeatureUse (&rows)[kFeatureRows]) {
  const bool timer = c.has_preemption_timer();
  const Result<VcpuControls> configured = plan_controls(c, true, timer);
  const Result<VcpuControls> test_vm = plan_controls(c, false, timer);
  const bool vpid = test_vm && (test_vm.value().proc2 & proc2::kEnableVpid);
  const bool apicv = configured && configured.value().apicv;
  usize i = 0;
  rows[i++] = {"EPT (4-level walk, write-back)", usable_ept(c),
               usable_ept(c) ? "required: every VM's memory is mapped by EPT"
                             : "refused: no usable EPT, the run ends with code 20"};
  rows[i++] = {"unrestricted guest", c.has_unrestricted_guest(),
               c.has_unrestricted_guest() ? "required: guests start in real mode"
                                          : "refused: the run ends with code 20"};
  rows[i++] = {"controls of a VM with a virtual local APIC (configured VMs)", bool(configured),
               configured ? "all required controls can be set (vmx/core/vcpu_controls.cpp)"
                          : "refused: a required control is missing, the VM is not started"};
  rows[i++] = {"controls of a VM without one (test VMs)", bool(test_vm),
               test_vm ? "all required controls can be set" : "refused: a required control is missing"};
  rows[i++] = {"EPT 2 MiB and 1 GiB pages", c.ept_2mb_pages() && c.ept_1gb_pages(),
               "guest RAM is mapped with 2 MiB and 1 GiB leaves where aligned (vmx/hw/vcpu.cpp)"};
  rows[i++] = {"INVEPT single-context", c.invept_single(),
               c.invept_single() ? "used when a VM's EPT changes" : "all-context INVEPT instead"};
  rows[i++] = {"VPID", vpid,
               vpid ? "used: guest TLB entries survive VM exits" : "not used: every VM entry and exit flushes the TLB"};
  rows[i++] = {"INVVPID single-context", c.invvpid_single(),
               c.invvpid_single() ? "used before a vCPU's first entry" : "all-context INVVPID instead"};
  rows[i++] = {"VMX-preemption timer", timer,
               timer ? "10 ms time slices: a guest that spins with interrupts off still gives its core back"
                     : "not used: no time slices"};
  rows[i++] = {"virtualize APIC accesses", c.has_apic_virtualization(),
               c.has_apic_virtualization() ? "configured VMs get a virtual local APIC (APIC-access page)"
                                           : "configured VMs are refused; test VMs run"};
  rows[i++] = {"APIC-register virtualization and virtual-interrupt delivery", apicv,
               apicv ? "used: APIC reads, EOIs and interrupt delivery without exits"
                     : "not used: APIC accesses exit and are emulated"};
  rows[i++] = {"posted interrupts", c.has_posted_interrupts(),
               "not used by the hypervisor (the ISA laboratory models them: PINTR)"};
  rows[i++] = {"VM functions (EPTP switching)", c.has_vmfunc(), "not used"};
  rows[i++] = {"VMCS shadowing", c.has_vmcs_shadowing(), "not used (guests get no VMX: VMXON raises #UD)"};
}

}  // namespace nucleo::vmx
