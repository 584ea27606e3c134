// SPDX-License-Identifier: MIT
// fw_cfg (kernel/virt/devices/fw_cfg.cpp) at register level, through the
// port bus as a guest reaches it: selector 0x510, data 0x511 (QEMU
// docs/specs/fw_cfg.rst).
#include "kernel/virt/devices/fw_cfg.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace nucleo {
namespace {

using ByteVec = std::vector<u8>;

Bytes bytes_of(const std::string& s) { return Bytes(reinterpret_cast<const u8*>(s.data()), s.size()); }

struct Rig {
  std::unique_ptr<FwCfg> cfg = std::make_unique<FwCfg>();
  IoBus bus;
  Rig() { EXPECT_TRUE(bus.attach(FwCfg::kFirstPort, FwCfg::kLastPort, *cfg)); }

  Error configure(u16 cpus, u64 ram, Str cmdline, Span<const FwCfgFile> files = {}, u16 max_cpus = 0) {
    FwCfgDescription d;
    d.cpu_count = cpus;
    d.max_cpus = max_cpus;
    d.ram_bytes = ram;
    d.cmdline = cmdline;
    d.files = files;
    return cfg->configure(d);
  }
  void select(u16 key) { bus.out(FwCfg::kSelectorPort, 2, key); }
  ByteVec read(usize n) {
    ByteVec v;
    for (usize i = 0; i < n; ++i) v.push_back(static_cast<u8>(bus.in(FwCfg::kDataPort, 1)));
    return v;
  }
  ByteVec item(u16 key, usize n) {
    select(key);
    return read(n);
  }
  std::string text(u16 key, usize n) {
    const ByteVec v = item(key, n);
    return std::string(v.begin(), v.end());
  }
};

u64 le(const ByteVec& v) {
  u64 x = 0;
  for (usize i = v.size(); i-- > 0;) x = x << 8 | v[i];
  return x;
}
u64 be(const ByteVec& v, usize at, usize width) {
  u64 x = 0;
  for (usize i = 0; i < width; ++i) x = x << 8 | v.at(at + i);
  return x;
}

struct DirEntry {
  u32 size;
  u16 select;
  u16 reserved;
  std::string name;
};

std::vector<DirEntry> directory(Rig& r) {
  const u32 count = static_cast<u32>(be(r.item(FwCfg::kFileDir, 4), 0, 4));
  const ByteVec raw = r.read(count * FwCfg::kDirEntrySize);  // continues after the count
  std::vector<DirEntry> out;
  for (u32 i = 0; i < count; ++i) {
    const usize e = i * FwCfg::kDirEntrySize;
    std::string name;
    for (usize c = 0; c < FwCfg::kNameField && raw[e + 8 + c] != 0; ++c) name += static_cast<char>(raw[e + 8 + c]);
    out.push_back(DirEntry{static_cast<u32>(be(raw, e, 4)), static_cast<u16>(be(raw, e + 4, 2)),
                           static_cast<u16>(be(raw, e + 6, 2)), name});
  }
  return out;
}

TEST(FwCfg, GivenAConfiguredDeviceWhenTheSignatureIsReadThenItIsQemuFollowedByZeros) {
  Rig r;
  ASSERT_TRUE(r.configure(1, 64 * MiB, "").ok());
  EXPECT_EQ(r.item(FwCfg::kSignature, 8), (ByteVec{'Q', 'E', 'M', 'U', 0, 0, 0, 0}));
}

TEST(FwCfg, GivenTheIdItemWhenReadThenOnlyTheTraditionalInterfaceBitIsSet) {
  Rig r;
  ASSERT_TRUE(r.configure(1, 64 * MiB, "").ok());
  EXPECT_EQ(r.item(FwCfg::kId, 4), (ByteVec{0x01, 0, 0, 0}));  // bit 1 (DMA) clear
}

TEST(FwCfg, GivenMachineSizeWhenReadThenRamIsU64AndCpuCountsAreU16LittleEndian) {
  Rig r;
  ASSERT_TRUE(r.configure(3, 0x1'2345'6000ULL, "", {}, 8).ok());
  EXPECT_EQ(r.item(FwCfg::kRamSize, 8), (ByteVec{0x00, 0x60, 0x45, 0x23, 0x01, 0, 0, 0}));
  EXPECT_EQ(r.item(FwCfg::kNbCpus, 3), (ByteVec{3, 0, 0}));  // two bytes, then past the end
  EXPECT_EQ(r.item(FwCfg::kMaxCpus, 2), (ByteVec{8, 0}));
}

TEST(FwCfg, GivenNoMaxCpusWhenReadThenMaxCpusEqualsTheVcpuCount) {
  Rig r;
  ASSERT_TRUE(r.configure(300, 64 * MiB, "").ok());
  EXPECT_EQ(le(r.item(FwCfg::kMaxCpus, 2)), 300u);
  EXPECT_EQ(le(r.item(FwCfg::kNbCpus, 2)), 300u);
}

TEST(FwCfg, GivenAPartlyReadItemWhenTheSelectorIsWrittenAgainThenTheOffsetRestartsAtZero) {
  Rig r;
  ASSERT_TRUE(r.configure(1, 64 * MiB, "").ok());
  EXPECT_EQ(r.text(FwCfg::kSignature, 2), "QE");
  EXPECT_EQ(r.text(FwCfg::kSignature, 4), "QEMU");
  r.select(FwCfg::kId);
  r.read(1);
  EXPECT_EQ(r.text(FwCfg::kSignature, 1), "Q");  // another key, then back
}

TEST(FwCfg, GivenUnknownOrArchSpecificKeysWhenReadThenEveryByteIsZero) {
  Rig r;
  ASSERT_TRUE(r.configure(1, 64 * MiB, "x").ok());
  for (const u16 key : {u16{0x0002}, u16{0x0004}, u16{0x0018}, u16{0x0021}, u16{0x1234}, u16{0x3FFF}, u16{0x8000},
                        u16{0x8003}, u16{0xFFFF}})
    EXPECT_EQ(r.item(key, 4), (ByteVec{0, 0, 0, 0})) << std::hex << key;
}

TEST(FwCfg, GivenTheWriteChannelBitWhenSelectedThenTheSameItemIsReadAsWithoutIt) {
  Rig r;
  ASSERT_TRUE(r.configure(1, 64 * MiB, "").ok());
  EXPECT_EQ(r.text(FwCfg::kWriteChannel | FwCfg::kSignature, 4), "QEMU");
}

TEST(FwCfg, GivenTheCommandLineWhenReadThenSizeCountsTheNulAndDataEndsWithIt) {
  Rig r;
  ASSERT_TRUE(r.configure(1, 64 * MiB, "console=ttyS0 quiet").ok());
  EXPECT_EQ(le(r.item(FwCfg::kCmdlineSize, 4)), 20u);
  EXPECT_EQ(r.text(FwCfg::kCmdlineData, 21), std::string("console=ttyS0 quiet\0\0", 21));
}

TEST(FwCfg, GivenAnEmptyCommandLineWhenReadThenSizeIsOneAndTheFileIsEmpty) {
  Rig r;
  ASSERT_TRUE(r.configure(1, 64 * MiB, "").ok());
  EXPECT_EQ(le(r.item(FwCfg::kCmdlineSize, 4)), 1u);
  EXPECT_EQ(r.item(FwCfg::kCmdlineData, 2), (ByteVec{0, 0}));
  const std::vector<DirEntry> dir = directory(r);
  ASSERT_EQ(dir.size(), 1u);
  EXPECT_EQ(dir[0].name, "opt/org.nucleo/cmdline");
  EXPECT_EQ(dir[0].size, 0u);
}

TEST(FwCfg, GivenExtraFilesWhenTheDirectoryIsReadThenBigEndianEntriesAreSortedByName) {
  Rig r;
  const std::string config = "cores = 2\n";
  const ByteVec blob(300, 0xA5);
  const FwCfgFile files[] = {{"opt/org.nucleo/zeta", Bytes(blob.data(), blob.size())},
                             {"etc/boot-fail-wait", bytes_of(config)},
                             {"opt/org.nucleo/config", bytes_of(config)}};
  ASSERT_TRUE(r.configure(2, 128 * MiB, "loglevel=debug", files).ok());

  // Count: 00 00 00 04 on the wire, whatever the host order.
  EXPECT_EQ(r.item(FwCfg::kFileDir, 4), (ByteVec{0, 0, 0, 4}));
  const std::vector<DirEntry> dir = directory(r);
  ASSERT_EQ(dir.size(), 4u);
  const std::vector<std::string> names = {"etc/boot-fail-wait", "opt/org.nucleo/cmdline", "opt/org.nucleo/config",
                                          "opt/org.nucleo/zeta"};
  const std::vector<u32> sizes = {10, 14, 10, 300};
  for (usize i = 0; i < dir.size(); ++i) {
    EXPECT_EQ(dir[i].name, names[i]);
    EXPECT_EQ(dir[i].size, sizes[i]) << names[i];
    EXPECT_EQ(dir[i].select, FwCfg::kFileFirst + i) << names[i];
    EXPECT_EQ(dir[i].reserved, 0u);
  }
  // Entry 3 raw: size 300 = 00 00 01 2C, select 0x0023 = 00 23.
  const ByteVec raw = r.item(FwCfg::kFileDir, 4 + 4 * 64);
  EXPECT_EQ(ByteVec(raw.begin() + 4 + 3 * 64, raw.begin() + 4 + 3 * 64 + 8),
            (ByteVec{0, 0, 0x01, 0x2C, 0, 0x23, 0, 0}));

  EXPECT_EQ(r.text(dir[0].select, 11), std::string("cores = 2\n\0", 11));
  EXPECT_EQ(r.text(dir[1].select, 15), std::string("loglevel=debug\0", 15));
  EXPECT_EQ(r.item(dir[3].select, 301), [&] {
    ByteVec v = blob;
    v.push_back(0);
    return v;
  }());
}

TEST(FwCfg, GivenTheCallerBuffersWhenTheyChangeAfterConfigureThenTheItemsKeepTheCopiedBytes) {
  Rig r;
  std::string cmdline = "abc";
  ByteVec data = {1, 2, 3};
  const FwCfgFile files[] = {{"opt/x", Bytes(data.data(), data.size())}};
  ASSERT_TRUE(r.configure(1, 64 * MiB, Str(cmdline.data(), cmdline.size()), files).ok());
  cmdline = "xyz";
  data = {9, 9, 9};
  EXPECT_EQ(r.text(FwCfg::kCmdlineData, 3), "abc");
  EXPECT_EQ(r.item(FwCfg::kFileFirst + 1, 3), (ByteVec{1, 2, 3}));  // "opt/x" sorts after "opt/org..."
}

TEST(FwCfg, GivenLimitInputsWhenConfiguredThenTheyAreAccepted) {
  Rig r;
  const std::string cmdline(FwCfg::kMaxCmdlineLength, 'c');
  const std::string name(FwCfg::kMaxNameLength, 'n');
  const ByteVec big(FwCfg::kFileDataCapacity - 6 * 10, 1);  // exactly full with the six below
  const ByteVec small(10, 2);
  std::vector<std::string> names;
  for (int i = 0; i < 6; ++i) names.push_back("opt/f" + std::to_string(i));
  std::vector<FwCfgFile> files = {{Str(name.data(), name.size()), Bytes(big.data(), big.size())}};
  for (const std::string& n : names) files.push_back({Str(n.data(), n.size()), Bytes(small.data(), small.size())});
  ASSERT_EQ(files.size(), FwCfg::kMaxExtraFiles);
  ASSERT_TRUE(
      r.configure(1, 64 * MiB, Str(cmdline.data(), cmdline.size()), Span<const FwCfgFile>(files.data(), files.size()))
          .ok());
  EXPECT_EQ(le(r.item(FwCfg::kCmdlineSize, 4)), 2048u);
  const std::vector<DirEntry> dir = directory(r);
  ASSERT_EQ(dir.size(), 8u);
  EXPECT_EQ(dir.front().name, name);  // 'n' sorts before 'o'
  EXPECT_EQ(dir.front().size, big.size());
  EXPECT_EQ(r.item(dir.front().select, 1), ByteVec{1});
}

struct Refusal {
  const char* what;
  Status status;
};

Refusal refusal(const FwCfgDescription& d) {
  auto cfg = std::make_unique<FwCfg>();
  FwCfgDescription good;
  EXPECT_TRUE(cfg->configure(good).ok());  // a working device first: the refusal must wipe it
  const Error e = cfg->configure(d);
  EXPECT_FALSE(e.ok());
  EXPECT_TRUE(cfg->item(FwCfg::kSignature).empty()) << "a refused configuration leaves no items";
  u32 v = 0;
  cfg->io_out(FwCfg::kSelectorPort, 2, FwCfg::kSignature);
  EXPECT_TRUE(cfg->io_in(FwCfg::kDataPort, 1, v));
  EXPECT_EQ(v, 0u);
  return Refusal{e.what, e.status};
}

TEST(FwCfg, GivenOverlongOrInvalidInputsWhenConfiguredThenAClearErrorAndNoItems) {
  const std::string long_cmdline(FwCfg::kMaxCmdlineLength + 1, 'c');
  const std::string long_name(FwCfg::kMaxNameLength + 1, 'n');
  const ByteVec too_big(FwCfg::kFileDataCapacity + 1, 0);
  const ByteVec half(FwCfg::kFileDataCapacity / 2 + 1, 0);

  FwCfgDescription d;
  d.cmdline = Str(long_cmdline.data(), long_cmdline.size());
  EXPECT_STREQ(refusal(d).what, "fw_cfg: command line longer than 2047 characters");

  d = {};
  d.cmdline = Str("a\0b", 3);
  EXPECT_STREQ(refusal(d).what, "fw_cfg: command line contains a NUL byte");

  d = {};
  d.cpu_count = 0;
  EXPECT_EQ(refusal(d).status, Status::invalid_argument);
  d = {};
  d.cpu_count = 4;
  d.max_cpus = 2;
  EXPECT_STREQ(refusal(d).what, "fw_cfg: max_cpus is below the vCPU count");

  const FwCfgFile long_named[] = {{Str(long_name.data(), long_name.size()), {}}};
  d = {};
  d.files = long_named;
  EXPECT_STREQ(refusal(d).what, "fw_cfg: file name empty or longer than 55 characters");

  const FwCfgFile unnamed[] = {{"", {}}};
  d.files = unnamed;
  EXPECT_STREQ(refusal(d).what, "fw_cfg: file name empty or longer than 55 characters");

  const FwCfgFile nul_named[] = {{Str("opt/a\0b", 7), {}}};
  d.files = nul_named;
  EXPECT_STREQ(refusal(d).what, "fw_cfg: file name contains a NUL byte");

  const FwCfgFile twice[] = {{"opt/a", {}}, {"opt/b", {}}, {"opt/a", {}}};
  d.files = twice;
  const Refusal dup = refusal(d);
  EXPECT_EQ(dup.status, Status::already_exists);
  EXPECT_STREQ(dup.what, "fw_cfg: two files with the same name");

  const FwCfgFile reserved[] = {{FwCfg::kCmdlineFileName, {}}};
  d.files = reserved;
  EXPECT_EQ(refusal(d).status, Status::already_exists);

  const FwCfgFile huge[] = {{"opt/huge", Bytes(too_big.data(), too_big.size())}};
  d.files = huge;
  EXPECT_STREQ(refusal(d).what, "fw_cfg: extra files exceed the 16 KiB of file storage");

  const FwCfgFile halves[] = {{"opt/a", Bytes(half.data(), half.size())}, {"opt/b", Bytes(half.data(), half.size())}};
  d.files = halves;
  EXPECT_STREQ(refusal(d).what, "fw_cfg: extra files exceed the 16 KiB of file storage");

  const FwCfgFile eight[] = {{"opt/1", {}}, {"opt/2", {}}, {"opt/3", {}}, {"opt/4", {}},
                             {"opt/5", {}}, {"opt/6", {}}, {"opt/7", {}}, {"opt/8", {}}};
  d.files = eight;
  EXPECT_STREQ(refusal(d).what, "fw_cfg: more than 7 extra files");
}

TEST(FwCfg, GivenAnUnconfiguredDeviceWhenTheSignatureIsReadThenItIsZeros) {
  Rig r;
  EXPECT_EQ(r.item(FwCfg::kSignature, 4), (ByteVec{0, 0, 0, 0}));
}

TEST(FwCfg, GivenAccessWidthsTheInterfaceDoesNotDefineWhenUsedThenThePortsActEmptyAndStateIsKept) {
  Rig r;
  ASSERT_TRUE(r.configure(1, 64 * MiB, "").ok());
  r.select(FwCfg::kSignature);
  EXPECT_EQ(r.bus.in(FwCfg::kDataPort, 2), 0xFFFFu);  // the data port is 8 bits wide on x86
  EXPECT_EQ(r.bus.in(FwCfg::kDataPort, 4), 0xFFFFFFFFu);
  EXPECT_EQ(r.bus.in(FwCfg::kSelectorPort, 2), 0xFFFFu);  // the selector is write-only
  EXPECT_EQ(r.bus.in(FwCfg::kSelectorPort, 1), 0xFFu);
  r.bus.out(FwCfg::kSelectorPort, 4, FwCfg::kId);  // not a selector write
  r.bus.out(FwCfg::kDataPort, 2, FwCfg::kId);
  EXPECT_EQ(r.bus.unclaimed_accesses(), 6u);
  r.bus.out(FwCfg::kDataPort, 1, 0x55);  // a data write: ignored, claimed
  r.bus.out(FwCfg::kSelectorPort, 1, 0x55);
  EXPECT_EQ(r.bus.unclaimed_accesses(), 6u);
  EXPECT_EQ(r.cfg->selector(), FwCfg::kSignature);
  EXPECT_EQ(r.read(4), (ByteVec{'Q', 'E', 'M', 'U'}));  // offset untouched by all of the above
}

}  // namespace
}  // namespace nucleo
