// SPDX-License-Identifier: MIT
// The two 8259A PICs of a PC: remapped away from the exception vectors
// (0x20-0x2F) and fully masked. nucleo takes interrupts through the local
// APIC only; a spurious IRQ 7/15 then arrives as vector 0x27/0x2F, not as a
// fake #NM/#GP.
#pragma once

namespace nucleo::legacy_pic {

void remap_and_mask();

}  // namespace nucleo::legacy_pic
