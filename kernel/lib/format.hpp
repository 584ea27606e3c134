// SPDX-License-Identifier: MIT
// Type-safe formatted output without a C library: format(sink, "{} {:#x}", a, b).
// Every argument is converted to a FormatArg by an overload chosen at compile
// time, so a wrong type does not compile (no varargs, no printf mismatch).
//
// Placeholder: {[:[[fill]<|>][#][0][width][type]]}, type one of
//   d (decimal, default for integers), x X (hex), b (binary), c (char), s, p.
// A placeholder with no argument prints "{?}"; a type that does not suit the
// argument prints the argument in its default form.
#pragma once

#include "kernel/lib/str.hpp"
#include "kernel/lib/types.hpp"

namespace nucleo {

class Sink {
 public:
  virtual void write(Str text) = 0;

 protected:
  ~Sink() = default;
};

// Formats into a fixed buffer; output beyond capacity is dropped and counted.
class BufferSink final : public Sink {
 public:
  BufferSink(char* buffer, usize capacity) : buffer_(buffer), capacity_(capacity) {}
  void write(Str text) override;
  Str view() const { return Str(buffer_, size_); }
  usize dropped() const { return dropped_; }
  void clear() { size_ = dropped_ = 0; }

 private:
  char* buffer_;
  usize capacity_;
  usize size_ = 0;
  usize dropped_ = 0;
};

struct FormatArg {
  enum class Kind : u8 { none, sint, uint, boolean, chr, str, ptr };
  Kind kind = Kind::none;
  union {
    i64 s;
    u64 u;
    bool b;
    char c;
    const void* p;
  };
  Str str;

  constexpr FormatArg() : u(0) {}
};

constexpr FormatArg format_arg(bool v) { FormatArg a; a.kind = FormatArg::Kind::boolean; a.b = v; return a; }
constexpr FormatArg format_arg(char v) { FormatArg a; a.kind = FormatArg::Kind::chr; a.c = v; return a; }
constexpr FormatArg format_arg(Str v) { FormatArg a; a.kind = FormatArg::Kind::str; a.str = v; return a; }
constexpr FormatArg format_arg(const char* v) { return format_arg(Str(v)); }
constexpr FormatArg format_arg(const void* v) { FormatArg a; a.kind = FormatArg::Kind::ptr; a.p = v; return a; }
#define NUCLEO_FORMAT_INT(T, field, k)                   \
  constexpr FormatArg format_arg(T v) {                  \
    FormatArg a;                                         \
    a.kind = FormatArg::Kind::k;                         \
    a.field = v;                                         \
    return a;                                            \
  }
NUCLEO_FORMAT_INT(signed char, s, sint)
NUCLEO_FORMAT_INT(short, s, sint)
NUCLEO_FORMAT_INT(int, s, sint)
NUCLEO_FORMAT_INT(long, s, sint)
NUCLEO_FORMAT_INT(long long, s, sint)
NUCLEO_FORMAT_INT(unsigned char, u, uint)
NUCLEO_FORMAT_INT(unsigned short, u, uint)
NUCLEO_FORMAT_INT(unsigned int, u, uint)
NUCLEO_FORMAT_INT(unsigned long, u, uint)
NUCLEO_FORMAT_INT(unsigned long long, u, uint)
#undef NUCLEO_FORMAT_INT

void vformat(Sink& sink, Str fmt, const FormatArg* args, usize count);

template <typename... Args>
void format(Sink& sink, Str fmt, const Args&... args) {
  const FormatArg list[] = {format_arg(args)..., FormatArg()};
  vformat(sink, fmt, list, sizeof...(Args));
}

}  // namespace nucleo
