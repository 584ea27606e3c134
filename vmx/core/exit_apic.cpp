// SPDX-License-Identifier: MIT
// APIC-access, EOI-induced and APIC-write exits (reasons 44, 45, 56; SDM
// Vol. 3C 30.4 and 30.1.3) and the entry-side helpers for the virtual
// local APIC.
#include "vmx/core/exit_apic.hpp"

#include "kernel/arch/x86_bits.hpp"
#include "kernel/virt/lapic/mmio_mov.hpp"
#include "vmx/core/dispatcher.hpp"
#include "vmx/core/exit_helpers.hpp"
#include "vmx/core/guest_fetch.hpp"
#include "vmx/ext/isa_exec.hpp"

namespace nucleo::vmx {

const char* apic_access_type_name(ApicAccessType type) {
  switch (type) {
    case ApicAccessType::linear_read: return "linear read";
    case ApicAccessType::linear_write: return "linear write";
    case ApicAccessType::linear_fetch: return "linear instruction fetch";
    case ApicAccessType::linear_event_delivery: return "linear access during event delivery";
    case ApicAccessType::physical_event_delivery: return "guest-physical access during event delivery";
    case ApicAccessType::physical_instruction: return "guest-physical access by an instruction";
  }
  return "reserved access type";
}

namespace {


void set_gpr(ExitContext& ctx, u8 reg, u64 value) {
  if (reg == 4) {
    (void)ctx.vmcs.write(VmcsNat::guest_rsp, value);
  } else {
    ctx.regs.set(reg, value);
  }
}

// The bytes a read of `width` at page offset `offset` returns: those of
// the 32-bit register of its 16-byte slot from the offset on; the rest of
// the slot (bytes 4-15) reads as 0 (SDM Vol. 3A 11.4.1: registers are
// 32 bits on 16-byte boundaries; narrower accesses are model specific,
// and these are KVM's semantics).
u64 apic_read_bytes(VirtualLapic& lapic, u32 offset, u8 width) {
  const u32 slot = offset & 0xFF0, at = offset & 0xF;
  const u64 reg = lapic.read(slot);
  u64 v = 0;
  for (u32 k = 0; k < width; ++k)
    if (at + k < 4) v |= ((reg >> (8 * (at + k))) & 0xFF) << (8 * k);
  return v;
}

}  // namespace

ExitAction handle_apic_access(ExitContext& ctx, VirtualLapic& lapic) {
  const ApicAccessQual q(ctx.qualification);
  const ApicAccessType type = q.type();
  if (type != ApicAccessType::linear_read && type != ApicAccessType::linear_write) {
    ctx.vm.diagnose("APIC access at offset {:#x}: {} is not emulated (qualification {:#x})", q.offset(),
                    apic_access_type_name(type), ctx.qualification);
    return ExitAction::stop_vm(StopReason::unhandled_exit);
  }
  const GuestCodeMode mode = guest_code_mode(ctx);
  const bool long_mode = mode == GuestCodeMode::long64;
  const CodeSize size = long_mode ? CodeSize::bits64 : mode == GuestCodeMode::protected32 ? CodeSize::bits32 : CodeSize::bits16;
  const Fetched code = fetch_instruction(ctx, long_mode);
  const Result<MmioMov> decoded = decode_mmio_mov(Span<const u8>(code.bytes, code.count), size);
  if (!decoded) {
    const HexBytes hex(code.bytes, code.count);
    ctx.vm.diagnose("APIC {} at offset {:#x} by the instruction at linear {:#x} ({}), bytes: {}",
                    type == ApicAccessType::linear_write ? "write" : "read", q.offset(), code.linear,
                    decoded.error().what, Str(hex.text));
    return ExitAction::stop_vm(StopReason::unhandled_exit);
  }
  const MmioMov& mov = decoded.value();
  const bool is_write = mov.kind != MmioMovKind::load;
  if (is_write != (type == ApicAccessType::linear_write)) {
    const HexBytes hex(code.bytes, mov.length);
    ctx.vm.diagnose("APIC access at offset {:#x}: the exit says {} but the instruction ({}) does the opposite",
                    q.offset(), apic_access_type_name(type), Str(hex.text));
    return ExitAction::stop_vm(StopReason::hypervisor_error);
  }
  const u32 offset = q.offset();
  if (mov.kind == MmioMovKind::load) {
    const u8 reg = mov.reg;
    set_gpr(ctx, reg, mmio_merge_register(mov, guest_gpr(ctx, reg), apic_read_bytes(lapic, offset, mov.width)));
  } else if (mov.width == 4 && (offset & 0xF) == 0) {
    // Any other write completes without effect, as in KVM: a register is
    // one 32-bit unit and a partial write has no defined result (SDM
    // Vol. 3A 11.4.1).
    lapic.write(offset, static_cast<u32>(mmio_store_value(mov, guest_gpr(ctx, mov.reg))));
  }
  // APIC-access exits define no instruction length (28.2.4): use the decoder's.
  ctx.instruction_length = mov.length;
  return ExitAction::advance();
}

ExitAction handle_virtualized_eoi(ExitContext& ctx, VirtualLapic& lapic) {
  lapic.after_virtual_eoi(static_cast<u8>(ctx.qualification & 0xFF));
  return ExitAction::resume();  // trap-like: RIP is already past the EOI write
}

ExitAction handle_apic_write(ExitContext& ctx, VirtualLapic& lapic) {
  const u32 offset = static_cast<u32>(ctx.qualification & 0xFFF);
  if (offset == vlapic::kIcrLow && ctx.vcpu.extensions)
    ext::note_icr_write(ctx, u64{lapic.page().get(vlapic::kIcrHigh)} << 32 | lapic.page().get(vlapic::kIcrLow));
  if (!lapic.after_write(offset)) {
    ctx.vm.diagnose("APIC-write exit for offset {:#x}, which the processor never reports", offset);
    return ExitAction::stop_vm(StopReason::hypervisor_error);
  }
  return ExitAction::resume();  // trap-like
}

u16 sync_guest_interrupt_status(ExitContext& ctx, VirtualLapic& lapic) {
  const u16 status = lapic.guest_interrupt_status();
  if (ctx.vmcs.read(Vmcs16::guest_interrupt_status) != status)
    (void)ctx.vmcs.write(Vmcs16::guest_interrupt_status, status);
  return status;
}

bool collect_lapic_interrupt(ExitContext& ctx, VirtualLapic& lapic) {
  VcpuState& v = ctx.vcpu;
  if (v.pending_vector == 0) {
    const i32 vector = lapic.pending_vector();
    if (vector >= 0) {
      v.pending_vector = static_cast<u8>(vector);
      lapic.acknowledge(static_cast<u8>(vector));
    }
  }
  return v.pending_vector != 0;
}

ExitAction handle_apic_access_exit(ExitContext& ctx) {
  return ctx.lapic ? handle_apic_access(ctx, *ctx.lapic) : handle_unknown(ctx);
}
ExitAction handle_virtualized_eoi_exit(ExitContext& ctx) {
  return ctx.lapic ? handle_virtualized_eoi(ctx, *ctx.lapic) : handle_unknown(ctx);
}
ExitAction handle_apic_write_exit(ExitContext& ctx) {
  return ctx.lapic ? handle_apic_write(ctx, *ctx.lapic) : handle_unknown(ctx);
}

}  // namespace nucleo::vmx
