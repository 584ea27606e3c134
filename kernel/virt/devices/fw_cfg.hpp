// SPDX-License-Identifier: MIT
// QEMU's firmware configuration device, traditional I/O interface only
// (QEMU docs/specs/fw_cfg.rst): a 16-bit selector at 0x510 picks an item,
// byte reads of 0x511 return its bytes one after the other, then zeros.
// Guests use it to learn that they run under a QEMU-like VMM (signature
// "QEMU", which nucleo's own power-off path checks before using
// isa-debug-exit), their RAM size, CPU count and command line, and named
// files. No DMA interface: FW_CFG_ID says "traditional interface" only.
//
// Everything lives inside the object (no heap): the command line and the
// extra files are copied in by configure(), which refuses input that does
// not fit with an Error and leaves the device without items.
#pragma once

#include "kernel/lib/result.hpp"
#include "kernel/lib/span.hpp"
#include "kernel/lib/str.hpp"
#include "kernel/virt/io_bus.hpp"

namespace nucleo {

struct FwCfgFile {
  Str name;  // e.g. "opt/org.nucleo/config"; 1..55 characters, no NUL
  Bytes data;
};

struct FwCfgDescription {
  u16 cpu_count = 1;
  u16 max_cpus = 0;  // 0: the same as cpu_count (no hot-plug slots)
  u64 ram_bytes = 0;
  Str cmdline;
  Span<const FwCfgFile> files;  // up to kMaxExtraFiles, copied
};

class FwCfg final : public IoDevice {
 public:
  static constexpr u16 kSelectorPort = 0x510;
  static constexpr u16 kDataPort = 0x511;
  static constexpr u16 kFirstPort = kSelectorPort;
  static constexpr u16 kLastPort = kDataPort;

  // Selector keys (QEMU include/standard-headers/linux/qemu_fw_cfg.h).
  static constexpr u16 kSignature = 0x0000;    // "QEMU"
  static constexpr u16 kId = 0x0001;           // u32 LE feature bits: 1 = traditional interface
  static constexpr u16 kRamSize = 0x0003;      // u64 LE bytes
  static constexpr u16 kNbCpus = 0x0005;       // u16 LE
  static constexpr u16 kMaxCpus = 0x000F;      // u16 LE
  static constexpr u16 kCmdlineSize = 0x0014;  // u32 LE, the NUL included (as QEMU's -append)
  static constexpr u16 kCmdlineData = 0x0015;  // the command line and its NUL
  static constexpr u16 kFileDir = 0x0019;      // big-endian directory of the files
  static constexpr u16 kFileFirst = 0x0020;    // files, in name order
  // Bit 14 selects the (ignored) write channel, bit 15 the arch-specific
  // space, which is empty here (fw_cfg.rst, "Ranges").
  static constexpr u16 kWriteChannel = 0x4000;
  static constexpr u16 kArchLocal = 0x8000;

  static constexpr usize kMaxExtraFiles = 7;
  static constexpr usize kMaxFiles = kMaxExtraFiles + 1;   // + the command line file
  static constexpr usize kNameField = 56;                  // name[56] in a directory entry
  static constexpr usize kMaxNameLength = kNameField - 1;  // NUL-terminated
  // Linux x86's COMMAND_LINE_SIZE is 2048 with the NUL: longer lines would
  // be cut by the guest anyway.
  static constexpr usize kMaxCmdlineLength = 2047;
  static constexpr usize kFileDataCapacity = 16 * 1024;  // all extra files together
  static constexpr usize kDirEntrySize = 64;
  static constexpr const char* kCmdlineFileName = "opt/org.nucleo/cmdline";

  FwCfg() = default;
  FwCfg(const FwCfg&) = delete;  // items point into the object itself
  FwCfg& operator=(const FwCfg&) = delete;

  // Fills every item from the description; on an Error no item exists and
  // every read returns 0 (no signature: a guest sees no fw_cfg).
  Error configure(const FwCfgDescription& description);

  // The bytes a guest reads after selecting `key` (empty: unknown key).
  Bytes item(u16 key) const;
  u16 selector() const { return selector_; }

  // 0x510: 16-bit write = select (offset back to 0). Byte writes to either
  // port are data writes, ignored as in QEMU >= 2.4. 0x511: byte reads.
  // Other widths, and reads of the write-only selector, are not claimed.
  bool io_in(u16 port, u8 size, u32& value) override;
  bool io_out(u16 port, u8 size, u32 value) override;

 private:
  struct File {
    Str name;  // into names_
    Bytes data;
  };
  void clear();
  void build_directory();

  bool configured_ = false;
  u16 selector_ = 0;
  usize offset_ = 0;
  Bytes current_;

  u8 id_[4] = {};
  u8 ram_size_[8] = {};
  u8 nb_cpus_[2] = {};
  u8 max_cpus_[2] = {};
  u8 cmdline_size_[4] = {};
  u8 cmdline_[kMaxCmdlineLength + 1] = {};
  usize cmdline_length_ = 0;
  File files_[kMaxFiles] = {};
  usize file_count_ = 0;
  char names_[kMaxFiles][kNameField] = {};
  u8 file_data_[kFileDataCapacity] = {};
  u8 directory_[4 + kMaxFiles * kDirEntrySize] = {};
  usize directory_size_ = 0;
};

}  // namespace nucleo
