# SPDX-License-Identifier: MIT
# The in-tree unmodified guests (docs/guests.md) on bare QEMU TCG, through
# tools/tests/guest_test.py: bare QEMU is their oracle, so these tests say
# the guests are right before a nucleo VM is judged by them. Each run takes
# a second or less (the UEFI one about ten). Included from EmulatorTests.cmake.
find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(NUCLEO_GUEST_TEST ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tools/tests/guest_test.py)
set(NUCLEO_PC_SMP_ELF ${CMAKE_BINARY_DIR}/guests/pc_smp.elf)
set(NUCLEO_MB2_HELLO_ELF ${CMAKE_BINARY_DIR}/guests/mb2_hello.elf)

# nucleo_guest_test(NAME name [TIMEOUT s] ARGS ...) -> CTest qemu.guest_<name>
function(nucleo_guest_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "ARGS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  add_test(NAME qemu.guest_${T_NAME} COMMAND ${NUCLEO_GUEST_TEST} ${T_ARGS}
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(qemu.guest_${T_NAME} PROPERTIES
    LABELS qemu TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "NUCLEO_BUILD_DIR=${CMAKE_BINARY_DIR}")
endfunction()

# Every check of pc_smp that runs on any CPU count; a FAIL line anywhere fails.
set(NUCLEO_PC_SMP_CHECKS --reject " FAIL "
  --expect "^pc_smp: multiboot: ok magic 0x2badb002, loader \"qemu\""
  --expect "^pc_smp: acpi: ok RSDP revision [0-9]+ at 0x"
  --expect "^pc_smp: pit: ok TSC [0-9]+\\.[0-9]{3} MHz"
  --expect "^pc_smp: rtc: ok (19|20|21)[0-9]{2}-[01][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9]"
  --expect "^pc_smp: pic: ok .*IMR 0xff/0xff"
  --expect "^pc_smp: lapic: ok xAPIC at 0xfee00000, APIC ID 0 \\(BSP\\)"
  --expect "^pc_smp: timer-oneshot: ok 1 interrupt after"
  --expect "^pc_smp: timer-periodic: ok 5 ticks of 1000 us"
  --expect "^pc_smp: timer-deadline: (ok|skipped: no TSC-deadline)"
  --expect "^pc_smp: all checks passed$")

# The documented command: two CPUs, no -icount, the command line echoed.
nucleo_guest_test(NAME pc_smp_2 ARGS --kernel ${NUCLEO_PC_SMP_ELF} --cores 2 --memory 64
  --expect-code 0 ${NUCLEO_PC_SMP_CHECKS}
  --expect "^pc_smp: cmdline \".*pc_smp\\.elf guest=pc_smp echo=42\"$"
  --expect "^pc_smp: fw_cfg: ok signature QEMU, id 0x[0-9a-f]+, 2 CPUs, 64 MiB RAM"
  --expect "^pc_smp:   fw_cfg file 0x[0-9a-f]+ [0-9]+ bytes etc/acpi/tables$"
  --expect "^pc_smp: madt: ok 2 enabled CPUs of 2 listed \\(fw_cfg: 2\\), APIC IDs 0 1,"
  --expect "^pc_smp: ap: APIC ID 1 online as cpu 1"
  --expect "^pc_smp: smp: ok 1/1 APs online"
  --expect "^pc_smp: ipi: ok 8 ping-pong rounds .* with each of 1 APs, 8 pongs$"
  --expect "^pc_smp: nmi: ok an NMI IPI to each of 1 APs"
  -- guest=pc_smp echo=42)
# Deterministic clocks, the max CPU model (other CPUID), and q35 with 4 CPUs.
nucleo_guest_test(NAME pc_smp_2_icount ARGS --kernel ${NUCLEO_PC_SMP_ELF} --cores 2 --icount
  --cpu-model max --expect-code 0 ${NUCLEO_PC_SMP_CHECKS}
  --expect "^pc_smp: pit: ok TSC 99[0-9]\\.[0-9]{3} MHz|^pc_smp: pit: ok TSC 100[0-9]\\.[0-9]{3} MHz"
  --expect "^pc_smp: nmi: ok")
nucleo_guest_test(NAME pc_smp_q35_4 ARGS --kernel ${NUCLEO_PC_SMP_ELF} --machine q35 --cores 4 --memory 128
  --expect-code 0 ${NUCLEO_PC_SMP_CHECKS}
  --expect "^pc_smp: madt: ok 4 enabled CPUs of 4 listed \\(fw_cfg: 4\\), APIC IDs 0 1 2 3,"
  --expect "^pc_smp: ap: APIC ID 3 online as cpu 3"
  --expect "^pc_smp: smp: ok 3/3 APs online"
  --expect "^pc_smp: ipi: ok 8 ping-pong rounds .* with each of 3 APs, 24 pongs$")
# One CPU: the SMP checks say why they are skipped.
nucleo_guest_test(NAME pc_smp_1 ARGS --kernel ${NUCLEO_PC_SMP_ELF} --cores 1
  --expect-code 0 ${NUCLEO_PC_SMP_CHECKS}
  --expect "^pc_smp: madt: ok 1 enabled CPUs of 1 listed \\(fw_cfg: 1\\)"
  --expect "^pc_smp: smp: skipped: one CPU in the MADT$" --expect "^pc_smp: ipi: skipped: one CPU$")
# The failure path: no ACPI is reported with the acpi check's code (3), and
# the checks that do not need the tables still run.
nucleo_guest_test(NAME pc_smp_no_acpi ARGS --kernel ${NUCLEO_PC_SMP_ELF} --cores 2 --no-acpi
  --expect-code 3
  --expect "^pc_smp: acpi: FAIL no RSDP in the EBDA or 0xE0000-0xFFFFF$"
  --expect "^pc_smp: madt: FAIL no MADT"
  --expect "^pc_smp: timer-periodic: ok"
  --expect "^pc_smp: 2 checks failed, the first: acpi \\(exit code 3\\)$")

# mb2_hello through GRUB (multiboot2), BIOS and UEFI; the exit code and the
# tick count come from its command line.
set(NUCLEO_MB2_HELLO_CHECKS --reject "FAIL"
  --expect "^mb2_hello: magic: ok 0x36d76289, information at 0x"
  --expect "^mb2_hello: cmdline: \"exit=7 ticks=3\"$"
  --expect "^mb2_hello: loader: \"GRUB "
  --expect "^mb2_hello: memory map: [0-9]+ entries, [0-9]+ KiB available$"
  --expect "^mb2_hello: acpi: RSDP revision 0 \\(tag 14\\), OEM \"BOCHS \", checksum ok$"
  --expect "^mb2_hello: tick 1/3$" --expect "^mb2_hello: tick 3/3$"
  --expect "^mb2_hello: done, exiting with code 7$")
nucleo_guest_test(NAME mb2_hello ARGS --grub ${NUCLEO_MB2_HELLO_ELF} --memory 64 --expect-code 7
  ${NUCLEO_MB2_HELLO_CHECKS} --expect "^mb2_hello: meminfo: lower 639 KiB, upper 64384 KiB$"
  -- exit=7 ticks=3)
nucleo_guest_test(NAME mb2_hello_uefi TIMEOUT 180 ARGS --grub ${NUCLEO_MB2_HELLO_ELF} --uefi --memory 128
  --expect-code 7 ${NUCLEO_MB2_HELLO_CHECKS}
  --expect "^mb2_hello: acpi: RSDP revision 2 \\(tag 15\\)"
  -- exit=7 ticks=3)
nucleo_guest_test(NAME mb2_hello_bad_cmdline ARGS --grub ${NUCLEO_MB2_HELLO_ELF} --expect-code 115
  --expect "^mb2_hello: cmdline: FAIL exit= takes 0-111, ticks= 0-1000, tsc= 0-1, work= 0-10000$"
  -- exit=banana)
