// SPDX-License-Identifier: MIT
// kmain: the boot CPU's path from the Multiboot2 hand-off to the result line.
#include "kernel/acpi/acpi.hpp"
#include "kernel/arch/cpu_tables.hpp"
#include "kernel/arch/cpu.hpp"
#include "kernel/arch/lapic.hpp"
#include "kernel/arch/legacy_pic.hpp"
#include "kernel/boot_info/cmdline.hpp"
#include "kernel/boot_info/multiboot2.hpp"
#include "kernel/boot_report.hpp"
#include "kernel/console/debugcon.hpp"
#include "kernel/console/log.hpp"
#include "kernel/console/serial16550.hpp"
#include "kernel/console/vga_text.hpp"
#include "kernel/memory/boot_memory.hpp"
#include "kernel/selftest.hpp"
#include "kernel/time/clock.hpp"
#include "kernel/version.hpp"
#include "smp/cross_call.hpp"
#include "smp/smp.hpp"
#include "smp/smp_selftest.hpp"
#include "vmx/hw/test_vms.hpp"
#include "vmx/hw/vm_launcher.hpp"
#include "vmx/hw/vmx_root.hpp"

using namespace nucleo;

namespace {

constinit console::Serial16550 g_com1(0x3F8);
constinit console::DebugCon g_debugcon;
constinit console::VgaText g_vga;
constinit mb2::BootInfo g_boot_info;

void init_early_consoles() {
  if (g_com1.probe_and_init()) console::add_device(g_com1);
  if (g_debugcon.probe()) console::add_device(g_debugcon);
}

// VGA text: the loader's EGA-text framebuffer, or on BIOS machines without a
// framebuffer tag the legacy buffer at 0xB8000 (80x25).
void init_vga(const mb2::BootInfo& info) {
  if (info.has_framebuffer) {
    const mb2::Framebuffer& fb = info.framebuffer;
    if (fb.type != static_cast<u8>(mb2::FramebufferType::ega_text) || fb.address >= direct_map_limit()) return;
    g_vga.init(phys_to_virt<u16>(fb.address), fb.width, fb.height);
  } else if (!info.booted_by_efi()) {
    g_vga.init(phys_to_virt<u16>(0xB8000), 80, 25);
  } else {
    return;
  }
  console::add_device(g_vga);
}

void apply_cmdline(const Cmdline& cmdline) {
  Str value;
  if (cmdline.value("loglevel", value)) {
    log::Level level;
    if (log::parse_level(value, level)) log::set_level(level);
    else log::warn("cmdline: loglevel={} is not one of error, warn, info, debug, trace (or 0-4); keeping info", value);
  }
}

void parse_boot_info(u32 magic, u32 info_phys) {
  if (magic != mb2::kBootloaderMagic) {
    log::error("boot: bad Multiboot2 magic {:#x} (expected {:#x})", magic, mb2::kBootloaderMagic);
    finish(ExitCode::bad_boot_info, "error");
  }
  const u32 total_size = *phys_to_virt<const u32>(info_phys);
  const Error e = mb2::parse(Bytes(phys_to_virt<const u8>(info_phys), total_size), info_phys, g_boot_info);
  if (!e.ok()) {
    log::error("boot: Multiboot2 information at {:#x} is unusable: {} ({}, offset {})", info_phys, e.what,
               status_name(e.status), e.offset);
    finish(ExitCode::bad_boot_info, "error");
  }
}

// dump=mbi: the raw Multiboot2 information as hex lines, so real blobs can
// be captured from any machine for the host tests (host-tests/data/).
void dump_boot_info(const Cmdline& cmdline, u32 info_phys) {
  Str what;
  if (!cmdline.value("dump", what) || !(what == "mbi")) return;
  const Bytes blob(phys_to_virt<const u8>(info_phys), g_boot_info.total_size);
  for (usize off = 0; off < blob.size(); off += 32) {
    char hex[80];
    BufferSink line(hex, sizeof hex);
    for (u8 b : blob.subspan(off, 32)) format(line, "{:02x}", b);
    log::info("mbi-hex: {}", line.view());
  }
}

// The boot CPU's APIC, the clock, every other core, and the checks of the
// cross-core primitives; false when one of those checks failed.
bool bring_up_cores(const mb2::BootInfo& info, const Cmdline& cmdline) {
  smp::init_boot_cpu(cmdline);
  const acpi::Platform& acpi = acpi::platform();
  clock::calibrate(acpi.have_fadt ? acpi.fadt.pm_timer : 0, acpi.have_fadt && acpi.fadt.pm_timer_32bit());
  const clock::Calibration& cal = clock::calibration();
  log::info("clock: TSC {}.{:03} MHz, LAPIC timer {}.{:03} MHz (calibrated against the {})", cal.tsc_hz / 1000000,
            cal.tsc_hz / 1000 % 1000, cal.lapic_timer_hz / 1000000, cal.lapic_timer_hz / 1000 % 1000,
            clock::source_name(cal.source));
  if (cal.cpuid15_disagreed_hz)
    log::warn("clock: CPUID leaf 0x15 claims a {} MHz TSC, but it runs at the measured rate; ignoring the claim",
              cal.cpuid15_disagreed_hz / 1000000);
  smp::init_cross_calls();
  cpu::enable_interrupts();  // the boot CPU takes IPIs and its timer from here on
  smp::start_aps(info, cmdline);

  const smp::Stats& stats = smp::stats();
  BootReport& report = boot_report();
  report.cpus_online = smp::cpu_count();
  report.cpus_expected = stats.expected;
  report.apic_mode = lapic::mode_name();
  report.smp_mode = stats.expected == 1 ? "none" : stats.mode == smp::Bringup::parallel ? "parallel" : "serial";
  report.smp_bringup_tsc = stats.bringup_tsc;
  report.smp_bringup_ns = stats.bringup_ns;
  report.tsc_khz = cal.tsc_hz / 1000;
  report.clock_source = clock::source_name(cal.source);
  return smp::run_selftest();
}

// VMX root on every core, then the VMs of the configuration module, or
// without one a test VM on each core; ends the run.
[[noreturn]] void run_guests(const mb2::BootInfo& info, const Cmdline& cmdline) {
  Str value;
  if (cmdline.value("vmx", value) && value == "off") {
    log::info("vmx: vmx=off on the command line: not entering VMX operation");
    finish(ExitCode::ok, "ok");
  }
  if (cmdline.value("dump", value) && value == "vmx") vmx::dump_capability_msrs();
  if (cmdline.value("dump", value) && value == "cpuid") vmx::dump_cpuid();
  const vmx::VmxRootResult root = vmx::enter_vmx_root_everywhere();
  BootReport& report = boot_report();
  report.vmx_cores = root.cores_in_root;
  switch (root.refusal) {
    case vmx::VmxRefusal::none: break;
    case vmx::VmxRefusal::no_vmx:
    case vmx::VmxRefusal::locked_off:
    case vmx::VmxRefusal::no_ept:
    case vmx::VmxRefusal::no_unrestricted_guest: finish(ExitCode::no_vmx, "no-vmx");
    case vmx::VmxRefusal::vmxon_failed:
    case vmx::VmxRefusal::caps_differ: finish(ExitCode::vmx_failed, "error");
  }
  const vmx::LaunchResult launched = vmx::run_configured_vms(info, cmdline);
  if (launched.config_found) {
    report.vms = launched.vms_started;
    report.vms_as_expected = launched.vms_exited_0;
    report.vm_results_json = vmx::configured_vms_json;
    if (launched.vms_crashed) finish(ExitCode::guest_failed, "error");
    if (launched.config_errors || launched.vms_started == 0) finish(ExitCode::config_error, "error");
    finish(ExitCode::ok, "ok");
  }
  const vmx::TestVmsResult vms = vmx::run_test_vms(cmdline);
  report.vms = vms.vms;
  report.vms_as_expected = vms.as_expected;
  report.exits_json = vmx::exits_json;
  if (vms.as_expected != vms.vms || vms.vms == 0) finish(ExitCode::guest_failed, "error");
  finish(ExitCode::ok, "ok");
}

}  // namespace

