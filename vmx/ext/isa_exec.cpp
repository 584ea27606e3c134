// SPDX-License-Identifier: MIT
// The semantics follow the Operation and Exceptions sections of each
// proposal in isa_table.cpp (docs/isa/<name>.md).
#include "vmx/ext/isa_exec.hpp"

#include "kernel/virt/lapic/lapic_regs.hpp"
#include "vmx/core/exit_helpers.hpp"
#include "vmx/core/guest_fetch.hpp"
#include "vmx/ext/isa_decode.hpp"

namespace nucleo::vmx::ext {

namespace {

constexpr u32 kAllButSelf = 0xFFFFFFFF;
constexpr u64 kMaxTlbPages = 512;

CodeMode code_mode(GuestCodeMode m) {
  switch (m) {
    case GuestCodeMode::real:
      return CodeMode::real;
    case GuestCodeMode::protected16:
      return CodeMode::protected16;
    case GuestCodeMode::protected32:
      return CodeMode::protected32;
    case GuestCodeMode::long64:
      return CodeMode::long64;
  }
  return CodeMode::real;
}

ExitAction fault(ExitContext& ctx, Id id, ExitAction action) {
  ++ctx.vcpu.isa.faulted[static_cast<u32>(id)];
  return action;
}

ExitAction retire(ExitContext& ctx, Id id, const Decoded& d, u64 targets) {
  ++ctx.vcpu.isa.executed[static_cast<u32>(id)];
  ctx.vcpu.isa.targets[static_cast<u32>(id)] += targets;
  // A #UD exit defines no instruction length (SDM Vol. 3C 28.2.5): the
  // decoder's is the one the dispatcher steps over.
  ctx.instruction_length = d.length;
  return ExitAction::advance();
}

// VIPI r32 (destination APIC ID), r32 (vector): a fixed IPI through the
// vCPU's own local APIC model, physically addressed, as IPI virtualization
// would post it (the model's IpiSink kicks the target).
ExitAction execute_vipi(ExitContext& ctx, const Decoded& d) {
  if (!ctx.lapic) return fault(ctx, Id::vipi, inject_ud());  // the VM has no local APICs to send between
  if (guest_cpl(ctx) != 0) return fault(ctx, Id::vipi, inject_gp());
  const auto destination = static_cast<u32>(guest_gpr(ctx, d.reg));
  const auto source = static_cast<u32>(guest_gpr(ctx, d.rm));
  const u32 vector = source & 0xFF;
  if ((source >> 8) != 0 || vector < 16) return fault(ctx, Id::vipi, inject_gp());
  const bool all = destination == kAllButSelf;
  if (!all && destination >= ctx.vcpu.vcpu_count) return fault(ctx, Id::vipi, inject_gp());
  // Fixed delivery (000b), physical, edge; "all excluding self" shorthand
  // (11b) for the broadcast form (SDM Vol. 3A 11.6.1).
  u64 icr = vector;
  if (all) {
    icr |= u64{3} << 18;
  } else {
    icr |= ctx.lapic->mode() == LapicMode::x2apic ? u64{destination} << 32 : u64{destination & 0xFF} << 56;
  }
  ctx.lapic->send_ipi(vlapic::IcrValue(icr));
  return retire(ctx, Id::vipi, d, all ? ctx.vcpu.vcpu_count - 1 : 1);
}

// VTLBI r64 (linear address), r64 (pages): this vCPU's translations, then
// every other vCPU's, with completion before it retires.
ExitAction execute_vtlbi(ExitContext& ctx, const Decoded& d, bool long_mode) {
  if (!ctx.isa) return fault(ctx, Id::vtlbi, inject_ud());
  if (guest_cpl(ctx) != 0) return fault(ctx, Id::vtlbi, inject_gp());
  u64 linear = guest_gpr(ctx, d.reg);
  u64 pages = guest_gpr(ctx, d.rm);
  if (!long_mode) {
    linear &= 0xFFFFFFFF;
    pages &= 0xFFFFFFFF;
  }
  if (pages > kMaxTlbPages) return fault(ctx, Id::vtlbi, inject_gp());
  ctx.isa->flush_own_tlb(ctx.vcpu.id, linear & ~u64{0xFFF}, pages);
  const u32 reached = ctx.isa->broadcast_tlb_flush(ctx.vcpu.id);
  return retire(ctx, Id::vtlbi, d, reached);
}

// The arithmetic flags VNOTIFY writes (SDM Vol. 1 3.4.3.1): CF, PF, AF, ZF, SF, OF.
constexpr u64 kRflagsZf = u64{1} << 6;
constexpr u64 kRflagsStatus = 1u << 0 | 1u << 2 | 1u << 4 | kRflagsZf | 1u << 7 | 1u << 11;

// VNOTIFY r32 (channel handle), r32 (reserved, 0): the channel's ring, the
// one NUCLEO_HC_CHANNEL_RING makes; ZF = 1 when the peer VM is down, a
// status rather than a fault because the peer may stop at any moment (as
// ENQCMD reports a refused command in ZF). A VM without the services has
// no channels: every handle is bad.
ExitAction execute_vnotify(ExitContext& ctx, const Decoded& d) {
  if (guest_cpl(ctx) != 0) return fault(ctx, Id::vnotify, inject_gp());
  const auto handle = static_cast<u32>(guest_gpr(ctx, d.reg));
  if (static_cast<u32>(guest_gpr(ctx, d.rm)) != 0) return fault(ctx, Id::vnotify, inject_gp());
  const NotifyStatus status = ctx.isa ? ctx.isa->notify_channel(handle) : NotifyStatus::bad_handle;
  if (status == NotifyStatus::bad_handle) return fault(ctx, Id::vnotify, inject_gp());
  u64 rflags = ctx.vmcs.read(VmcsNat::guest_rflags) & ~kRflagsStatus;
  if (status == NotifyStatus::peer_down) rflags |= kRflagsZf;
  (void)ctx.vmcs.write(VmcsNat::guest_rflags, rflags);
  return retire(ctx, Id::vnotify, d, status == NotifyStatus::delivered ? 1 : 0);
}

}  // namespace

ExitAction handle_invalid_opcode(ExitContext& ctx) {
  const u64 t0 = ctx.cpu.rdtsc();
  GuestCodeMode mode = guest_code_mode(ctx);
  // Virtual-8086 mode (RFLAGS.VM, SDM Vol. 3A 20.2) refuses the map like real mode.
  if ((ctx.vmcs.read(VmcsNat::guest_rflags) >> 17) & 1) mode = GuestCodeMode::real;
  const Fetched code = fetch_instruction(ctx, mode == GuestCodeMode::long64);
  const Decoded d = decode(Span<const u8>(code.bytes, code.count), code_mode(mode));
  // Cut short by a page the guest may not fetch from: that #PF comes first.
  if (d.status != Decoded::Status::ok && code.page_fault)
    return inject_page_fault(ctx, code.fault_linear, code.error_code);
  // Not the map, or a byte sequence no proposal defines: the guest's own #UD.
  if (d.status != Decoded::Status::ok && !d.proposal) return inject_ud();
  const Id id = d.proposal->id;
  // A root-mode instruction in VMX non-root would exit like INVEPT; nucleo
  // answers every VMX instruction of a guest with #UD.
  if (!per_vm(d.proposal->kind) || !enabled(ctx.vcpu, id) || d.status != Decoded::Status::ok)
    return fault(ctx, id, inject_ud());
  ExitAction action;
  switch (id) {
    case Id::vipi:
      action = execute_vipi(ctx, d);
      break;
    case Id::vtlbi:
      action = execute_vtlbi(ctx, d, mode == GuestCodeMode::long64);
      break;
    case Id::vnotify:
      action = execute_vnotify(ctx, d);
      break;
    default:
      action = fault(ctx, id, inject_ud());
      break;  // features have no opcode (by_opcode)
  }
  ctx.vcpu.isa.emulation_tsc[static_cast<u32>(id)] += ctx.cpu.rdtsc() - t0;
  return action;
}

void note_icr_write(ExitContext& ctx, u64 icr) {
  if (!enabled(ctx.vcpu, Id::ipiv)) return;
  const vlapic::IcrValue v(icr);
  if (v.delivery_mode() == vlapic::DeliveryMode::fixed && !v.logical() && v.shorthand() == vlapic::Shorthand::none)
    ++ctx.vcpu.isa.elided_exits[static_cast<u32>(Id::ipiv)];
}

void note_external_interrupt(ExitContext& ctx) {
  if (enabled(ctx.vcpu, Id::pintr) && ctx.lapic && ctx.lapic->has_incoming())
    ++ctx.vcpu.isa.elided_exits[static_cast<u32>(Id::pintr)];
}

}  // namespace nucleo::vmx::ext
