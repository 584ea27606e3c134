// SPDX-License-Identifier: MIT
// Placement new for kernel objects built in memory from the frame allocator
// (the kernel has no <new>). Kernel-only: host code includes <new>.
#pragma once

#include "kernel/lib/types.hpp"

inline void* operator new(nucleo::usize, void* where) noexcept { return where; }
