// SPDX-License-Identifier: MIT
#include "kernel/virt/devices/fw_cfg.hpp"

namespace nucleo {

namespace {

constexpr u8 kSignatureBytes[4] = {'Q', 'E', 'M', 'U'};
constexpr u16 kKeyIndexMask = 0x3FFF;  // the key without the write/arch bits

void put_le(u8* p, u64 value, usize width) {
  for (usize i = 0; i < width; ++i) p[i] = static_cast<u8>(value >> (8 * i));
}

// The file directory is big-endian whatever the guest's byte order
// (fw_cfg.rst, "File Directory").
void put_be(u8* p, u64 value, usize width) {
  for (usize i = 0; i < width; ++i) p[i] = static_cast<u8>(value >> (8 * (width - 1 - i)));
}

// strcmp order, which is how QEMU sorts its file directory.
bool name_before(Str a, Str b) {
  const usize n = min(a.size(), b.size());
  for (usize i = 0; i < n; ++i)
    if (a[i] != b[i]) return static_cast<u8>(a[i]) < static_cast<u8>(b[i]);
  return a.size() < b.size();
}

Error check_files(Span<const FwCfgFile> files) {
  if (files.size() > FwCfg::kMaxExtraFiles)
    return make_error(Status::invalid_argument, "fw_cfg: more than 7 extra files", files.size());
  usize data_total = 0;
  for (usize i = 0; i < files.size(); ++i) {
    const FwCfgFile& f = files[i];
    if (f.name.empty() || f.name.size() > FwCfg::kMaxNameLength)
      return make_error(Status::invalid_argument, "fw_cfg: file name empty or longer than 55 characters", i);
    if (f.name.find('\0') != Str::npos)
      return make_error(Status::invalid_argument, "fw_cfg: file name contains a NUL byte", i);
    if (f.name == Str(FwCfg::kCmdlineFileName))
      return make_error(Status::already_exists, "fw_cfg: file name is the command line's", i);
    for (usize j = 0; j < i; ++j)
      if (files[j].name == f.name) return make_error(Status::already_exists, "fw_cfg: two files with the same name", i);
    if (f.data.size() > FwCfg::kFileDataCapacity - data_total)
      return make_error(Status::invalid_argument, "fw_cfg: extra files exceed the 16 KiB of file storage", i);
    data_total += f.data.size();
  }
  return {};
}

}  // namespace

void FwCfg::clear() {
  configured_ = false;
  file_count_ = 0;
  directory_size_ = 0;
  cmdline_length_ = 0;
  offset_ = 0;
  current_ = {};
}

Error FwCfg::configure(const FwCfgDescription& d) {
  clear();
  if (d.cpu_count == 0) return make_error(Status::invalid_argument, "fw_cfg: the VM has no vCPU");
  const u16 max_cpus = d.max_cpus == 0 ? d.cpu_count : d.max_cpus;
  if (max_cpus < d.cpu_count) return make_error(Status::invalid_argument, "fw_cfg: max_cpus is below the vCPU count");
  if (d.cmdline.size() > kMaxCmdlineLength)
    return make_error(Status::invalid_argument, "fw_cfg: command line longer than 2047 characters", d.cmdline.size());
  if (d.cmdline.find('\0') != Str::npos)
    return make_error(Status::invalid_argument, "fw_cfg: command line contains a NUL byte", d.cmdline.find('\0'));
  NUCLEO_TRY(check_files(d.files));

  put_le(id_, 1, sizeof id_);  // bit 0: traditional interface; bit 1 (DMA) clear
  put_le(ram_size_, d.ram_bytes, sizeof ram_size_);
  put_le(nb_cpus_, d.cpu_count, sizeof nb_cpus_);
  put_le(max_cpus_, max_cpus, sizeof max_cpus_);
  cmdline_length_ = d.cmdline.size();
  for (usize i = 0; i < cmdline_length_; ++i) cmdline_[i] = static_cast<u8>(d.cmdline[i]);
  cmdline_[cmdline_length_] = 0;
  put_le(cmdline_size_, cmdline_length_ + 1, sizeof cmdline_size_);

  // The command line file holds the characters without the NUL: its size in
  // the directory says where it ends.
  files_[file_count_++] = File{Str(kCmdlineFileName), Bytes(cmdline_, cmdline_length_)};
  usize used = 0;
  for (const FwCfgFile& f : d.files) {
    char* name = names_[file_count_];
    for (usize i = 0; i < kNameField; ++i) name[i] = i < f.name.size() ? f.name[i] : '\0';
    for (usize i = 0; i < f.data.size(); ++i) file_data_[used + i] = f.data[i];
    files_[file_count_++] = File{Str(name, f.name.size()), Bytes(file_data_ + used, f.data.size())};
    used += f.data.size();
  }
  for (usize i = 1; i < file_count_; ++i)  // insertion sort: at most 8 entries
    for (usize j = i; j > 0 && name_before(files_[j].name, files_[j - 1].name); --j) {
      const File t = files_[j];
      files_[j] = files_[j - 1];
      files_[j - 1] = t;
    }
  build_directory();
  configured_ = true;
  current_ = item(selector_);
  return {};
}

void FwCfg::build_directory() {
  put_be(directory_, file_count_, 4);
  for (usize i = 0; i < file_count_; ++i) {
    u8* e = directory_ + 4 + i * kDirEntrySize;
    put_be(e, files_[i].data.size(), 4);
    put_be(e + 4, kFileFirst + i, 2);
    put_be(e + 6, 0, 2);  // reserved
    for (usize c = 0; c < kNameField; ++c)
      e[8 + c] = c < files_[i].name.size() ? static_cast<u8>(files_[i].name[c]) : 0;
  }
  directory_size_ = 4 + file_count_ * kDirEntrySize;
}

Bytes FwCfg::item(u16 key) const {
  if (!configured_ || (key & kArchLocal) != 0) return {};  // no x86-specific items
  const u16 index = key & kKeyIndexMask;
  switch (index) {
    case kSignature: return kSignatureBytes;
    case kId: return id_;
    case kRamSize: return ram_size_;
    case kNbCpus: return nb_cpus_;
    case kMaxCpus: return max_cpus_;
    case kCmdlineSize: return cmdline_size_;
    case kCmdlineData: return Bytes(cmdline_, cmdline_length_ + 1);
    case kFileDir: return Bytes(directory_, directory_size_);
    default:
      if (index >= kFileFirst && index - kFileFirst < file_count_) return files_[index - kFileFirst].data;
      return {};
  }
}

bool FwCfg::io_in(u16 port, u8 size, u32& value) {
  if (port != kDataPort || size != 1) return false;
  // Past the end of the item (or for an unknown key) reads return 0.
  value = offset_ < current_.size() ? current_[offset_++] : 0;
  return true;
}

bool FwCfg::io_out(u16 port, u8 size, u32 value) {
  if (port == kSelectorPort && size == 2) {
    selector_ = static_cast<u16>(value);
    offset_ = 0;
    current_ = item(selector_);
    return true;
  }
  return size == 1 && (port == kSelectorPort || port == kDataPort);  // data writes: ignored
}

}  // namespace nucleo
