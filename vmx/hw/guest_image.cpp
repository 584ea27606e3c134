// SPDX-License-Identifier: MIT
#include "vmx/hw/guest_image.hpp"

#include "kernel/boot_info/modules.hpp"
#include "kernel/console/log.hpp"
#include "kernel/memory/direct_map.hpp"
#include "kernel/virt/loader/guest_memory_map.hpp"
#include "kernel/virt/loader/multiboot1_loader.hpp"
#include "kernel/virt/loader/multiboot2_loader.hpp"

namespace nucleo::vmx {

namespace {

Bytes module_bytes(const mb2::Module& m) { return Bytes(phys_to_virt<const u8>(m.start), m.end - m.start); }

// Multiboot2 when its header is there (the newer protocol wins, as GRUB's
// `multiboot2` command would use it), else Multiboot1.
bool has_multiboot2_header(Bytes image) {
  const usize limit = min<usize>(image.size(), loader::mb2h::kSearchLimit);
  for (usize off = 0; off + 4 <= limit; off += 8) {
    const u32 magic = static_cast<u32>(image[off]) | static_cast<u32>(image[off + 1]) << 8 |
                      static_cast<u32>(image[off + 2]) << 16 | static_cast<u32>(image[off + 3]) << 24;
    if (magic == loader::mb2h::kHeaderMagic) return true;
  }
  return false;
}

}  // namespace

Error load_guest_image(GuestVm& g, const VmConfig& c, Str cmdline, const mb2::BootInfo& info, u64 rsdp_gpa,
                       Sink& why) {
  const mb2::Module* kernel = mb2::find_module(info, c.kernel);
  if (!kernel) {
    format(why, "kernel '{}' is not among the boot modules", c.kernel);
    return make_error(Status::not_found, "kernel not among the boot modules");
  }
  loader::GuestModule modules[kMaxVmModules];
  for (u32 i = 0; i < c.module_count; ++i) {
    const mb2::Module* m = mb2::find_module(info, c.modules[i]);
    if (!m) {
      format(why, "module '{}' is not among the boot modules", c.modules[i]);
      return make_error(Status::not_found, "module not among the boot modules");
    }
    modules[i] = loader::GuestModule{c.modules[i], Str(), module_bytes(*m)};
  }
  loader::LoadRequest request;
  request.image = module_bytes(*kernel);
  request.cmdline = cmdline;
  request.modules = Span<const loader::GuestModule>(modules, c.module_count);
  request.rsdp_gpa = rsdp_gpa;
  loader::LoadDiagnostic diag;
  const bool mb2 = has_multiboot2_header(request.image);
  const Result<loader::LoadedGuest> loaded = mb2 ? loader::load_multiboot2(g.vmx.vm, request, &diag)
                                                 : loader::load_multiboot1(g.vmx.vm, request, &diag);
  if (!loaded) {
    format(why, "image '{}' refused: ", c.kernel);
    loader::format_load_error(why, loaded.error(), diag);
    return loaded.error();
  }
  const loader::BootEntry& entry = loaded.value().entry;
  g.boot_start.mode = GuestStart::Mode::protected32;
  g.boot_start.rip = entry.eip;
  // Both Multiboot specifications leave ESP undefined; GRUB and QEMU enter
  // with a usable stack, and kernels that call before setting their own
  // exist: give them the top of the low RAM below the boot information.
  g.boot_start.rsp = loader::kBootInfoBase;
  g.vcpus[0].regs.rax = entry.eax;
  g.vcpus[0].regs.rbx = entry.ebx;
  log::info("vm {}: {} image '{}' loaded at [{:#x}, {:#x}), entry {:#x}, boot information at {:#x}", c.name,
            mb2 ? "Multiboot2" : "Multiboot1", c.kernel, loaded.value().image.begin, loaded.value().image.end,
            entry.eip, entry.ebx);
  return {};
}

}  // namespace nucleo::vmx
