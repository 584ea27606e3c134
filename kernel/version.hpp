// SPDX-License-Identifier: MIT
#pragma once

namespace nucleo {
inline constexpr const char* kVersion = "0.1.0";
}