extern "C" [[noreturn]] void kmain(u32 magic, u32 info_phys) {
  clock::mark_boot();
  init_early_consoles();
  log::info("nucleo {}: type-1 hypervisor research kernel (x86-64, Multiboot2)", kVersion);
  load_cpu_tables(smp::boot_cpu().tables);
  build_idt();
  load_idt();

  parse_boot_info(magic, info_phys);
  const mb2::BootInfo& info = g_boot_info;
  const Cmdline cmdline(info.cmdline);
  apply_cmdline(cmdline);
  init_vga(info);

  BootReport& report = boot_report();
  report.cmdline = info.cmdline;
  report.boot_loader = info.boot_loader_name;
  char consoles[96];
  BufferSink consoles_text(consoles, sizeof consoles);
  console::describe(consoles_text);
  log::info("boot: loader \"{}\", consoles: {}", info.boot_loader_name, consoles_text.view());
  log::info("boot: command line \"{}\"", info.cmdline);

  dump_boot_info(cmdline, info_phys);
  init_boot_memory(info, info_phys);
  acpi::init(info, cmdline);
  legacy_pic::remap_and_mask();

  const bool cores_ok = bring_up_cores(info, cmdline);
  run_selftest(cmdline);
  if (!cores_ok) finish(ExitCode::selftest_failed, "error");
  run_guests(info, cmdline);
}
