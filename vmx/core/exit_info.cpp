// SPDX-License-Identifier: MIT
#include "vmx/core/exit_info.hpp"

namespace nucleo::vmx {

const char* gpr_name(u8 number) {
  static constexpr const char* kNames[] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                           "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
  return number < 16 ? kNames[number] : "?";
}

const char* interruption_type_name(InterruptionType type) {
  switch (type) {
    case InterruptionType::external_interrupt:
      return "external interrupt";
    case InterruptionType::reserved:
      return "reserved";
    case InterruptionType::nmi:
      return "NMI";
    case InterruptionType::hardware_exception:
      return "hardware exception";
    case InterruptionType::software_interrupt:
      return "software interrupt";
    case InterruptionType::privileged_software_exception:
      return "privileged software exception";
    case InterruptionType::software_exception:
      return "software exception";
    case InterruptionType::other_event:
      return "other event";
  }
  return "?";
}

// SDM Vol. 3C 27.2.1.3 "Checks on VM-Entry Control Fields", the items on the
// VM-entry interruption-information field, in the SDM's order.
const char* InterruptionInfo::injection_problem(bool protected_mode) const {
  if (!valid()) return nullptr;  // nothing is injected
  const InterruptionType t = type();
  if (t == InterruptionType::reserved) return "interruption type 1 is reserved";
  if (t == InterruptionType::nmi && vector() != vec::kNmi) return "an NMI must have vector 2";
  if (t == InterruptionType::hardware_exception && vector() > 31)
    return "a hardware exception must have a vector in 0-31";
  if (t == InterruptionType::other_event && vector() != 0)
    return "other event must have vector 0 (pending MTF VM exit)";
  const bool wants_code =
      protected_mode && t == InterruptionType::hardware_exception && exception_has_error_code(vector());
  if (error_code_valid() && !wants_code) return "deliver-error-code is set for an event that pushes no error code";
  if (!error_code_valid() && wants_code)
    return "deliver-error-code is clear for an exception that pushes an error code";
  if ((raw & 0x7FFFF000u) != 0) return "reserved bits 30:12 must be 0";
  return nullptr;
}

}  // namespace nucleo::vmx
