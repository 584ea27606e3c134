// SPDX-License-Identifier: MIT
#include "vmx/hw/guest_image.hpp"

#include "kernel/boot_info/modules.hpp"
#include "kernel/console/log.hpp"
#include "kernel/memory/direct_map.hpp"
#include "kernel/virt/loader/guest_memory_map.hpp"
#include "kernel/virt/loader/linux_loader.hpp"
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
  // A bzImage is recognised at fixed offsets (boot_flag, "HdrS"); otherwise
  // Multiboot2 when its header is there, else Multiboot1.
  const bool linux = loader::is_linux_image(request.image);
  const bool mb2 = !linux && has_multiboot2_header(request.image);
  const Result<loader::LoadedGuest> loaded = linux ? loader::load_linux(g.vmx.vm, request, &diag)
                                             : mb2 ? loader::load_multiboot2(g.vmx.vm, request, &diag)
                                                   : loader::load_multiboot1(g.vmx.vm, request, &diag);
  if (!loaded) {
    format(why, "image '{}' refused: ", c.kernel);
    loader::format_load_error(why, loaded.error(), diag);
    return loaded.error();
  }
  const loader::BootEntry& entry = loaded.value().entry;
  g.boot_start.mode = entry.long_mode ? GuestStart::Mode::long64 : GuestStart::Mode::protected32;
  g.boot_start.rip = entry.eip;
  // Both Multiboot specifications leave ESP undefined (the Linux 64-bit
  // protocol too); GRUB and QEMU enter with a usable stack, and kernels
  // that call before setting their own exist: give them the top of the low
  // RAM below the boot information.
  g.boot_start.rsp = loader::kBootInfoBase;
  if (entry.long_mode) {
    g.boot_start.code_sel = loader::kLinuxBootCs;
    g.boot_start.data_sel = loader::kLinuxBootDs;
    g.boot_start.cr3 = entry.cr3;
    g.boot_start.gdtr_base = entry.gdt_base;
    g.boot_start.gdtr_limit = entry.gdt_limit;
    g.vcpus[0].regs.rsi = entry.rsi;
    // A bzImage expects to be started by firmware, which leaves the boot
    // CPU's APIC in virtual wire mode: without an I/O APIC that is the
    // only path of the 8259's interrupts (the serial port's among them).
    if (g.lapics[0] != nullptr) g.lapics[0]->enter_virtual_wire_mode();
  }
  g.vcpus[0].regs.rax = entry.eax;
  g.vcpus[0].regs.rbx = entry.ebx;
  log::info("vm {}: {} image '{}' loaded at [{:#x}, {:#x}), entry {:#x}, boot information at {:#x}", c.name,
            linux ? "Linux bzImage" : mb2 ? "Multiboot2" : "Multiboot1", c.kernel, loaded.value().image.begin,
            loaded.value().image.end, entry.eip, loaded.value().info.begin);
  return {};
}

}  // namespace nucleo::vmx
