// SPDX-License-Identifier: MIT
// The VM configuration parser (docs/config.md): every field of a good file,
// every error with its exact line, column and message, recovery after a bad
// VM, the checks across VMs, channels and the fixed limits.
#include "kernel/config/vm_config.hpp"
#include "vmx/ext/isa_table.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace nucleo {
namespace {

std::string str(Str s) { return std::string(s.data(), s.size()); }

// Owns the text, the scratch arena and the (11 KiB) Config of one parse.
struct Parsed {
  explicit Parsed(std::string input, u32 online = 8, usize scratch_size = 4096)
      : text(std::move(input)), scratch(scratch_size), config(std::make_unique<Config>()) {
    parse_config(Str(text.data(), text.size()), Span<char>(scratch.data(), scratch.size()), online, *config);
  }
  const VmConfig& vm(u32 i) const { return config->vms[i]; }
  bool in_scratch(Str s) const { return s.data() >= scratch.data() && s.end() <= scratch.data() + scratch.size(); }
  bool in_text(Str s) const { return s.data() >= text.data() && s.end() <= text.data() + text.size(); }

  std::string text;
  std::vector<char> scratch;
  std::unique_ptr<Config> config;
};

std::string error_of(const ConfigError& e) {
  return std::to_string(e.line) + ":" + std::to_string(e.column) + ": " + e.what;
}

constexpr const char* kTwoVms =
    "# two guests\n"
    "[[vm]]\n"
    "name = \"linux-a\"            # first\n"
    "cores = [1, 2]\n"
    "memory = \"256M\"\n"
    "kernel = \"bzImage-a\"\n"
    "modules = [\"initrd-a\", \"extra\"]\n"
    "cmdline = \"console=ttyS0\"\n"
    "kind = \"unmodified\"\n"
    "on_crash = \"restart\"\n"
    "devices = [\"uart\", \"debug-exit\", \"fw_cfg\", \"pit\", \"pic\", \"rtc\", \"pci\", \"acpi\", \"lapic\", \"ioapic\", \"reset\"]\n"
    "\n"
    "[[vm]]\n"
    "name = \"pv_b\"\n"
    "cores = [3]\n"
    "memory = \"1G\"\n"
    "kernel = \"pv-kernel\"\n"
    "kind = \"paravirtual\"\n";

TEST(VmConfig, GivenValidTwoVmFileWhenParsedThenEveryFieldIsSet) {
  const Parsed p(kTwoVms, 4);
  ASSERT_TRUE(p.config->file_ok) << error_of(p.config->file_error);
  ASSERT_EQ(p.config->vm_count, 2u);
  EXPECT_EQ(p.config->vms_dropped, 0u);

  const VmConfig& a = p.vm(0);
  ASSERT_TRUE(a.valid) << error_of(a.error);
  EXPECT_EQ(str(a.name), "linux-a");
  EXPECT_EQ(a.core_count, 2u);
  EXPECT_EQ(a.core_list[0], 1u);
  EXPECT_EQ(a.core_list[1], 2u);
  EXPECT_TRUE(a.cores.contains(1) && a.cores.contains(2));
  EXPECT_EQ(a.cores.count(), 2u);
  EXPECT_EQ(a.memory_bytes, 256 * MiB);
  EXPECT_EQ(str(a.kernel), "bzImage-a");
  ASSERT_EQ(a.module_count, 2u);
  EXPECT_EQ(str(a.modules[0]), "initrd-a");
  EXPECT_EQ(str(a.modules[1]), "extra");
  EXPECT_EQ(str(a.cmdline), "console=ttyS0");
  EXPECT_EQ(a.kind, VmConfig::Kind::unmodified);
  EXPECT_EQ(a.on_crash, VmConfig::OnCrash::restart);
  for (u32 d = 0; d < static_cast<u32>(Device::count); ++d) EXPECT_TRUE(a.has(static_cast<Device>(d))) << d;
  EXPECT_EQ(a.error.line, 0u);
  EXPECT_TRUE(p.in_text(a.name) && p.in_text(a.kernel) && p.in_text(a.cmdline));  // no escapes: views of the input

  const VmConfig& b = p.vm(1);
  ASSERT_TRUE(b.valid) << error_of(b.error);
  EXPECT_EQ(str(b.name), "pv_b");
  EXPECT_EQ(b.core_count, 1u);
  EXPECT_EQ(b.core_list[0], 3u);
  EXPECT_EQ(b.memory_bytes, 1 * GiB);
  EXPECT_EQ(str(b.kernel), "pv-kernel");
  EXPECT_EQ(b.module_count, 0u);
  EXPECT_TRUE(b.cmdline.empty());
  EXPECT_EQ(b.kind, VmConfig::Kind::paravirtual);
  EXPECT_EQ(b.on_crash, VmConfig::OnCrash::stop);  // the default
  EXPECT_EQ(b.devices, 0u);

  const CpuSet hv = hypervisor_cores(*p.config, 4);
  EXPECT_EQ(hv.count(), 1u);
  EXPECT_TRUE(hv.contains(0));
}

// One line after "[[vm]]" (so on line 2) and the error it must give that VM.
struct LineError {
  const char* line;
  u32 column;
  const char* what;
};

constexpr const char* kMemoryReachesThePciHole =
    "memory must be at most 3584M: a VM's RAM starts at guest-physical 0 and must end below the PCI hole at 3.5 GiB "
    "(0xE0000000)";

const LineError kLineErrors[] = {
    {"= 1", 1, "expected a key"},
    {"nmae = \"x\"", 1, "unknown key 'nmae' (a [[vm]] section has: name, cores, memory, kernel, modules, cmdline, kind, on_crash, devices, extensions)"},
    {"\"name\" = \"x\"", 1, "quoted keys are not supported"},
    {"vm.name = \"x\"", 3, "dotted keys are not supported"},
    {"kind \"x\"", 6, "expected '=' after the key"},
    {"kind =", 7, "expected a value"},
    {"kind =   # nothing", 10, "expected a value"},
    {"kind = \"unmodified\" x", 21, "unexpected text after the value"},
    {"kind = \"other\"", 8, "kind must be \"unmodified\" or \"paravirtual\""},
    {"on_crash = \"reboot\"", 12, "on_crash must be \"stop\" or \"restart\""},
    {"name = \"\"", 8, "name is empty"},
    {"name = \"abcdefghijklmnopqrstuvwxyz123456\"", 8, "name is longer than 31 characters"},
    {"name = \"a b\"", 8, "name may only contain A-Z a-z 0-9 _ -"},
    {"name = \"a\\\"b\"", 8, "name may only contain A-Z a-z 0-9 _ -"},
    {"name = 7", 8, "expected a string"},
    {"cores = [1, 2", 14, "unterminated array (arrays must be on one line)"},
    {"cores = [1,", 12, "unterminated array (arrays must be on one line)"},
    {"cores = [1 2]", 12, "expected ',' or ']'"},
    {"cores = [[1]]", 10, "nested arrays are not supported"},
    {"cores = 1", 9, "expected an array of integers"},
    {"cores = []", 9, "cores is empty: a VM needs at least one core"},
    {"cores = [1, \"2\"]", 13, "expected an integer"},
    {"cores = [1.5]", 10, "floats are not supported"},
    {"cores = [1e3]", 10, "floats are not supported"},
    {"cores = [inf]", 10, "floats are not supported"},
    {"cores = [01]", 10, "leading zeros are not allowed"},
    {"cores = [1_0]", 11, "underscores in integers are not supported"},
    {"cores = [-1]", 10, "signed integers are not supported"},
    {"cores = [99999999999999999999]", 10, "integer is too large"},
    {"cores = [1, 1]", 13, "core listed twice"},
    {"cores = [9]", 10, "core 9 does not exist: the machine has 8 cores online"},
    {"memory = 268435456", 10, "expected a string"},
    {"memory = \"256X\"", 10, "memory must be an integer with an optional K, M or G suffix"},
    {"memory = \"M\"", 10, "memory must be an integer with an optional K, M or G suffix"},
    {"memory = \"-1M\"", 10, "memory must be an integer with an optional K, M or G suffix"},
    {"memory = \"1000\"", 10, "memory must be at least 1 MiB"},
    {"memory = \"1048577\"", 10, "memory must be a multiple of 4 KiB"},
    {"memory = \"99999999999G\"", 10, "memory is too large"},
    {"memory = \"3585M\"", 10, kMemoryReachesThePciHole},
    {"memory = \"4G\"", 10, kMemoryReachesThePciHole},
    {"memory = \"3758100480\"", 10, kMemoryReachesThePciHole},  // 3.5 GiB + 4 KiB
    {"memory = \"1024G\"", 10, kMemoryReachesThePciHole},
    {"memory = \"17179869184K\"", 10, kMemoryReachesThePciHole},  // 16 TiB
    {"memory = \"99999999999999999999999\"", 10, "memory is too large"},
    {"memory = 1.5", 10, "floats are not supported"},
    {"memory = 1979-05-27", 10, "dates and times are not supported"},
    {"memory = 07:32:00", 10, "dates and times are not supported"},
    {"memory = {size = 1}", 10, "inline tables are not supported"},
    {"memory = '256M'", 10, "literal strings ('...') are not supported: use \"...\""},
    {"memory = \"\"\"256M\"\"\"", 10, "multi-line strings are not supported"},
    {"memory = true", 10, "booleans are not used by any key"},
    {"kernel = \"abc", 10, "unterminated string"},
    {"kernel = \"a\\qb\"", 12, "unknown escape: only \\\" \\\\ \\n \\t are supported"},
    {"kernel = \"a\\", 12, "unknown escape: only \\\" \\\\ \\n \\t are supported"},
    {"kernel = \"a\x01\"", 12, "control character in a string"},
    {"kernel = \"a\rb\"", 12, "control character in a string"},
    {"kernel = \"\"", 10, "kernel is empty"},
    {"modules = [\"a\", \"\"]", 17, "module name is empty"},
    {"modules = \"a\"", 11, "expected an array of strings"},
    {"modules = [1]", 12, "expected a string"},
    {"devices = [\"uart\", \"floppy\"]", 20,
     "unknown device (known: uart, debug-exit, fw_cfg, pit, pic, rtc, pci, acpi, lapic, ioapic, reset)"},
    {"devices = [\"uart\", \"uart\"]", 20, "device listed twice"},
    {"extensions = [\"vipi\", \"avx1024\"]", 23, "unknown extension (known: vipi, ipiv, vtlbi, pintr, vhlt, vnotify)"},
    {"extensions = [\"vtlbi\", \"vtlbi\"]", 24, "extension listed twice"},
    {"extensions = [\"binvept\"]", 15, "a root-mode instruction is the hypervisor's, not a VM's extension"},
    {"extensions = \"vipi\"", 14, "expected an array of strings"},
};

TEST(VmConfig, GivenExtensionsWhenParsedThenTheirBitsAreSetAndApicOnesNeedTheLapicDevice) {
  const std::string head = "[[vm]]\nname = \"a\"\ncores = [1]\nmemory = \"16M\"\nkernel = \"k\"\n";
  const Parsed with_lapic(head +
                          "devices = [\"lapic\"]\nextensions = [\"pintr\", \"vipi\", \"vtlbi\", \"vhlt\", \"ipiv\", \"vnotify\"]\n");
  ASSERT_TRUE(with_lapic.vm(0).valid) << error_of(with_lapic.vm(0).error);
  EXPECT_EQ(with_lapic.vm(0).extensions, vmx::ext::kAllIds & ~vmx::ext::bit(vmx::ext::Id::binvept));
  const Parsed tlb_only(head + "extensions = [\"vtlbi\"]\n");
  ASSERT_TRUE(tlb_only.vm(0).valid) << error_of(tlb_only.vm(0).error);
  EXPECT_EQ(tlb_only.vm(0).extensions, vmx::ext::bit(vmx::ext::Id::vtlbi));
  // A doorbell reaches a VM without local APICs too (as an event): VNOTIFY needs none.
  const Parsed notify_only(head + "extensions = [\"vnotify\"]\n");
  ASSERT_TRUE(notify_only.vm(0).valid) << error_of(notify_only.vm(0).error);
  EXPECT_EQ(notify_only.vm(0).extensions, vmx::ext::bit(vmx::ext::Id::vnotify));
  const Parsed none(head);
  EXPECT_EQ(none.vm(0).extensions, 0u);
  for (const char* name : {"vipi", "ipiv", "pintr", "vhlt"}) {
    const Parsed without_lapic(head + "extensions = [\"" + name + "\"]\n");
    EXPECT_FALSE(without_lapic.vm(0).valid) << name;
    EXPECT_EQ(error_of(without_lapic.vm(0).error), "6:14: extensions vipi, ipiv, pintr and vhlt need the \"lapic\" device");
  }
}

TEST(VmConfig, GivenTheIoApicAndResetDevicesWhenParsedThenTheirBitsAreSetAndTheIoApicNeedsTheLapic) {
  const std::string head = "[[vm]]\nname = \"a\"\ncores = [1]\nmemory = \"16M\"\nkernel = \"k\"\n";
  const Parsed both(head + "devices = [\"lapic\", \"ioapic\", \"reset\"]\n");
  ASSERT_TRUE(both.vm(0).valid) << error_of(both.vm(0).error);
  EXPECT_TRUE(both.vm(0).has(Device::ioapic));
  EXPECT_TRUE(both.vm(0).has(Device::reset));
  EXPECT_STREQ(device_name(Device::ioapic), "ioapic");
  EXPECT_STREQ(device_name(Device::reset), "reset");
  const Parsed reset_only(head + "devices = [\"reset\"]\n");
  EXPECT_TRUE(reset_only.vm(0).valid) << error_of(reset_only.vm(0).error);
  const Parsed no_lapic(head + "devices = [\"uart\", \"ioapic\"]\n");
  EXPECT_FALSE(no_lapic.vm(0).valid);
  EXPECT_EQ(error_of(no_lapic.vm(0).error), "6:11: device \"ioapic\" needs the \"lapic\" device");
}

TEST(VmConfig, GivenMemoryUpToThePciHoleWhenParsedThenAccepted) {
  for (const char* size : {"3584M", "3758096384", "3670016K", "3G", "1M"}) {
    const Parsed p(std::string("[[vm]]\nname = \"a\"\ncores = [1]\nmemory = \"") + size + "\"\nkernel = \"k\"\n");
    SCOPED_TRACE(size);
    ASSERT_EQ(p.config->vm_count, 1u);
    EXPECT_TRUE(p.vm(0).valid) << error_of(p.vm(0).error);
    EXPECT_LE(p.vm(0).memory_bytes, kPciHoleBase);
  }
}

TEST(VmConfig, GivenEachSyntaxOrValueErrorWhenParsedThenTheVmHasItsLineColumnAndMessage) {
  for (const LineError& c : kLineErrors) {
    const Parsed p(std::string("[[vm]]\n") + c.line + "\n");
    SCOPED_TRACE(c.line);
    EXPECT_TRUE(p.config->file_ok);
    ASSERT_EQ(p.config->vm_count, 1u);
    EXPECT_FALSE(p.vm(0).valid);
    EXPECT_EQ(error_of(p.vm(0).error), "2:" + std::to_string(c.column) + ": " + c.what);
  }
}

// A whole file and the file error it must give.
struct FileError {
  const char* text;
  const char* error;
};

const FileError kFileErrors[] = {
    {"name = \"x\"\n[[vm]]\n", "1:1: keys must be inside a [[vm]] or [[channel]] section"},
    {"# c\n  [server]\n", "2:3: only [[vm]] and [[channel]] tables are allowed"},
    {"[[host]]\n", "1:3: only [[vm]] and [[channel]] tables are allowed"},
    {"[[vm]\n", "1:5: expected ']]' to close [[vm]]"},
    {"[[vm]] x\n", "1:8: unexpected text after [[vm]]"},
    {"[vm]\n", "1:1: only [[vm]] and [[channel]] tables are allowed"},
    {"[[channel]\n", "1:10: expected ']]' to close [[channel]]"},
    {"[[channel]] # ok\n[[channel]] x\n", "2:13: unexpected text after [[channel]]"},
    {"[[channels]]\n", "1:3: only [[vm]] and [[channel]] tables are allowed"},
};

TEST(VmConfig, GivenErrorOutsideAnyVmWhenParsedThenItIsAFileError) {
  for (const FileError& c : kFileErrors) {
    const Parsed p(c.text);
    SCOPED_TRACE(c.text);
    EXPECT_FALSE(p.config->file_ok);
    EXPECT_EQ(error_of(p.config->file_error), c.error);
  }
}

constexpr const char* kGoodVm = "[[vm]]\nname = \"good\"\ncores = [3]\nmemory = \"1M\"\nkernel = \"k\"\n";

TEST(VmConfig, GivenUnknownTableBeforeAVmWhenParsedThenTheVmIsStillParsedAndTheTableKeysSkipped) {
  const Parsed p(std::string("[server]\nport = 1\n") + kGoodVm);
  EXPECT_FALSE(p.config->file_ok);
  EXPECT_EQ(error_of(p.config->file_error), "1:1: only [[vm]] and [[channel]] tables are allowed");
  ASSERT_EQ(p.config->vm_count, 1u);
  EXPECT_TRUE(p.vm(0).valid) << error_of(p.vm(0).error);
}

TEST(VmConfig, GivenBadVmThenGoodVmWhenParsedThenOnlyTheBadOneIsInvalid) {
  const Parsed p(std::string("[[vm]]\nname = \"bad\"\ncores = [1,\n  2]\nmemory = \"1M\"\n") + kGoodVm);
  EXPECT_TRUE(p.config->file_ok);
  ASSERT_EQ(p.config->vm_count, 2u);
  EXPECT_FALSE(p.vm(0).valid);
  EXPECT_EQ(error_of(p.vm(0).error), "3:12: unterminated array (arrays must be on one line)");
  EXPECT_TRUE(p.vm(1).valid) << error_of(p.vm(1).error);
  EXPECT_EQ(str(p.vm(1).name), "good");
}

TEST(VmConfig, GivenVmWithoutEachRequiredKeyWhenParsedThenTheMissingKeyIsNamedAtTheHeader) {
  const char* keys[] = {"name = \"a\"\n", "cores = [0]\n", "memory = \"1M\"\n", "kernel = \"k\"\n"};
  const char* names[] = {"name", "cores", "memory", "kernel"};
  for (int missing = 0; missing < 4; ++missing) {
    std::string text = "# c\n  [[vm]]\n";
    for (int k = 0; k < 4; ++k)
      if (k != missing) text += keys[k];
    const Parsed p(text);
    EXPECT_FALSE(p.vm(0).valid);
    EXPECT_EQ(error_of(p.vm(0).error), std::string("2:3: missing required key '") + names[missing] + "'");
  }
}

TEST(VmConfig, GivenDuplicateKeyInOneVmWhenParsedThenTheSecondIsAnError) {
  const Parsed p("[[vm]]\nname = \"a\"\nname = \"b\"\n");
  EXPECT_EQ(error_of(p.vm(0).error), "3:1: duplicate key");
}

TEST(VmConfig, GivenTwoVmsWithTheSameNameWhenParsedThenTheLaterOneIsInvalid) {
  const Parsed p(std::string(kGoodVm) + "[[vm]]\nname = \"good\"\ncores = [4]\nmemory = \"1M\"\nkernel = \"k\"\n");
  EXPECT_TRUE(p.vm(0).valid);
  EXPECT_FALSE(p.vm(1).valid);
  EXPECT_EQ(error_of(p.vm(1).error), "7:8: an earlier VM already has this name");
}

TEST(VmConfig, GivenCoreSharedByTwoVmsWhenParsedThenBothAreInvalidAndNameTheOther) {
  const Parsed p(
      "[[vm]]\nname = \"a\"\ncores = [1, 2]\nmemory = \"1M\"\nkernel = \"k\"\n"
      "[[vm]]\nname = \"b\"\ncores = [3, 2]\nmemory = \"1M\"\nkernel = \"k\"\n"
      "[[vm]]\nname = \"c\"\ncores = [4]\nmemory = \"1M\"\nkernel = \"k\"\n");
  EXPECT_EQ(error_of(p.vm(0).error), "3:9: core 2 is also given to VM 'b'");
  EXPECT_EQ(error_of(p.vm(1).error), "8:9: core 2 is also given to VM 'a'");
  EXPECT_FALSE(p.vm(0).valid || p.vm(1).valid);
  EXPECT_TRUE(p.vm(2).valid);
  const CpuSet hv = hypervisor_cores(*p.config, 8);  // only c's core 4 is taken
  EXPECT_EQ(hv.count(), 7u);
  EXPECT_FALSE(hv.contains(4));
}

TEST(VmConfig, GivenScratchTooSmallWhenMessagesAreFormattedThenStaticFallbacksAreUsed) {
  const Parsed p(
      "[[vm]]\nname = \"a\"\ncores = [1]\nmemory = \"1M\"\nkernel = \"k\"\n"
      "[[vm]]\nname = \"b\"\ncores = [1, 9]\nmemory = \"1M\"\nkernel = \"k\"\n"
      "[[vm]]\nname = \"c\"\ncores = [1]\nmemory = \"1M\"\nkernel = \"k\"\n"
      "[[vm]]\nname = \"d\"\ncores = [5]\nmemory = \"1M\"\nkernel = \"\\n\"\n",
      8, 1);
  EXPECT_EQ(error_of(p.vm(0).error), "3:9: a core is also given to another VM");
  EXPECT_EQ(error_of(p.vm(1).error), "8:13: core does not exist on this machine");
  EXPECT_EQ(error_of(p.vm(2).error), "13:9: a core is also given to another VM");
  EXPECT_EQ(error_of(p.vm(3).error), "20:10: scratch arena too small for escaped strings");
}

TEST(VmConfig, GivenEscapesWhenParsedThenTheDecodedStringIsInTheScratchArena) {
  const Parsed p(std::string(kGoodVm) + "cmdline = \"a\\\"b\\\\c\\nd\\te # not a comment\"  # a comment\n");
  ASSERT_TRUE(p.vm(0).valid) << error_of(p.vm(0).error);
  EXPECT_EQ(str(p.vm(0).cmdline), "a\"b\\c\nd\te # not a comment");
  EXPECT_TRUE(p.in_scratch(p.vm(0).cmdline));
  EXPECT_TRUE(p.in_text(p.vm(0).name));
}

TEST(VmConfig, GivenCrlfCommentsBlanksAndTabsWhenParsedThenTheyAreIgnored) {
  const Parsed p(
      "\r\n# top\r\n\t[[ vm ]]\t# header\r\n  name\t=\t\"a\"#x\r\n\r\ncores=[ 0 , 1, ]\r\nmemory = \"4096K\"\r\n"
      "kernel = \"k\" \r\nmodules = []\r\n# end");
  EXPECT_TRUE(p.config->file_ok) << error_of(p.config->file_error);
  ASSERT_TRUE(p.vm(0).valid) << error_of(p.vm(0).error);
  EXPECT_EQ(str(p.vm(0).name), "a");
  EXPECT_EQ(p.vm(0).core_count, 2u);
  EXPECT_EQ(p.vm(0).memory_bytes, 4 * MiB);
  EXPECT_EQ(str(p.vm(0).kernel), "k");
  EXPECT_EQ(p.vm(0).module_count, 0u);
}

TEST(VmConfig, GivenEmptyOrCommentOnlyFileWhenParsedThenNoVmsAndNoError) {
  for (const char* text : {"", "\n\n", "# only a comment\r\n   \t\n"}) {
    const Parsed p(text);
    EXPECT_TRUE(p.config->file_ok);
    EXPECT_EQ(p.config->vm_count, 0u);
    EXPECT_EQ(hypervisor_cores(*p.config, 4).count(), 4u);
  }
}

std::string vm_with(const std::string& name, const std::string& extra) {
  return "[[vm]]\nname = \"" + name + "\"\nmemory = \"1M\"\nkernel = \"k\"\n" + extra;
}

TEST(VmConfig, GivenSeventeenVmsWhenParsedThenSixteenAreKeptAndOneDropped) {
  std::string text;
  for (int i = 0; i < 17; ++i) text += vm_with("vm" + std::to_string(i), "cores = [" + std::to_string(i) + "]\n");
  const Parsed p(text, 64);
  EXPECT_EQ(p.config->vm_count, 16u);
  EXPECT_EQ(p.config->vms_dropped, 1u);
  EXPECT_EQ(error_of(p.config->file_error), "81:1: more than 16 [[vm]] sections: this one and later ones are ignored");
  for (u32 i = 0; i < 16; ++i) EXPECT_TRUE(p.vm(i).valid) << i;
}

TEST(VmConfig, GivenSixtyFourCoresWhenParsedThenValidAndSixtyFiveIsAnError) {
  std::string list;
  for (int i = 0; i < 64; ++i) list += std::to_string(i) + ",";
  const Parsed ok(vm_with("a", "cores = [" + list + "]\n"), 128);
  ASSERT_TRUE(ok.vm(0).valid) << error_of(ok.vm(0).error);
  EXPECT_EQ(ok.vm(0).core_count, 64u);
  EXPECT_EQ(ok.vm(0).core_list[63], 63u);
  const Parsed bad(vm_with("a", "cores = [" + list + "64]\n"), 128);
  EXPECT_EQ(error_of(bad.vm(0).error), "5:" + std::to_string(10 + list.size()) + ": too many cores (at most 64)");
}

TEST(VmConfig, GivenEightModulesWhenParsedThenValidAndNineIsAnError) {
  const std::string eight = "\"m\", \"m\", \"m\", \"m\", \"m\", \"m\", \"m\", \"m\"";
  const Parsed ok(vm_with("a", "cores = [0]\nmodules = [" + eight + "]\n"));
  ASSERT_TRUE(ok.vm(0).valid) << error_of(ok.vm(0).error);
  EXPECT_EQ(ok.vm(0).module_count, 8u);
  const Parsed bad(vm_with("a", "cores = [0]\nmodules = [" + eight + ", \"ninth\"]\n"));
  EXPECT_EQ(error_of(bad.vm(0).error), "6:" + std::to_string(14 + eight.size()) + ": too many modules (at most 8)");
}

TEST(VmConfig, GivenNameOfThirtyOneCharactersWhenParsedThenValid) {
  const Parsed p(vm_with(std::string(31, 'n'), "cores = [0]\n"));
  EXPECT_TRUE(p.vm(0).valid) << error_of(p.vm(0).error);
  EXPECT_EQ(p.vm(0).name.size(), 31u);
}

TEST(VmConfig, GivenMemorySuffixesWhenParsedThenBytesAreScaled) {
  const std::pair<const char*, u64> cases[] = {{"1048576", 1 * MiB},
                                               {"2048K", 2 * MiB},
                                               {"3M", 3 * MiB},
                                               {"3G", 3 * GiB},
                                               {"3584M", 3584 * MiB}};
  for (const auto& [text, bytes] : cases) {
    const Parsed p("[[vm]]\nname = \"a\"\ncores = [0]\nkernel = \"k\"\nmemory = \"" + std::string(text) + "\"\n");
    ASSERT_TRUE(p.vm(0).valid) << text << " " << error_of(p.vm(0).error);
    EXPECT_EQ(p.vm(0).memory_bytes, bytes) << text;
  }
}

TEST(VmConfig, GivenDeviceNamesWhenNamedThenTheyMatchTheFile) {
  EXPECT_STREQ(device_name(Device::debug_exit), "debug-exit");
  EXPECT_STREQ(device_name(Device::lapic), "lapic");
  EXPECT_STREQ(device_name(Device::count), "?");
}

// Channels (docs/config.md, "[[channel]] sections").

constexpr const char* kVmsAbc =
    "[[vm]]\nname = \"a\"\ncores = [1]\nmemory = \"1M\"\nkernel = \"k\"\n"
    "[[vm]]\nname = \"b\"\ncores = [2]\nmemory = \"1M\"\nkernel = \"k\"\n"
    "[[vm]]\nname = \"c\"\ncores = [3]\nmemory = \"1M\"\nkernel = \"k\"\n";  // 15 lines

TEST(VmConfig, GivenTwoChannelsWhenParsedThenNamesVmsAndSizesAreSet) {
  const Parsed p(std::string(kVmsAbc) +
                 "[[channel]]  # first\nname = \"ab\"\nvms = [\"b\", \"a\"]\nsize = \"8K\"\n"
                 "\n[[ channel ]]\nvms = [\"c\", \"a\",]\nname = \"ca-1\"\n");
  ASSERT_TRUE(p.config->file_ok) << error_of(p.config->file_error);
  ASSERT_EQ(p.config->channel_count, 2u);
  EXPECT_EQ(p.config->channels_dropped, 0u);
  const ChannelConfig& ab = p.config->channels[0];
  ASSERT_TRUE(ab.valid) << error_of(ab.error);
  EXPECT_EQ(str(ab.name), "ab");
  EXPECT_EQ(ab.vms[0], 1u);  // file order of the vms array: b, then a
  EXPECT_EQ(ab.vms[1], 0u);
  EXPECT_EQ(ab.size_bytes, 8 * KiB);
  const ChannelConfig& ca = p.config->channels[1];
  ASSERT_TRUE(ca.valid) << error_of(ca.error);
  EXPECT_EQ(str(ca.name), "ca-1");
  EXPECT_EQ(ca.vms[0], 2u);
  EXPECT_EQ(ca.vms[1], 0u);
  EXPECT_EQ(ca.size_bytes, 4 * KiB);  // the default
  for (u32 i = 0; i < 3; ++i) EXPECT_TRUE(p.vm(i).valid) << i;
}

// One line after "[[channel]]" (line 2) and the error it must give the channel.
const LineError kChannelLineErrors[] = {
    {"cores = [1]", 1, "unknown key 'cores' (a [[channel]] section has: name, vms, size)"},
    {"name = \"\"", 8, "name is empty"},
    {"name = \"a.b\"", 8, "name may only contain A-Z a-z 0-9 _ -"},
    {"name = \"abcdefghijklmnopqrstuvwxyz123456\"", 8, "name is longer than 31 characters"},
    {"vms = \"a\"", 7, "expected an array of strings"},
    {"vms = []", 7, "vms must name exactly two VMs"},
    {"vms = [\"a\"]", 7, "vms must name exactly two VMs"},
    {"vms = [\"a\", \"b\", \"c\"]", 18, "vms must name exactly two VMs"},
    {"vms = [\"a\", \"a\"]", 13, "a channel joins two different VMs"},
    {"vms = [\"a\", \"\"]", 13, "VM name is empty"},
    {"vms = [\"a\", 2]", 13, "expected a string"},
    {"size = 4096", 8, "expected a string"},
    {"size = \"4Q\"", 8, "size must be an integer with an optional K, M or G suffix"},
    {"size = \"0\"", 8, "size must be at least 4 KiB"},
    {"size = \"4095\"", 8, "size must be at least 4 KiB"},
    {"size = \"6K\"", 8, "size must be a multiple of 4 KiB"},
    {"size = \"3M\"", 8, "size must be at most 2 MiB"},
    {"size = \"99999999999999999999\"", 8, "size is too large"},
    {"size = \"99999999999G\"", 8, "size is too large"},
};

TEST(VmConfig, GivenEachChannelErrorWhenParsedThenTheChannelHasItsLineColumnAndMessage) {
  for (const LineError& c : kChannelLineErrors) {
    const Parsed p(std::string("[[channel]]\n") + c.line + "\n");
    SCOPED_TRACE(c.line);
    EXPECT_TRUE(p.config->file_ok);
    ASSERT_EQ(p.config->channel_count, 1u);
    EXPECT_FALSE(p.config->channels[0].valid);
    EXPECT_EQ(error_of(p.config->channels[0].error), "2:" + std::to_string(c.column) + ": " + c.what);
  }
}

TEST(VmConfig, GivenChannelWithoutARequiredKeyWhenParsedThenTheKeyIsNamedAtTheHeader) {
  const Parsed no_name(std::string(kVmsAbc) + "[[channel]]\nvms = [\"a\", \"b\"]\n");
  EXPECT_EQ(error_of(no_name.config->channels[0].error), "16:1: missing required key 'name'");
  const Parsed no_vms(std::string(kVmsAbc) + "  [[channel]]\nname = \"x\"\n");
  EXPECT_EQ(error_of(no_vms.config->channels[0].error), "16:3: missing required key 'vms'");
  const Parsed twice(std::string(kVmsAbc) + "[[channel]]\nname = \"x\"\nsize = \"4K\"\nsize = \"4K\"\n");
  EXPECT_EQ(error_of(twice.config->channels[0].error), "19:1: duplicate key");
}

TEST(VmConfig, GivenChannelToAMissingOrInvalidVmWhenParsedThenOnlyTheChannelIsDropped) {
  const Parsed p(std::string(kVmsAbc) +
                 "[[vm]]\nname = \"bad\"\ncores = [9]\nmemory = \"1M\"\nkernel = \"k\"\n"  // lines 16-20
                 "[[channel]]\nname = \"x\"\nvms = [\"a\", \"nobody\"]\n"                  // 21-23
                 "[[channel]]\nname = \"y\"\nvms = [\"bad\", \"a\"]\n"                     // 24-26
                 "[[channel]]\nname = \"z\"\nvms = [\"c\", \"b\"]\n");                     // 27-29
  EXPECT_FALSE(p.vm(3).valid);
  EXPECT_EQ(error_of(p.config->channels[0].error), "23:13: no VM named 'nobody'");
  EXPECT_EQ(error_of(p.config->channels[1].error), "26:8: VM 'bad' is not valid");
  EXPECT_FALSE(p.config->channels[0].valid || p.config->channels[1].valid);
  EXPECT_TRUE(p.config->channels[2].valid) << error_of(p.config->channels[2].error);
  for (u32 i = 0; i < 3; ++i) EXPECT_TRUE(p.vm(i).valid) << i;  // the VMs still start
}

TEST(VmConfig, GivenChannelToAVmThatLostACoreConflictWhenParsedThenTheChannelIsDropped) {
  const Parsed p(
      "[[vm]]\nname = \"a\"\ncores = [1]\nmemory = \"1M\"\nkernel = \"k\"\n"
      "[[vm]]\nname = \"b\"\ncores = [1]\nmemory = \"1M\"\nkernel = \"k\"\n"
      "[[channel]]\nname = \"x\"\nvms = [\"a\", \"b\"]\n");
  EXPECT_EQ(error_of(p.config->channels[0].error), "13:8: VM 'a' is not valid");
}

TEST(VmConfig, GivenDuplicateVmNameWhenAChannelNamesItThenTheValidVmIsChosen) {
  const Parsed p(std::string(kVmsAbc) + "[[vm]]\nname = \"a\"\ncores = [4]\nmemory = \"1M\"\nkernel = \"k\"\n" +
                 "[[channel]]\nname = \"x\"\nvms = [\"b\", \"a\"]\n");
  EXPECT_FALSE(p.vm(3).valid);
  ASSERT_TRUE(p.config->channels[0].valid) << error_of(p.config->channels[0].error);
  EXPECT_EQ(p.config->channels[0].vms[1], 0u);
}

TEST(VmConfig, GivenTwoChannelsWithTheSameNameWhenParsedThenTheLaterIsDropped) {
  const Parsed p(std::string(kVmsAbc) + "[[channel]]\nname = \"x\"\nvms = [\"a\", \"b\"]\n" +
                 "[[channel]]\nname = \"x\"\nvms = [\"b\", \"c\"]\n");
  EXPECT_TRUE(p.config->channels[0].valid);
  EXPECT_EQ(error_of(p.config->channels[1].error), "20:8: an earlier channel already has this name");
}

TEST(VmConfig, GivenBadChannelThenGoodVmWhenParsedThenParsingRecoversAtTheNextHeader) {
  const Parsed p(std::string("[[channel]]\nname = \"x\"\nvms = [\"a\",\n\"b\"]\n") + kGoodVm);
  EXPECT_EQ(error_of(p.config->channels[0].error), "3:12: unterminated array (arrays must be on one line)");
  ASSERT_EQ(p.config->vm_count, 1u);
  EXPECT_TRUE(p.vm(0).valid) << error_of(p.vm(0).error);
}

TEST(VmConfig, GivenSeventeenChannelsWhenParsedThenSixteenAreKeptAndOneDropped) {
  std::string text = kVmsAbc;
  for (int i = 0; i < 17; ++i) text += "[[channel]]\nname = \"ch" + std::to_string(i) + "\"\nvms = [\"a\", \"b\"]\n";
  const Parsed p(text);
  EXPECT_EQ(p.config->channel_count, 16u);
  EXPECT_EQ(p.config->channels_dropped, 1u);
  EXPECT_EQ(error_of(p.config->file_error),
            "64:1: more than 16 [[channel]] sections: this one and later ones are ignored");
  for (u32 i = 0; i < 16; ++i) EXPECT_TRUE(p.config->channels[i].valid) << i;
}

TEST(VmConfig, GivenScratchTooSmallWhenAChannelNamesAMissingVmThenTheStaticMessageIsUsed) {
  const Parsed p(std::string(kVmsAbc) + "[[channel]]\nname = \"x\"\nvms = [\"zz\", \"a\"]\n" +
                     "[[channel]]\nname = \"y\"\nvms = [\"a\", \"zz\"]\n",
                 8, 1);
  EXPECT_EQ(error_of(p.config->channels[0].error), "18:8: no VM of that name");
  EXPECT_EQ(error_of(p.config->channels[1].error), "21:13: no VM of that name");
}

TEST(VmConfig, GivenChannelSizesWhenParsedThenBytesAreScaled) {
  const std::pair<const char*, u64> cases[] = {{"4096", 4 * KiB}, {"64K", 64 * KiB}, {"2M", 2 * MiB}};
  for (const auto& [text, bytes] : cases) {
    const Parsed p(std::string(kVmsAbc) + "[[channel]]\nname = \"x\"\nvms = [\"a\", \"b\"]\nsize = \"" + text +
                   "\"\n");
    ASSERT_TRUE(p.config->channels[0].valid) << text << " " << error_of(p.config->channels[0].error);
    EXPECT_EQ(p.config->channels[0].size_bytes, bytes) << text;
  }
}

}  // namespace
}  // namespace nucleo
