// SPDX-License-Identifier: MIT
#include "vmx/core/guest_fetch.hpp"

#include "kernel/arch/x86_bits.hpp"
#include "kernel/virt/guest_paging.hpp"
#include "vmx/core/exit_helpers.hpp"

namespace nucleo::vmx {

GuestCodeMode guest_code_mode(ExitContext& ctx) {
  if (!(ctx.vmcs.read(VmcsNat::guest_cr0) & 1)) return GuestCodeMode::real;
  const u32 cs_access = ctx.vmcs.read(Vmcs32::guest_cs_access);
  if (((cs_access >> 13) & 1) && (ctx.vmcs.read(Vmcs64::guest_efer) & x86::kEferLma)) return GuestCodeMode::long64;
  return ((cs_access >> 14) & 1) ? GuestCodeMode::protected32 : GuestCodeMode::protected16;
}

Fetched fetch_instruction(ExitContext& ctx, bool long_mode) {
  Fetched f;
  const u64 rip = ctx.vmcs.read(VmcsNat::guest_rip);
  // 64-bit mode ignores the CS base; elsewhere linear addresses wrap at 4 GiB.
  f.linear = long_mode ? rip : (ctx.vmcs.read(VmcsNat::guest_cs_base) + rip) & 0xFFFFFFFF;
  const GuestPagingState paging{ctx.vmcs.read(VmcsNat::guest_cr0), ctx.vmcs.read(VmcsNat::guest_cr3),
                                ctx.vmcs.read(VmcsNat::guest_cr4), ctx.vmcs.read(Vmcs64::guest_efer)};
  GuestAccess access;
  access.fetch = true;
  access.user = guest_cpl(ctx) == 3;
  // One walk per page the instruction touches (at most two), then a copy.
  constexpr u64 kPage = 4096;
  while (f.count < kMaxInstructionLength) {
    const u64 at = long_mode ? f.linear + f.count : (f.linear + f.count) & 0xFFFFFFFF;
    const u64 in_page = kPage - (at & (kPage - 1));
    const u64 want = min<u64>(in_page, kMaxInstructionLength - f.count);
    const GuestTranslation t = guest_translate(ctx.vm, paging, at, access);
    if (t.kind == GuestTranslation::Kind::page_fault) {
      f.page_fault = true;
      f.fault_linear = at;
      f.error_code = t.error_code;
      break;
    }
    if (t.kind != GuestTranslation::Kind::ok || t.gpa >= ctx.vm.ram_size) break;
    // The end of RAM ends the fetch.
    const u64 got = min<u64>(want, ctx.vm.ram_size - t.gpa);
    const Span<u8> bytes = ctx.vm.guest_ram(t.gpa, got);
    for (u64 i = 0; i < got; ++i) f.bytes[f.count + i] = bytes[i];
    f.count += got;
    if (got < want) break;
  }
  return f;
}

HexBytes::HexBytes(const u8* bytes, usize count) {
  constexpr char kDigits[] = "0123456789abcdef";
  usize n = 0;
  for (usize i = 0; i < count && i < kMaxInstructionLength; ++i) {
    if (i != 0) text[n++] = ' ';
    text[n++] = kDigits[bytes[i] >> 4];
    text[n++] = kDigits[bytes[i] & 0xF];
  }
  text[n] = '\0';
}

}  // namespace nucleo::vmx
