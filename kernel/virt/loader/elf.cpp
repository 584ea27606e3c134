// SPDX-License-Identifier: MIT
#include "kernel/virt/loader/elf.hpp"

namespace nucleo::loader {

namespace {

// e_ident (System V ABI 4.1, "ELF Identification").
constexpr usize kEiClass = 4, kEiData = 5, kEiVersion = 6;
constexpr u8 kElfClass32 = 1, kElfClass64 = 2, kElfDataLsb = 1, kEvCurrent = 1;
constexpr u16 kEtExec = 2;
constexpr u32 kPtLoad = 1;

// Header and program header layouts differ only in field widths and order.
struct Layout {
  usize header_size, phentsize_at, phnum_at, phoff_at, entry_at;
  usize phdr_size, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz;
  bool wide;  // 64-bit fields
};
constexpr Layout kElf32{52, 42, 44, 28, 24, 32, 4, 8, 12, 16, 20, false};
constexpr Layout kElf64{64, 54, 56, 32, 24, 56, 8, 16, 24, 32, 40, true};

u64 field(const u8* p, bool wide) { return wide ? load_le64(p) : load_le32(p); }

Error segment_error(LoadDiagnostic& diag, u32 index, Status s, const char* what) {
  diag.item = "segment";
  diag.index = index;
  return make_error(s, what);
}

}  // namespace

bool has_elf_magic(Bytes image) {
  return image.size() >= 4 && image[0] == 0x7F && image[1] == 'E' && image[2] == 'L' && image[3] == 'F';
}

Error parse_elf(Bytes image, ElfImage& out, LoadDiagnostic& diag) {
  out = ElfImage{};
  if (!has_elf_magic(image)) return make_error(Status::malformed, "image is not an ELF file");
  if (image.size() < 16) return make_error(Status::truncated, "ELF identification is truncated");
  const u8 cls = image[kEiClass];
  if (cls != kElfClass32 && cls != kElfClass64)
    return make_error(Status::unsupported, "ELF class is neither 32- nor 64-bit", kEiClass);
  if (image[kEiData] != kElfDataLsb) return make_error(Status::unsupported, "ELF file is not little-endian", kEiData);
  if (image[kEiVersion] != kEvCurrent) return make_error(Status::unsupported, "ELF version is not 1", kEiVersion);
  const Layout& l = cls == kElfClass64 ? kElf64 : kElf32;
  if (image.size() < l.header_size) return make_error(Status::truncated, "ELF header is truncated");
  const u8* h = image.data();
  out.is_64 = l.wide;
  if (load_le16(h + 16) != kEtExec)
    return make_error(Status::unsupported, "ELF file is not an executable (ET_EXEC)", 16);
  out.machine = load_le16(h + 18);
  if (out.machine != (l.wide ? kElfMachineX86_64 : kElfMachineI386))
    return make_error(Status::unsupported, "ELF machine is not EM_386 (ELF32) or EM_X86_64 (ELF64)", 18);
  out.entry = field(h + l.entry_at, l.wide);

  const u64 phoff = field(h + l.phoff_at, l.wide);
  const u16 phentsize = load_le16(h + l.phentsize_at);
  const u16 phnum = load_le16(h + l.phnum_at);
  if (phnum == 0) return make_error(Status::malformed, "ELF file has no program headers", l.phnum_at);
  if (phentsize < l.phdr_size)
    return make_error(Status::malformed, "ELF program header size is too small", l.phentsize_at);
  // phnum * phentsize < 2^32: no overflow in 64 bits.
  const u64 table = u64{phnum} * phentsize;
  if (phoff > image.size() || table > image.size() - phoff)
    return make_error(Status::truncated, "ELF program header table lies outside the image", l.phoff_at);

  for (u32 i = 0; i < phnum; ++i) {
    const u8* p = h + phoff + u64{i} * phentsize;
    if (load_le32(p) != kPtLoad) continue;
    ElfSegment s;
    s.index = i;
    s.file_offset = field(p + l.p_offset, l.wide);
    s.vaddr = field(p + l.p_vaddr, l.wide);
    s.paddr = field(p + l.p_paddr, l.wide);
    s.file_size = field(p + l.p_filesz, l.wide);
    s.mem_size = field(p + l.p_memsz, l.wide);
    if (s.file_size > s.mem_size)
      return segment_error(diag, i, Status::malformed, "segment file size exceeds its memory size");
    // p_offset of a segment without file bytes (bss only) does not matter.
    if (s.file_size != 0 && (s.file_offset > image.size() || s.file_size > image.size() - s.file_offset))
      return segment_error(diag, i, Status::truncated, "segment data lies outside the image");
    if (s.mem_size == 0) continue;
    if (s.paddr + s.mem_size < s.paddr || s.vaddr + s.mem_size < s.vaddr)
      return segment_error(diag, i, Status::malformed, "segment wraps around the address space");
    if (out.segment_count == ElfImage::kMaxSegments)
      return segment_error(diag, i, Status::unsupported, "ELF file has more than 16 loadable segments");
    out.segments[out.segment_count++] = s;
  }
  if (out.segment_count == 0) return make_error(Status::malformed, "ELF file has no loadable segment");
  return {};
}

}  // namespace nucleo::loader
