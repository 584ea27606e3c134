// SPDX-License-Identifier: MIT
// I/O instructions (exit reason 30): IN/OUT and the string forms INS/OUTS
// with REP, routed to the VM's port bus. Qualification: SDM Vol. 3C Table
// 28-5; instruction information for INS/OUTS: 28.2.5.
#include "kernel/virt/guest_paging.hpp"
#include "vmx/core/dispatcher.hpp"
#include "vmx/core/exit_helpers.hpp"

namespace nucleo::vmx {

namespace {

// A REP string instruction is emulated in chunks: the rest runs after the
// next entry (RIP stays on the instruction), so one guest cannot hold its
// core in the hypervisor for long.
constexpr u64 kMaxStringIterationsPerExit = 4096;

// 64-bit mode ignores the bases of CS, DS, ES and SS (SDM Vol. 3A 3.4.4).
u64 segment_base(ExitContext& ctx, SegmentReg seg, bool long_mode) {
  switch (seg) {
    case SegmentReg::fs: return ctx.vmcs.read(VmcsNat::guest_fs_base);
    case SegmentReg::gs: return ctx.vmcs.read(VmcsNat::guest_gs_base);
    case SegmentReg::es: return long_mode ? 0 : ctx.vmcs.read(VmcsNat::guest_es_base);
    case SegmentReg::cs: return long_mode ? 0 : ctx.vmcs.read(VmcsNat::guest_cs_base);
    case SegmentReg::ss: return long_mode ? 0 : ctx.vmcs.read(VmcsNat::guest_ss_base);
    case SegmentReg::ds: break;
  }
  return long_mode ? 0 : ctx.vmcs.read(VmcsNat::guest_ds_base);
}

// A register updated with an address-size-wide result: in 64-bit mode a
// 32-bit result zero-extends, otherwise the bits above it are kept.
u64 update_register(u64 old, u64 result, u64 mask, bool long_mode) {
  if (long_mode && mask == 0xFFFFFFFF) return result & mask;
  return (old & ~mask) | (result & mask);
}

GuestPagingState paging_state(ExitContext& ctx) {
  return {ctx.vmcs.read(VmcsNat::guest_cr0), ctx.vmcs.read(VmcsNat::guest_cr3), ctx.vmcs.read(VmcsNat::guest_cr4),
          ctx.vmcs.read(Vmcs64::guest_efer)};
}

ExitAction finish_io(ExitContext& ctx, ExitAction done) {
  if (ctx.vm.exit_requested) return ExitAction::stop_vm(StopReason::guest_exit, ctx.vm.requested_code);
  if (ctx.vm.reset_requested) [[unlikely]]
    return ExitAction::stop_vm(StopReason::reboot_requested);
  return done;
}

ExitAction string_io(ExitContext& ctx, IoQual q) {
  const ExitInstructionInfo info(ctx.vmcs.read(Vmcs32::exit_instruction_info));
  const u8 addr_bytes = info.address_size() ? info.address_size() : 4;
  const u64 addr_mask = addr_bytes == 8 ? ~u64{0} : (u64{1} << (addr_bytes * 8)) - 1;
  const bool down = (ctx.vmcs.read(VmcsNat::guest_rflags) >> 10) & 1;  // DF
  const bool long_mode = (ctx.vmcs.read(Vmcs32::guest_cs_access) >> 13) & 1;  // CS.L
  const u8 size = q.size();
  // OUTS reads DS:RSI (segment overridable), INS writes ES:RDI (fixed).
  const u64 base = segment_base(ctx, q.is_in() ? SegmentReg::es : info.segment(), long_mode);
  u64& index = q.is_in() ? ctx.regs.rdi : ctx.regs.rsi;
  u64 remaining = q.rep() ? (ctx.regs.rcx & addr_mask) : 1;
  const GuestPagingState paging = paging_state(ctx);
  // INS writes memory, OUTS reads it, with the rights of the guest's CPL
  // (SDM Vol. 3A 5.6): a refused or missing page is the #PF the processor
  // would raise, with the iterations before it done (REP restarts there).
  GuestAccess access;
  access.write = q.is_in();
  access.user = guest_cpl(ctx) == 3;
  access.ac = (ctx.vmcs.read(VmcsNat::guest_rflags) >> 18) & 1;

  for (u64 done = 0; remaining > 0 && done < kMaxStringIterationsPerExit; ++done) {
    const u64 linear = base + (index & addr_mask);
    // Byte by byte: an element may straddle two pages mapped anywhere.
    u8* bytes[4] = {};
    for (u8 i = 0; i < size; ++i) {
      const GuestTranslation t = guest_translate(ctx.vm, paging, linear + i, access);
      if (t.kind == GuestTranslation::Kind::page_fault)
        return finish_io(ctx, inject_page_fault(ctx, linear + i, t.error_code));
      const Span<u8> byte = t.kind == GuestTranslation::Kind::ok ? ctx.vm.guest_ram(t.gpa, 1) : Span<u8>();
      if (byte.empty()) {
        ctx.vm.diagnose("string I/O on port {:#x} at linear {:#x}: {}", q.port(), linear + i,
                        t.kind == GuestTranslation::Kind::ok ? "outside the VM's RAM" : t.why);
        return ExitAction::stop_vm(StopReason::bad_memory_access);
      }
      bytes[i] = byte.data();
    }
    if (q.is_in()) {
      const u32 v = ctx.vm.io.in(q.port(), size);
      for (u8 i = 0; i < size; ++i) *bytes[i] = static_cast<u8>(v >> (8 * i));
    } else {
      u32 v = 0;
      for (u8 i = 0; i < size; ++i) v |= static_cast<u32>(*bytes[i]) << (8 * i);
      ctx.vm.io.out(q.port(), size, v);
    }
    index = update_register(index, down ? index - size : index + size, addr_mask, long_mode);
    --remaining;
    if (q.rep()) ctx.regs.rcx = update_register(ctx.regs.rcx, remaining, addr_mask, long_mode);
    if (ctx.vm.exit_requested) break;
  }
  // Not finished: leave RIP on the instruction so it continues after entry.
  return finish_io(ctx, remaining > 0 ? ExitAction::resume() : ExitAction::advance());
}

}  // namespace

ExitAction handle_io(ExitContext& ctx) {
  const IoQual q(ctx.qualification);
  if (q.size() == 0) {
    ctx.vm.diagnose("I/O exit with a reserved size encoding (qualification {:#x})", ctx.qualification);
    return ExitAction::stop_vm(StopReason::hypervisor_error);
  }
  if (q.string()) return string_io(ctx, q);
  const u8 size = q.size();
  if (q.is_in()) {
    const u32 v = ctx.vm.io.in(q.port(), size);
    // IN AL/AX keep the rest of RAX; IN EAX zero-extends (SDM Vol. 1 3.4.1.1).
    if (size == 4) ctx.regs.rax = v;
    else if (size == 2) ctx.regs.rax = (ctx.regs.rax & ~u64{0xFFFF}) | v;
    else ctx.regs.rax = (ctx.regs.rax & ~u64{0xFF}) | v;
  } else {
    const u32 mask = size == 4 ? 0xFFFFFFFFu : size == 2 ? 0xFFFFu : 0xFFu;
    ctx.vm.io.out(q.port(), size, static_cast<u32>(ctx.regs.rax) & mask);
  }
  return finish_io(ctx, ExitAction::advance());
}

}  // namespace nucleo::vmx
