// SPDX-License-Identifier: MIT
#include "kernel/virt/loader/guest_load.hpp"

namespace nucleo::loader {

void format_load_error(Sink& sink, const Error& error, const LoadDiagnostic& diag) {
  format(sink, "{}: {}", diag.loader, error.what);
  const bool item = diag.item[0] != '\0';
  if (item && diag.has_range)
    format(sink, " ({} {} [{:#x}, {:#x}))", diag.item, diag.index, diag.range.begin, diag.range.end);
  else if (item)
    format(sink, " ({} {})", diag.item, diag.index);
  else if (diag.has_range)
    format(sink, " ([{:#x}, {:#x}))", diag.range.begin, diag.range.end);
  if (diag.protocol != 0) format(sink, " (boot protocol {}.{:02})", diag.protocol >> 8, diag.protocol & 0xFF);
}

}  // namespace nucleo::loader
