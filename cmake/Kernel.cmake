# SPDX-License-Identifier: MIT
# Flags of the freestanding kernel. No C++ runtime: no exceptions, no RTTI,
# no thread-safe statics, no atexit; no red zone (interrupts run on the same
# stack) and general registers only (the hypervisor never touches guest
# FPU/SSE/AVX state, so it never has to save it on an exit).
set(NUCLEO_KERNEL_TARGET x86_64-unknown-none-elf)

set(NUCLEO_KERNEL_CXX_FLAGS
  --target=${NUCLEO_KERNEL_TARGET}
  -ffreestanding -nostdlibinc
  -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-use-cxa-atexit
  -fno-stack-protector -fno-pic -fno-pie -fno-builtin
  -mno-red-zone -mgeneral-regs-only -mcmodel=kernel
  -fno-omit-frame-pointer
  -O2 -g
  -Wall -Wextra -Wconversion -Wsign-conversion -Wshadow -Wold-style-cast
  -Wnon-virtual-dtor -Wcast-align -Wnull-dereference -Wimplicit-fallthrough
  -Werror
)
set(NUCLEO_KERNEL_ASM_FLAGS --target=${NUCLEO_KERNEL_TARGET} -g -mcmodel=kernel)

# nucleo_kernel_sources(target sources...): compile sources with kernel flags.
function(nucleo_kernel_object_library name)
  add_library(${name} OBJECT ${ARGN})
  target_compile_options(${name} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:${NUCLEO_KERNEL_CXX_FLAGS}>
    $<$<COMPILE_LANGUAGE:ASM>:${NUCLEO_KERNEL_ASM_FLAGS}>)
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR})
  # Per-target flags only: CMAKE_CXX_FLAGS of the host build (sanitizers,
  # coverage) must not reach the kernel.
  set_target_properties(${name} PROPERTIES CXX_STANDARD 20 CXX_EXTENSIONS OFF)
endfunction()
