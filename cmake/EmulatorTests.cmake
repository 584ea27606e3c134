# SPDX-License-Identifier: MIT
# Boot tests: the kernel image booted through GRUB in QEMU TCG and in Bochs,
# through tools/tests/boot_test.py, which uses the same launcher as
# `tools/nucleo run` and asserts on the console and the result line.
# Boots are expensive (Bochs: ~3 s with one CPU), so each boot checks much.
find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(NUCLEO_BOOT_TEST ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tools/tests/boot_test.py)

# nucleo_boot_test(NAME name EMULATOR e LABEL l ARGS ... [TIMEOUT s])
function(nucleo_boot_test)
  cmake_parse_arguments(T "" "NAME;EMULATOR;TIMEOUT" "ARGS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  # The emulator's own wall limit sits just under CTest's, so a slow boot on
  # a busy machine gets the whole budget and still ends with the driver's
  # "timeout" message and the console so far, not a silent kill by CTest.
  math(EXPR wall "${T_TIMEOUT} - 20")
  add_test(NAME ${T_EMULATOR}.${T_NAME}
           COMMAND ${NUCLEO_BOOT_TEST} --emulator ${T_EMULATOR} --timeout ${wall} ${T_ARGS}
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(${T_EMULATOR}.${T_NAME} PROPERTIES
    LABELS ${T_EMULATOR} TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "NUCLEO_BUILD_DIR=${CMAKE_BINARY_DIR}")
endfunction()

set(NUCLEO_BANNER "nucleo [0-9.]+: type-1 hypervisor research kernel")
# QEMU TCG has no VT-x: a run that is otherwise fine ends with the no-VMX
# code (20) after saying so; Bochs has VT-x and ends with 0.
set(NUCLEO_QEMU_DONE 20)
set(NUCLEO_BOCHS_DONE 0)

foreach(emulator qemu bochs)
  # The normal boot: banner, memory map and RAM size, command line echoed,
  # ACPI found, clean power-off with code 0.
  string(TOUPPER ${emulator} upper)
  nucleo_boot_test(NAME boot EMULATOR ${emulator} ARGS
    --memory 256 --cores 1 --expect-code ${NUCLEO_${upper}_DONE} --expect-ram --expect-field cpus_online=1
    --expect "${NUCLEO_BANNER}"
    --expect "memory map \\([0-9]+ regions\\)"
    --expect "boot: command line \"loglevel=debug echo=nucleo-42\""
    --expect "acpi: RSDP revision"
    -- loglevel=debug echo=nucleo-42)

  # A deliberate #UD: the dump names the vector, the registers and the CPU,
  # and the kernel powers off with the exception code (11).
  nucleo_boot_test(NAME selftest_ud EMULATOR ${emulator} ARGS
    --memory 128 --cores 1 --expect-code 11
    --expect "CPU exception 6 \\(#UD invalid opcode\\) on CPU with APIC ID 0"
    --expect "RIP 0xffffffff8"
    --expect "R15 0x"
    --expect "\"status\":\"exception\""
    -- selftest=ud)
endforeach()

# QEMU is cheap: other machines and the other fault paths too.
nucleo_boot_test(NAME boot_q35 EMULATOR qemu ARGS
  --machine q35 --memory 512 --cores 2 --expect-code 20 --expect-ram
  --expect "${NUCLEO_BANNER}" --expect "acpi: RSDP revision")
# UEFI (OVMF): GRUB's EFI build, an ACPI 2.0 RSDP tag, no VGA text console.
# OVMF keeps some RAM for itself, so no --expect-ram here.
nucleo_boot_test(NAME boot_uefi EMULATOR qemu ARGS
  --uefi --memory 256 --expect-code 20
  --expect "${NUCLEO_BANNER}" --expect "consoles: serial 0x3f8$"
  --expect "acpi: RSDP revision 2")
# More than 4 GiB: the direct map is extended past the boot page tables.
nucleo_boot_test(NAME boot_6g EMULATOR qemu ARGS
  --memory 6144 --expect-code 20 --expect-ram
  --expect "memory: direct map extended to 0x1c0000000")
nucleo_boot_test(NAME selftest_pf EMULATOR qemu ARGS
  --memory 128 --expect-code 11
  --expect "CPU exception 14 \\(#PF page fault\\)"
  --expect "CR2 0x00007f0000000000"
  -- selftest=pf)
nucleo_boot_test(NAME selftest_panic EMULATOR qemu ARGS
  --memory 128 --expect-code 10
  --expect "PANIC: selftest: panic requested"
  -- selftest=panic)
nucleo_boot_test(NAME bad_loglevel EMULATOR qemu ARGS
  --memory 128 --expect-code 20
  --expect "loglevel=loud is not one of error, warn, info, debug, trace"
  -- loglevel=loud)

# Every core (INIT-SIPI-SIPI, cross-calls, TLB shootdown, NMI IPIs): the
# kernel checks the cross-core primitives itself every boot and fails with
# code 13 if one of them does not reach every CPU.
set(NUCLEO_SMP_CHECKS
  --expect "smp: cross-call ran on ([0-9]+)/\\1 CPUs$"
  --expect "smp: TLB shootdown: ([0-9]+)/\\1 CPUs saw the old page, \\1/\\1 the new one"
  --expect "smp: NMI IPIs taken by ([0-9]+)/\\1 APs$|^smp: MADT lists 1 CPUs"
  --expect "smp: LAPIC timer one-shot \\(1000 us\\) fired on ([0-9]+)/\\1 CPUs, 0 early$")
# QEMU 7.2 TCG has no x2APIC even with -cpu max; both models still differ in
# CPUID (leaf 0xB, features), and x2APIC is covered by Bochs below.
foreach(machine pc q35)
  foreach(model "qemu64,-x2apic" "max")
    string(REGEX REPLACE "[^a-z0-9]" "" model_tag "${model}")
    foreach(n 1 2 4 8 16 64)
      nucleo_boot_test(NAME smp_${machine}_${model_tag}_${n} EMULATOR qemu ARGS
        --machine ${machine} --cpu-model ${model} --cores ${n} --memory 256
        --expect-code 20 --expect-field cpus_online=${n} --expect-field cpus_expected=${n}
        --expect "cores online: ${n}/${n}|MADT lists 1 CPUs"
        ${NUCLEO_SMP_CHECKS})
    endforeach()
  endforeach()
endforeach()
# Hot-pluggable CPUs (disabled MADT entries) are listed but never started.
nucleo_boot_test(NAME smp_maxcpus EMULATOR qemu ARGS
  --machine q35 --cores 4 --max-cores 8 --expect-code 20
  --expect-field cpus_online=4 --expect-field cpus_expected=4
  --expect "MADT lists 8 CPUs: 4 enabled, 4 disabled and not started"
  ${NUCLEO_SMP_CHECKS})
nucleo_boot_test(NAME smp_serial EMULATOR qemu ARGS
  --cores 4 --expect-code 20 --expect-field cpus_online=4 --expect-field smp_mode=serial
  ${NUCLEO_SMP_CHECKS} -- smp=serial)

# UEFI (q35 + OVMF) with 4 and 16 CPUs, and the same machine booted by
# BIOS: each must end with the same kernel result (the fields below).
# The 4-CPU UEFI boot also reads the screen: a QEMU screendump after the
# kernel powered off must show the banner as the title row and the
# `cores online` line, pixel for pixel as the framebuffer console draws
# them (font, colours, grid: tools/nucleolib/screen.py).
set(NUCLEO_SAME_RESULT
  --expect-code 20 --expect-field status=no-vmx --expect-field vmx_cores=0
  --expect-field smp_mode=parallel --expect "${NUCLEO_BANNER}")
nucleo_boot_test(NAME bios_q35_4 EMULATOR qemu ARGS
  --machine q35 --cores 4 --expect-field cpus_online=4 --expect-field cpus_expected=4
  ${NUCLEO_SAME_RESULT} ${NUCLEO_SMP_CHECKS} --expect "consoles: serial 0x3f8, VGA text$")
nucleo_boot_test(NAME uefi_q35_4 EMULATOR qemu ARGS
  --uefi --machine q35 --cores 4 --expect-field cpus_online=4 --expect-field cpus_expected=4
  ${NUCLEO_SAME_RESULT} ${NUCLEO_SMP_CHECKS}
  --expect "^console: framebuffer [0-9]+x[0-9]+x(24|32) at 0x"
  --expect-screen-title "${NUCLEO_BANNER}" --expect-screen "^cores online: 4/4 ")
nucleo_boot_test(NAME uefi_q35_16 EMULATOR qemu ARGS
  --uefi --machine q35 --cores 16 --expect-field cpus_online=16 --expect-field cpus_expected=16
  ${NUCLEO_SAME_RESULT} ${NUCLEO_SMP_CHECKS} --expect "cores online: 16/16"
  --expect-screen-title "${NUCLEO_BANNER}" --expect-screen "^cores online: 16/16 ")
# OVMF's GOP mode is 24 bits per pixel; a BIOS boot with GRUB told to set a
# VESA mode gives the framebuffer console 32-bit pixels on a larger screen.
nucleo_boot_test(NAME screen_bios_vesa EMULATOR qemu ARGS
  --cores 2 --bios-video 1024x768x32 --expect-code 20
  --expect "^console: framebuffer 1024x768x32 at 0x"
  --expect-screen-title "${NUCLEO_BANNER}" --expect-screen "^cores online: 2/2 "
  --expect-screen "^error: vmx: this CPU has no VT-x")

# What every test VM must show: each exit class the test guest exercises.
set(NUCLEO_VM_CHECKS
  --expect "^\\[vm0\\] cpuid: hypervisor leaf 0x40000000 says NucleoNucleo: ok"
  --expect "^\\[vm0\\] string I/O: rep outsb reached COM1"
  --expect "^\\[vm0\\] wrmsr: IA32_VMX_BASIC raises #GP: ok"
  --expect "^\\[vm0\\] xsetbv: XCR0 = x87\\|SSE: ok"
  --expect "^\\[vm0\\] vmxon: raises #UD: ok"
  --expect "^\\[vm0\\] vmcall: a buffer outside the VM is refused: ok"
  --expect "vm0 on cpu 0: the guest exited with code 0"
  # Exit counts the test guest causes exactly (SDM: each of these exits
  # unconditionally or by nucleo's controls); the preemption timer slices it.
  --expect "^vm0:   CPUID +3 "
  --expect "^vm0:   RDMSR +1 " --expect "^vm0:   WRMSR +1 "
  --expect "^vm0:   XSETBV +1 " --expect "^vm0:   VMCALL +5 "
  --expect "^vm0:   VMXON +1 " --expect "^vm0:   HLT +2 "
  --expect "^\\[vm0\\] timer: the one-shot timer interrupt woke HLT: ok"
  --expect "^\\[vm0\\] timer: an interrupt pending while IF = 0 arrived through the interrupt window: ok"
  --expect "^vm0:   interrupt window +1 "
  --expect "^vm0:   INVD +1 " --expect "^vm0:   WBINVD or WBNOINVD +1 "
  --expect "^vm0:   exception or NMI +1 " --expect "^vm0:   control-register access +1 "
  --expect "^vm0:   VMX-preemption timer expired +[1-9]"
  --expect "^vm0:   external interrupt +1 ")
# Bochs: x2APIC (its CPU model has it), then xAPIC forced, with 4 and 2 CPUs.
nucleo_boot_test(NAME smp_4_x2apic EMULATOR bochs ARGS
  --cores 4 --memory 128 --expect-code 0 --expect-field cpus_online=4
  --expect-field apic_mode=x2APIC --expect "cores online: 4/4" ${NUCLEO_SMP_CHECKS}
  --expect-field vmx_cores=4 --expect "vmx: 4/4 cores in VMX root operation, all with the same capabilities"
  ${NUCLEO_VM_CHECKS} --expect-field vms_as_expected=4 --expect "^\\[vm3\\] test guest: all checks passed")
nucleo_boot_test(NAME smp_2_xapic_serial EMULATOR bochs ARGS
  --cores 2 --memory 128 --expect-code 0 --expect-field cpus_online=2
  --expect-field apic_mode=xAPIC --expect-field smp_mode=serial
  --expect "cores online: 2/2" ${NUCLEO_SMP_CHECKS} --expect-field vmx_cores=2
  --expect-field vms_as_expected=2 --expect "^\\[vm0\\] test guest: all checks passed"
  --expect "vm1 on cpu 1: stopped: access outside the VM's memory: read of guest-physical 0xc0000000"
  -- apic=xapic smp=serial guest.fault=ept)
# A VM that triple-faults is stopped and reported; nothing else is harmed.
nucleo_boot_test(NAME vm_triple_fault EMULATOR bochs ARGS
  --cores 1 --memory 64 --expect-code 0 --expect-field vms_as_expected=1
  --expect "^\\[vm0\\] test guest: now triple-faulting"
  --expect "vm0 on cpu 0: stopped: triple fault: an exception while delivering a double fault, at RIP 0x" -- guest.fault=triple)

# VMX root. QEMU TCG: the clear refusal and its code, never a hang or a
# triple fault; vmx=off skips VMX and ends with 0.
nucleo_boot_test(NAME no_vmx EMULATOR qemu ARGS
  --cores 2 --expect-code 20 --expect-field status=no-vmx --expect-field vmx_cores=0
  --expect "vmx: this CPU has no VT-x \\(CPUID.1:ECX.VMX is 0\\)"
  --expect "run it where VT-x exists: Bochs")
nucleo_boot_test(NAME vmx_off EMULATOR qemu ARGS
  --expect-code 0 --expect "vmx=off on the command line" -- vmx=off)
# Bochs: a CPU model without EPT is refused with its reason.
nucleo_boot_test(NAME no_ept EMULATOR bochs ARGS
  --cpu-model core2_penryn_t9600 --memory 64 --expect-code 20
  --expect "vmx: this VT-x has no usable EPT")
include(${CMAKE_SOURCE_DIR}/cmake/GuestTests.cmake)

# Configured VMs (docs/config.md): a good VM among bad ones. Each bad VM is
# named with its line, column and problem and not started; the good one
# runs, prints through its COM1 and exits with its own code; the hypervisor
# ends with the config-error code (23).
nucleo_boot_test(NAME config_errors EMULATOR bochs ARGS
  --cores 2 --memory 128 --config configs/tests/bad_vms.toml --expect-code 23 --expect-vm hello=5
  --expect "^error: config bad_vms.toml:16:1: unknown key 'kernal' \\(a \\[\\[vm\\]\\] section has: name, cores"
  --expect "^error: config bad_vms.toml:26:10: core 7 does not exist: the machine has 2 cores online \\(VM 'far' is not started\\)"
  --expect "^error: config bad_vms.toml:33:10: memory must be at most 3584M: a VM's RAM starts at guest-physical 0 and must end below the PCI hole"
  --expect "^error: vm garbage: not started: image 'not_a_kernel.bin' refused: multiboot1: no header found"
  --expect "^vm hello: Multiboot2 image 'mb2_hello.elf' loaded at .0x100000, 0x"
  --expect "^\\[hello\\] mb2_hello: cmdline: \"exit=5 ticks=2\""
  --expect "^\\[hello\\] mb2_hello: tick 2/2"
  --expect "^vm hello: the guest exited with code 5"
  --expect "^vms: 1 started, 1 of 2 cores stay with the hypervisor")

# Every VM invalid: none starts, and the run ends with 23, not "ok".
nucleo_boot_test(NAME config_all_invalid EMULATOR bochs ARGS
  --cores 1 --memory 64 --config configs/tests/all_invalid.toml --expect-code 23
  --expect "^error: config all_invalid.toml:8:1: unknown key 'kernal'"
  --expect "^error: config all_invalid.toml:12:10: core 9 does not exist"
  --expect "^config all_invalid.toml: 2 \\[\\[vm\\]\\] sections, 0 valid$"
  --expect "^vms: 0 started"
  --reject "^vm (typo|nowhere): .*loaded")

# on_crash (docs/config.md): "stop" leaves a crashed VM down and the run
# ends with 22; "restart" rebuilds it until the 16th restart, then no more.
nucleo_boot_test(NAME vms_crash_policies EMULATOR bochs TIMEOUT 600 ARGS
  --cores 2 --memory 128 --config configs/tests/crash_policies.toml --expect-code 22
  --expect-vm "stopper=triple fault" --expect-vm "looper=triple fault"
  --expect "^vm stopper: stopped: triple fault: .*\\(0 restarts\\)$"
  --expect "^warning: vm looper: stopped: triple fault: .*restarting it \\(restart 16\\)$"
  --expect "^error: vm looper: stopped: triple fault: .*. not restarted again after 16 restarts$"
  --expect-count "17:^\\[looper\\] hostile: stage 2: a triple fault$"
  --reject "restart 17")

# Long runs (-DNUCLEO_LONG_TESTS=ON, label long; not part of the default
# suite, docs/testing.md): 100 crash-restart cycles of one VM while its
# neighbour times a fixed loop without a gap and goes on during each.
if(NUCLEO_LONG_TESTS)
  nucleo_boot_test(NAME vms_restart_100 EMULATOR bochs TIMEOUT 3600 ARGS
    --cores 2 --memory 128 --config configs/tests/restart_100.toml --expect-code 22
    --expect-vm counter=0 --expect-vm "looper=triple fault"
    --expect "^warning: vm looper: stopped: triple fault: .*restarting it \\(restart 100\\)$"
    --expect "^error: vm looper: stopped: triple fault: .*. not restarted again after 100 restarts$"
    --expect-count "101:^\\[looper\\] hostile: stage 2: a triple fault$"
    --expect-count "1000:^\\[counter\\] mb2_hello: tick [0-9]+/1000 tsc [0-9]+$"
    --progress counter:looper
    --reject "restart 101"
    -- vm.max_restarts=100)
  set_tests_properties(bochs.vms_restart_100 PROPERTIES LABELS "bochs;long")
endif()

# Unmodified guests on the virtual PC (docs/config.md, configs/demo.toml):
# 4 cores; guests/pc_smp on 2 vCPUs (cores 1-2) reads ACPI, fw_cfg, PIT,
# RTC, programs the 8259s and its local APIC (timer in one-shot, periodic
# and TSC-deadline modes), starts its AP with INIT-SIPI-SIPI (the AP's SIPI
# exit) and exchanges IPIs and NMIs (the second NMI, sent from inside the
# first's handler, takes the NMI-window exit), then finds the I/O APIC in
# the MADT and routes the PIT (GSI 2) through it to the AP; beside it guests/mb2_hello
# (Multiboot2) on core 3.
nucleo_boot_test(NAME vms_pc_smp_and_mb2 EMULATOR bochs TIMEOUT 600 ARGS
  --cores 4 --memory 256 --config configs/demo.toml --expect-code 0 --expect-vm pc=0 --expect-vm hello=0
  --expect "^vm pc: Multiboot1 image 'pc_smp.elf' loaded"
  --expect "^vm hello: Multiboot2 image 'mb2_hello.elf' loaded"
  --expect "^\\[pc\\] pc_smp: multiboot: ok magic 0x2badb002, loader \"nucleo\""
  --expect "^\\[pc\\] pc_smp: fw_cfg: ok signature QEMU, id 0x1, 2 CPUs, 32 MiB RAM"
  --expect "^\\[pc\\] pc_smp: acpi: ok RSDP revision 2 at 0xe0000 \\(OEM NUCLEO\\)"
  --expect "^\\[pc\\] pc_smp: madt: ok 2 enabled CPUs of 2 listed \\(fw_cfg: 2\\), APIC IDs 0 1"
  --expect "^\\[pc\\] pc_smp: pit: ok TSC 5[0-9]\\.[0-9]+ MHz"
  --expect "^\\[pc\\] pc_smp: rtc: ok 20[0-9][0-9]-"
  --expect "^\\[pc\\] pc_smp: pic: ok 8259 pair at vectors 0x20/0x28"
  --expect "^\\[pc\\] pc_smp: lapic: ok xAPIC at 0xfee00000, APIC ID 0 \\(BSP\\)"
  --expect "^\\[pc\\] pc_smp: timer-oneshot: ok"
  --expect "^\\[pc\\] pc_smp: timer-periodic: ok"
  --expect "^\\[pc\\] pc_smp: timer-deadline: ok"
  --expect "^\\[pc\\] pc_smp: ap: APIC ID 1 online as cpu 1"
  --expect "^\\[pc\\] pc_smp: smp: ok 1/1 APs online \\(INIT, 10 ms, SIPI"
  --expect "^\\[pc\\] pc_smp: ipi: ok 8 ping-pong rounds"
  --expect "^\\[pc\\] pc_smp: nmi: ok an NMI IPI to each of 1 APs ran its NMI handler, which sent itself a second NMI that arrived after IRET, not nested"
  --expect "^\\[pc\\] pc_smp: madt: ok .*LAPIC at 0xfee00000, 1 I/O APICs"
  --expect "^\\[pc\\] pc_smp: ioapic: ok version 0x11, 24 pins at 0xfec00000. PIT \\(ISA IRQ 0 = GSI 2\\) routed to APIC ID 1 as vector 0x45: [0-9]+ interrupts in [0-9]+ us, none elsewhere"
  --expect "^vm pc:   NMI window +1 "
  --expect "^\\[pc\\] pc_smp: all checks passed"
  --expect "^\\[hello\\] mb2_hello: acpi: RSDP revision 2 \\(tag 15\\), OEM \"NUCLEO\", checksum ok"
  --expect "^\\[hello\\] mb2_hello: tick 5/5"
  --expect "^vm pc:   start-up IPI \\(SIPI\\) +1 "
  --expect "^vm pc:   APIC write +[1-9]"
  --reject "FAIL")

# Paravirtualization and isolation (docs/hypercalls.md, docs/guests.md):
# the PV guest uses only the hypercall ABI on two vCPUs (VCPU_START, events
# between them) and exchanges 8 checked rounds with an unmodified guest
# over a channel (shared region + doorbells).
nucleo_boot_test(NAME vms_pv_channel EMULATOR bochs TIMEOUT 600 ARGS
  --cores 4 --memory 256 --config configs/pv_channel.toml --expect-code 0 --expect-vm pv=0 --expect-vm peer=0
  --expect "^channel link: 4 KiB between VMs 'pv' and 'peer'"
  --expect "^\\[pv\\] pv: cpuid: hypervisor \"NucleoNucleo\", max leaf 0x40000002, ABI version 3"
  --expect "^\\[pv\\] pv: vcpus: ok 2 of 2 vCPUs online. starting one again is refused"
  --expect "^\\[pv\\] pv: events: ok 4 ping-pong rounds with each of 1 vCPUs"
  --expect "^\\[pv\\] pv: timer: ok"
  --expect "^\\[pv\\] pv: block: ok"
  --expect "^\\[peer\\] chan_peer: fw_cfg: opt/org.nucleo/channel/link .*region at 0x[0-9a-f]+, 4 KiB, doorbell port 0x5a0"
  --expect "^\\[pv\\] pv: channel: ok 8 rounds of 1000 bytes each way, every answer checked"
  --expect "^\\[peer\\] chan_peer: done: 8 rounds answered"
  --expect "^\\[pv\\] pv: all checks passed"
  --reject "FAIL")
# The extended-instructions laboratory (docs/isa-lab.md): guests/isa_lab on
# three vCPUs with every proposal, each workload baseline and extension in
# the same boot, the same guest-visible results both ways (every ping to the
# right vCPU, every vCPU reading the remapped page, every increment in a
# page the hypervisor migrates 20 times by cross-call and by BINVEPT), and
# the exits each proposal removes.
nucleo_boot_test(NAME vms_isa_lab EMULATOR bochs TIMEOUT 600 ARGS
  --cores 4 --memory 256 --config configs/isa_lab.toml --expect-code 0 --expect-vm lab=0
  --expect "^\\[lab\\] isa_lab: 3 vCPUs. extensions 0x1f of 7 \\(vipi 1, ipiv 1, vtlbi 1, pintr 1, vhlt 1\\), opcode map 0xa0f"
  --expect "^\\[lab\\] isa_lab: isa: ud-probe: VNOTIFY raised #UD, as on a processor without it"
  --expect "^\\[lab\\] isa_lab: isa: ud-probe: BINVEPT raised #UD, as on a processor without it"
  --expect "^\\[lab\\] isa_lab: isa: ipi base 3 200 [0-9]+ [0-9]+ [0-9]+ [0-9]+ 0 0 200 [0-9]+ 0 ok"
  --expect "^\\[lab\\] isa_lab: isa: ipi ext 3 200 [0-9]+ [0-9]+ [0-9]+ [0-9]+ 200 200 0 [0-9]+ 0 ok"
  --expect "^\\[lab\\] isa_lab: ipi: same pings either way. exits [0-9]+ baseline, [0-9]+ with VIPI emulated, [0-9]+ on hardware with VIPI"
  --expect "^\\[lab\\] isa_lab: isa: ipi_idle base 3 200 [0-9]+ [0-9]+ [0-9]+ [0-9]+ 0 0 200 [0-9]+ 200 ok"
  --expect "^\\[lab\\] isa_lab: isa: tlb base 3 50 [0-9]+ [0-9]+ [0-9]+ [0-9]+ 0 0 100 [0-9]+ 0 ok"
  --expect "^\\[lab\\] isa_lab: isa: tlb ext 3 50 [0-9]+ [0-9]+ [0-9]+ [0-9]+ 50 100 0 0 [0-9]+ ok"
  --expect "^\\[lab\\] isa_lab: tlb: every vCPU saw every new page either way. invalidations reached 100 other vCPUs with VTLBI"
  --expect "^\\[lab\\] isa_lab: tlb: exits [0-9]+ baseline, [0-9]+ with VTLBI emulated, [0-9]+ on hardware with VTLBI"
  --expect "^\\[lab\\] isa_lab: isa: migrate base 3 20 [0-9]+ [0-9]+ [0-9]+ [0-9]+ 0 0 [0-9]+ [0-9]+ [0-9]+ ok"
  --expect "^\\[lab\\] isa_lab: isa: migrate ext 3 20 [0-9]+ [0-9]+ [0-9]+ [0-9]+ 40 [0-9]+ [0-9]+ [0-9]+ 0 ok"
  --expect "^\\[lab\\] isa_lab: migrate: every increment of every vCPU stayed in the page either way. 40 invalidations by cross-call, 40 by BINVEPT"
  --expect "^\\[lab\\] isa_lab: isa: done"
  --reject "FAIL")
# The laboratory's cross-VM notify workload (docs/isa/vnotify.md): two VMs
# of guests/isa_lab joined by a channel ping-pong over it, 100 round trips
# by NUCLEO_HC_CHANNEL_RING and 100 by VNOTIFY (one ring by each VM per
# round trip, the payload checked each time); the same answers both ways,
# both VMs' #UD exits and notification exits counted on the ping side.
nucleo_boot_test(NAME vms_isa_notify EMULATOR bochs TIMEOUT 600 ARGS
  --cores 3 --memory 256 --config configs/isa_notify.toml --expect-code 0 --expect-vm ping=0 --expect-vm pong=0
  --expect "^\\[ping\\] isa_lab: 1 vCPUs. extensions 0x28 of 7 \\(vipi 0, ipiv 0, vtlbi 0, pintr 1, vhlt 0\\), opcode map 0xa0f"
  --expect "^\\[ping\\] isa_lab: isa: ud-probe: VIPI raised #UD, as on a processor without it"
  --expect "^\\[pong\\] isa_lab: isa: ud-probe: VTLBI raised #UD, as on a processor without it"
  --expect "^\\[pong\\] isa_lab: notify: answered 100 rings \\(CHANNEL_RING\\)"
  --expect "^\\[ping\\] isa_lab: isa: notify base 1 100 [0-9]+ [0-9]+ [0-9]+ [0-9]+ 0 0 0 [0-9]+ 0 ok"
  --expect "^\\[pong\\] isa_lab: notify: answered 100 rings \\(VNOTIFY\\)"
  --expect "^\\[ping\\] isa_lab: isa: notify ext 1 100 [0-9]+ [0-9]+ [0-9]+ [0-9]+ 200 200 0 [0-9]+ 0 ok"
  --expect "^\\[ping\\] isa_lab: notify: same answers either way .digest 0x[0-9a-f]+.. exits [0-9]+ baseline, [0-9]+ with VNOTIFY emulated, [0-9]+ on hardware with VNOTIFY"
  --expect "^\\[ping\\] isa_lab: isa: done"
  --expect "^\\[pong\\] isa_lab: isa: done"
  --reject "FAIL")
# A hostile guest (guests/hostile, docs/security.md) with two vCPUs and a
# channel to the counter VM: every refused attempt contained (the exact
# count), an NMI to its vCPU 1 before that vCPU's task runs (vm.ap_delay_ms
# holds it back), XSETBV rule breaches, WBINVD/INVD loops, doorbell storms,
# a forged result line (codes 99 and 98, ignored), then an EPT violation,
# markers in MSRs and x87/SSE/AVX state that the next boot must find reset,
# a write past RAM and its channel, both vCPUs flooding 4 KiB console lines
# (no line over the limit) and a triple fault, each ending the VM and
# restarted (on_crash = "restart", nucleo.boot=N). The counter VM on core 0
# times a fixed loop per tick: its ticks are gap-free and go on while the
# hostile VM is down (--progress, tools/nucleolib/progress.py).
nucleo_boot_test(NAME vms_hostile_restart EMULATOR bochs TIMEOUT 900 ARGS
  --cores 3 --memory 256 --config configs/hostile.toml --expect-code 0 --expect-vm hostile=0 --expect-vm counter=0
  --expect "^vm hostile: an NMI for vCPU 1 before its loop runs: a wake, the NMI waits in its local APIC$"
  --expect "^\\[hostile\\] hostile: stage 0: 134 attempts, 134 contained, 0 UNEXPECTED$"
  --expect "^\\[hostile\\] NUCLEO-RESULT .*code.:99,"
  --expect "^warning: vm hostile: stopped: access outside the VM's memory: write of guest-physical 0x100100000 .*restarting it \\(restart 1\\)"
  --expect "^\\[hostile\\] hostile: stage 1: 13 attempts, 13 contained, 0 UNEXPECTED$"
  --expect "^warning: vm hostile: stopped: access outside the VM's memory: write of guest-physical 0x1001000 .*restarting it \\(restart 2\\)"
  --expect "^\\[hostile\\] hostile: flood: vCPU 0 wrote 2, vCPU 1 2 lines from TSC 0x[0-9a-f]+ to 0x[0-9a-f]+: contained$"
  --expect "^warning: vm hostile: stopped: triple fault: .*restarting it \\(restart 3\\)"
  --expect "^vm hostile: restarted \\(restart 3\\). down from TSC [0-9]+ to [0-9]+$"
  --expect "^\\[hostile\\] hostile: all stages done"
  --expect "^vm hostile: the guest exited with code 0 \\(3 restarts\\)"
  --expect-count "1000:^\\[counter\\] mb2_hello: tick [0-9]+/1000 tsc [0-9]+$"
  --progress counter:hostile
  --reject ": UNEXPECTED"
  --reject "^\\[hostile\\] .{201}"
  -- vm.ap_delay_ms=200)

# Linux (docs/guests.md): Debian's stock kernel and a busybox initramfs,
# fetched and built into <build>/guests/ by tools/nucleolib/linux_guest.py
# when a configuration names them, loaded through the 64-bit boot protocol
# (docs/loaders.md). The kernel's own lines, the init's CPU count, nothing
# a kernel prints when something is wrong, and the init's clean exit.
# Bochs needs 7-11 minutes of wall time for one boot (most of it the
# decompressor): one vCPU runs every time, 2 and 4 vCPUs and the
# crash-and-restart run only with -DNUCLEO_LINUX_TESTS=ON (label linux-smp).
set(NUCLEO_LINUX_REJECT --reject "BUG:|WARNING:|Call Trace|Kernel panic|unchecked MSR|Oops")
nucleo_boot_test(NAME linux_1cpu EMULATOR bochs TIMEOUT 1800 ARGS
  --cores 2 --memory 512 --timeout 1700 --config configs/tests/linux_1cpu.toml --expect-code 0 --expect-vm linux=0
  --expect "^\\[linux\\] \\[ +0\\.0+\\] Linux version [0-9.]+-[0-9]+-amd64 "
  --expect "^\\[linux\\] \\[ *[0-9.]+\\] smpboot: Total of 1 processors activated"
  --expect "^\\[linux\\] \\[ *[0-9.]+\\] Run /init as init process"
  --expect "^\\[linux\\] (\\[ *[0-9.]+\\] )?nucleo-linux: Linux [^ ]+ [0-9.]+-[0-9]+-amd64 "
  --expect "^\\[linux\\] (\\[ *[0-9.]+\\] )?nucleo-linux: cpus=1$"
  --expect "^\\[linux\\] (\\[ *[0-9.]+\\] )?nucleo-linux: power off$"
  ${NUCLEO_LINUX_REJECT})
option(NUCLEO_LINUX_TESTS "Linux boots on 2 and 4 vCPUs and with a restart (slow)" OFF)
if(NUCLEO_LINUX_TESTS)
  foreach(n 2 4)
    math(EXPR cores "${n} + 1")
    nucleo_boot_test(NAME linux_${n}cpu EMULATOR bochs TIMEOUT 3600 ARGS
      --cores ${cores} --memory 512 --timeout 3500 --config configs/tests/linux_${n}cpu.toml --expect-code 0
      --expect-vm linux=0
      --expect "^\\[linux\\] \\[ *[0-9.]+\\] smpboot: Total of ${n} processors activated"
      --expect "^\\[linux\\] (\\[ *[0-9.]+\\] )?nucleo-linux: cpus=${n}$"
      --expect "^\\[linux\\] (\\[ *[0-9.]+\\] )?nucleo-linux: power off$"
      ${NUCLEO_LINUX_REJECT})
    set_tests_properties(bochs.linux_${n}cpu PROPERTIES LABELS linux-smp)
  endforeach()
  # The init crashes the kernel (sysrq c), panic=-1 reboots, nucleo restarts
  # the VM with nucleo.boot=1 and the second boot powers off.
  nucleo_boot_test(NAME linux_restart EMULATOR bochs TIMEOUT 3600 ARGS
    --cores 2 --memory 512 --timeout 3500 --config configs/tests/linux_restart.toml --expect-code 0
    --expect-vm linux=0
    --expect "^\\[linux\\] (\\[ *[0-9.]+\\] )?nucleo-linux: crashing the kernel$"
    --expect "^\\[linux\\] \\[ *[0-9.]+\\] Kernel panic - not syncing: sysrq triggered crash"
    --expect "^warning: vm linux: stopped: .*restarting it \\(restart 1\\)"
    --expect "^\\[linux\\] (\\[ *[0-9.]+\\] )?nucleo-linux: boot=1 test=panic$"
    --expect "^vm linux: the guest exited with code 0 \\(1 restarts\\)")
  set_tests_properties(bochs.linux_restart PROPERTIES LABELS linux-smp)
endif()
