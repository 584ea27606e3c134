// SPDX-License-Identifier: MIT
// A VM's console (kernel/virt/vm_console.cpp): lines up to the limit, longer
// ones in pieces of the limit with no byte lost, and two vCPUs (threads)
// writing 4 KiB lines at once: no line over the limit, no byte lost, and a
// write() never split by the other vCPU's output.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "kernel/virt/vm.hpp"

namespace nucleo {
namespace {

// Called under the console's lock, so it needs none of its own.
class Lines final : public ConsoleLineSink {
 public:
  void line(Str vm_name, Str text) override {
    EXPECT_EQ(std::string(vm_name.data(), vm_name.size()), "vm");
    lines.emplace_back(text.data(), text.size());
  }
  std::vector<std::string> lines;
};

struct ConsoleRig {
  Lines sink;
  VmConsole console;
  ConsoleRig() {
    console.name = "vm";
    console.sink = &sink;
  }
  std::map<char, usize> bytes() const {
    std::map<char, usize> n;
    for (const std::string& l : sink.lines)
      for (char c : l) ++n[c];
    return n;
  }
  usize longest() const {
    usize m = 0;
    for (const std::string& l : sink.lines) m = std::max(m, l.size());
    return m;
  }
  // Two vCPUs (threads) run `vcpu('a')` and `vcpu('b')` at once; then no
  // line is over the limit and each one's bytes all arrived.
  template <typename Vcpu>
  void race_and_check(Vcpu vcpu, usize bytes_each) {
    std::thread a(vcpu, 'a'), b(vcpu, 'b');
    a.join();
    b.join();
    console.flush();
    EXPECT_LE(longest(), VmConsole::kLineLimit);
    const std::map<char, usize> n = bytes();
    EXPECT_EQ(n.size(), 2u);
    EXPECT_EQ(n.at('a'), bytes_each);
    EXPECT_EQ(n.at('b'), bytes_each);
  }
};

constexpr usize kLimit = VmConsole::kLineLimit;

TEST(VmConsole, GivenALineOfExactlyTheLimitWhenItEndsThenOneLineAndNoEmptyOne) {
  ConsoleRig r;
  r.console.write(Str(std::string(kLimit, 'x').c_str(), kLimit));
  r.console.put('\n');
  ASSERT_EQ(r.sink.lines.size(), 1u);
  EXPECT_EQ(r.sink.lines[0], std::string(kLimit, 'x'));
}

TEST(VmConsole, GivenALineLongerThanTheLimitWhenWrittenThenPiecesOfTheLimitAndNothingLost) {
  ConsoleRig r;
  const std::string text = std::string(2 * kLimit + 7, 'y') + "\n";
  r.console.write(Str(text.data(), text.size()));
  ASSERT_EQ(r.sink.lines.size(), 3u);
  EXPECT_EQ(r.sink.lines[0].size(), kLimit);
  EXPECT_EQ(r.sink.lines[1].size(), kLimit);
  EXPECT_EQ(r.sink.lines[2], std::string(7, 'y'));
}

TEST(VmConsole, GivenControlCharactersAndCarriageReturnsWhenWrittenThenReplacedOrDropped) {
  ConsoleRig r;
  const std::string text = "a\r\tb\x01\x7f\xff" "c\n";
  r.console.write(Str(text.data(), text.size()));
  r.console.put('z');
  r.console.flush();
  r.console.flush();  // nothing left: no empty line
  ASSERT_EQ(r.sink.lines.size(), 2u);
  EXPECT_EQ(r.sink.lines[0], "a\tb???c");
  EXPECT_EQ(r.sink.lines[1], "z");
}

TEST(VmConsole, GivenNoSinkWhenALineEndsThenItIsDropped) {
  VmConsole console;
  console.write("dropped\n");
  console.put('x');
  console.flush();
  SUCCEED();
}

constexpr usize kLineBytes = 4096;
constexpr int kLinesPerVcpu = 8;

// Each vCPU's 4 KiB lines through write() (the console hypercall): every
// emitted line holds the bytes of one vCPU only, so each write() is whole.
TEST(VmConsole, GivenTwoVcpusWritingFourKibLinesAtOnceWhenDoneThenNoLineOverTheLimitNoByteLostNoneMixed) {
  ConsoleRig r;
  auto vcpu = [&](char c) {
    const std::string line = std::string(kLineBytes, c) + "\n";
    for (int i = 0; i < kLinesPerVcpu; ++i) r.console.write(Str(line.data(), line.size()));
  };
  r.race_and_check(vcpu, kLineBytes * kLinesPerVcpu);
  for (const std::string& l : r.sink.lines)
    EXPECT_EQ(std::count(l.begin(), l.end(), l[0]), static_cast<long>(l.size())) << "mixed line " << l;
  // 4096 = 20 * 200 + 96: 21 pieces per line.
  EXPECT_EQ(r.sink.lines.size(), 2u * kLinesPerVcpu * 21);
}

// The same one byte at a time (the UART path, one OUT per byte): bytes of
// the two vCPUs may share a line, as on a real shared UART, but no line
// exceeds the limit and every byte arrives once.
TEST(VmConsole, GivenTwoVcpusPuttingFourKibLinesByteByByteWhenDoneThenNoLineOverTheLimitAndNoByteLost) {
  ConsoleRig r;
  auto vcpu = [&](char c) {
    for (int i = 0; i < kLinesPerVcpu; ++i) {
      for (usize k = 0; k < kLineBytes; ++k) r.console.put(c);
      r.console.put('\n');
    }
  };
  r.race_and_check(vcpu, kLineBytes * kLinesPerVcpu);
}

}  // namespace
}  // namespace nucleo
