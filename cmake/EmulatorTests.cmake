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
  add_test(NAME ${T_EMULATOR}.${T_NAME}
           COMMAND ${NUCLEO_BOOT_TEST} --emulator ${T_EMULATOR} ${T_ARGS}
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(${T_EMULATOR}.${T_NAME} PROPERTIES
    LABELS ${T_EMULATOR} TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "NUCLEO_BUILD_DIR=${CMAKE_BINARY_DIR}")
endfunction()

set(NUCLEO_BANNER "nucleo [0-9.]+: type-1 hypervisor research kernel")

foreach(emulator qemu bochs)
  # The normal boot: banner, memory map and RAM size, command line echoed,
  # ACPI found, clean power-off with code 0.
  nucleo_boot_test(NAME boot EMULATOR ${emulator} ARGS
    --memory 256 --cores 1 --expect-code 0 --expect-ram --expect-field cpus_online=1
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
  --machine q35 --memory 512 --cores 2 --expect-code 0 --expect-ram
  --expect "${NUCLEO_BANNER}" --expect "acpi: RSDP revision")
# UEFI (OVMF): GRUB's EFI build, an ACPI 2.0 RSDP tag, no VGA text console.
# OVMF keeps some RAM for itself, so no --expect-ram here.
nucleo_boot_test(NAME boot_uefi EMULATOR qemu ARGS
  --uefi --memory 256 --expect-code 0
  --expect "${NUCLEO_BANNER}" --expect "consoles: serial 0x3f8$"
  --expect "acpi: RSDP revision 2")
# More than 4 GiB: the direct map is extended past the boot page tables.
nucleo_boot_test(NAME boot_6g EMULATOR qemu ARGS
  --memory 6144 --expect-code 0 --expect-ram
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
  --memory 128 --expect-code 0
  --expect "loglevel=loud is not one of error, warn, info, debug, trace"
  -- loglevel=loud)

