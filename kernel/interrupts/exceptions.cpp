// SPDX-License-Identifier: MIT
#include "kernel/interrupts/exceptions.hpp"

#include "kernel/arch/cpu.hpp"
#include "kernel/boot_report.hpp"
#include "kernel/console/log.hpp"
#include "smp/percpu.hpp"

namespace nucleo {

const char* exception_name(u64 vector) {
  // SDM Vol. 3A 6.3.1, Table 6-1.
  static constexpr const char* names[32] = {
      "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow", "#BR bound range",
      "#UD invalid opcode", "#NM device not available", "#DF double fault", "coprocessor segment overrun",
      "#TS invalid TSS", "#NP segment not present", "#SS stack fault", "#GP general protection",
      "#PF page fault", "reserved (15)", "#MF x87 error", "#AC alignment check", "#MC machine check",
      "#XM SIMD exception", "#VE virtualization exception", "#CP control protection", "reserved (22)",
      "reserved (23)", "reserved (24)", "reserved (25)", "reserved (26)", "reserved (27)",
      "#HV hypervisor injection", "#VC VMM communication", "#SX security exception", "reserved (31)"};
  return vector < 32 ? names[vector] : "external interrupt";
}

namespace {

constinit InterruptHandler g_handlers[256] = {};
constinit ExceptionFixup g_fixups[32] = {};

[[noreturn]] void fatal_exception(const InterruptFrame* f) {
  // The faulting CPU may have held the console lock.
  console::break_lock();
  log::error("CPU exception {} ({}) on CPU with APIC ID {}", f->vector, exception_name(f->vector),
             cpu::initial_apic_id());
  log::error("  error code {:#x}  RIP {:#018x}  CS {:#x}  RFLAGS {:#x}", f->error_code, f->rip, f->cs, f->rflags);
  log::error("  RSP {:#018x}  SS {:#x}  CR2 {:#018x}  CR3 {:#x}", f->rsp, f->ss, cpu::read_cr2(), cpu::read_cr3());
  log::error("  RAX {:#018x}  RBX {:#018x}  RCX {:#018x}", f->rax, f->rbx, f->rcx);
  log::error("  RDX {:#018x}  RSI {:#018x}  RDI {:#018x}", f->rdx, f->rsi, f->rdi);
  log::error("  RBP {:#018x}  R8  {:#018x}  R9  {:#018x}", f->rbp, f->r8, f->r9);
  log::error("  R10 {:#018x}  R11 {:#018x}  R12 {:#018x}", f->r10, f->r11, f->r12);
  log::error("  R13 {:#018x}  R14 {:#018x}  R15 {:#018x}", f->r13, f->r14, f->r15);
  log::error("  CR0 {:#x}  CR4 {:#x}", cpu::read_cr0(), cpu::read_cr4());
  finish(ExitCode::cpu_exception, "exception");
}

}  // namespace

void set_interrupt_handler(u8 vector, InterruptHandler handler) { g_handlers[vector] = handler; }

void set_exception_fixup(u8 vector, ExceptionFixup fixup) {
  if (vector < 32) g_fixups[vector] = fixup;
}

}  // namespace nucleo

using namespace nucleo;

extern "C" void interrupt_entry(InterruptFrame* f) {
  if (f->vector == 2 && percpu_ready() && this_cpu().nmi_expected) {
    ++this_cpu().nmi_count;  // an NMI IPI the kernel sent on purpose
    return;
  }
  if (f->vector < 32) {
    const ExceptionFixup fixup = g_fixups[f->vector];
    if (fixup && fixup(*f)) return;
    fatal_exception(f);
  }
  const InterruptHandler handler = g_handlers[f->vector];
  if (handler) {
    handler(*f);
    return;
  }
  console::break_lock();
  log::error("interrupt: unexpected vector {} on CPU with APIC ID {}", f->vector, cpu::initial_apic_id());
  finish(ExitCode::panic, "panic");
}
