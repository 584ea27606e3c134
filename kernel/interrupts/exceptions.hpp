// SPDX-License-Identifier: MIT
// Interrupts and exceptions taken by the hypervisor itself. Exceptions are
// fatal (full register dump, result line, power-off; no reboot loop), except
// an NMI the kernel asked for (NMI IPIs). Vectors 32-255 go to handlers
// registered with set_interrupt_handler.
#pragma once

#include "kernel/lib/types.hpp"

namespace nucleo {

// Layout built by exception_stubs.S followed by the CPU's own frame.
struct InterruptFrame {
  u64 rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
  u64 vector, error_code;
  u64 rip, cs, rflags, rsp, ss;  // pushed by the CPU (SDM Vol. 3A 6.14.1)
};
static_assert(sizeof(InterruptFrame) == 22 * 8);
static_assert(__builtin_offsetof(InterruptFrame, vector) == 15 * 8);
static_assert(__builtin_offsetof(InterruptFrame, rip) == 17 * 8);

const char* exception_name(u64 vector);

using InterruptHandler = void (*)(InterruptFrame& frame);
// The handler runs with interrupts off and must send EOI itself if needed.
void set_interrupt_handler(u8 vector, InterruptHandler handler);

// An exception the kernel can resolve itself (today: the #UD of a root-mode
// instruction of the laboratory, vmx/hw/binvept.cpp): the fixup runs first,
// with interrupts off, and returns true when it has repaired the frame (the
// CPU then resumes at frame.rip). Any other exception stays fatal.
using ExceptionFixup = bool (*)(InterruptFrame& frame);
void set_exception_fixup(u8 vector, ExceptionFixup fixup);

}  // namespace nucleo

extern "C" void interrupt_entry(nucleo::InterruptFrame* frame);
