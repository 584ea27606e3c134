// SPDX-License-Identifier: MIT
// The I/O APIC's MMIO page (0xFEC00000): not mapped in the VM's EPT, so a
// guest access is an EPT violation (exit reason 48, SDM Vol. 3C 28.2.1
// Table 28-7) that is emulated here. The access is decoded from the
// instruction (a 32-bit MOV, as for the xAPIC page: kernel/virt/lapic/
// mmio_mov.hpp: MOV of any width, MOVZX/MOVSX), since the exit gives the
// address but not the data.
#include "kernel/virt/devices/ioapic.hpp"
#include "vmx/core/dispatcher.hpp"
#include "vmx/core/exit_helpers.hpp"
#include "vmx/core/guest_fetch.hpp"

namespace nucleo::vmx {

bool is_ioapic_access(const ExitContext& ctx, u64 gpa) {
  return ctx.ioapic != nullptr && gpa >= IoApic::kBase && gpa - IoApic::kBase < IoApic::kSize;
}

ExitAction handle_ioapic_access(ExitContext& ctx, u64 gpa, bool write) {
  const u32 offset = static_cast<u32>(gpa - IoApic::kBase);
  const GuestCodeMode mode = guest_code_mode(ctx);
  const bool long_mode = mode == GuestCodeMode::long64;
  const CodeSize size = long_mode ? CodeSize::bits64 : mode == GuestCodeMode::protected32 ? CodeSize::bits32 : CodeSize::bits16;
  const Fetched code = fetch_instruction(ctx, long_mode);
  const Result<MmioMov> decoded = decode_mmio_mov(Span<const u8>(code.bytes, code.count), size);
  if (!decoded || (decoded.value().kind != MmioMovKind::load) != write) {
    const HexBytes hex(code.bytes, code.count);
    ctx.vm.diagnose("I/O APIC {} at offset {:#x} by the instruction at linear {:#x} ({}), bytes: {}",
                    write ? "write" : "read", offset, code.linear,
                    decoded ? "its direction does not match the exit" : decoded.error().what, Str(hex.text));
    return ExitAction::stop_vm(StopReason::unhandled_exit);
  }
  const MmioMov& mov = decoded.value();
  if (mov.kind == MmioMovKind::load) {
    // Its registers are dwords at 16-byte steps (IOREGSEL 0x00, IOWIN 0x10;
    // 82093AA 3.0): a read returns the bytes of its slot's register from the
    // accessed offset on, 0 past the dword, as for the xAPIC page.
    const u32 slot = offset & 0xFF0, at = offset & 0xF;
    const u64 reg = ctx.ioapic->read(slot);
    u64 data = 0;
    for (u32 k = 0; k < mov.width; ++k)
      if (at + k < 4) data |= ((reg >> (8 * (at + k))) & 0xFF) << (8 * k);
    const u64 merged = mmio_merge_register(mov, guest_gpr(ctx, mov.reg), data);
    if (mov.reg == 4) (void)ctx.vmcs.write(VmcsNat::guest_rsp, merged);
    else ctx.regs.set(mov.reg, merged);
  } else if (mov.width == 4 && (offset & 0xF) == 0) {
    // Only an aligned dword write reaches a register; others complete
    // without effect (a partial register write has no defined result).
    ctx.ioapic->write(offset, static_cast<u32>(mmio_store_value(mov, guest_gpr(ctx, mov.reg))));
  }
  ctx.instruction_length = mov.length;  // EPT violations define no instruction length (28.2.4)
  return ExitAction::advance();
}

}  // namespace nucleo::vmx
