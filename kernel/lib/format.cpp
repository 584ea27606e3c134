// SPDX-License-Identifier: MIT
#include "kernel/lib/format.hpp"

namespace nucleo {

void BufferSink::write(Str text) {
  for (char c : text) {
    if (size_ < capacity_) buffer_[size_++] = c;
    else ++dropped_;
  }
}

namespace {

struct Spec {
  char fill = ' ';
  char align = 0;  // '<', '>' or 0 (numbers right, text left)
  bool alternate = false;
  usize width = 0;
  char type = 0;
};

// Parses the text between ':' and '}'. Unknown characters are ignored so a
// typo in a format string degrades the output instead of stopping the kernel.
Spec parse_spec(Str s) {
  Spec spec;
  usize i = 0;
  if (s.size() >= 2 && (s[1] == '<' || s[1] == '>')) {
    spec.fill = s[0];
    spec.align = s[1];
    i = 2;
  } else if (!s.empty() && (s[0] == '<' || s[0] == '>')) {
    spec.align = s[0];
    i = 1;
  }
  if (i < s.size() && s[i] == '#') { spec.alternate = true; ++i; }
  if (i < s.size() && s[i] == '0' && spec.align == 0) { spec.fill = '0'; spec.align = '='; ++i; }
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    spec.width = spec.width * 10 + static_cast<usize>(s[i] - '0');
    ++i;
  }
  if (i < s.size()) spec.type = s[i];
  return spec;
}

void pad(Sink& sink, char fill, usize n) {
  char buf[16];
  for (char& c : buf) c = fill;
  while (n > 0) {
    const usize k = n < sizeof buf ? n : sizeof buf;
    sink.write(Str(buf, k));
    n -= k;
  }
}

// Writes prefix+digits honouring width; '=' alignment pads between the two
// (zero padding after a sign or "0x").
void emit(Sink& sink, const Spec& spec, Str prefix, Str body, bool numeric) {
  const usize len = prefix.size() + body.size();
  const usize padding = spec.width > len ? spec.width - len : 0;
  const char align = spec.align ? spec.align : (numeric ? '>' : '<');
  if (align == '=') {
    sink.write(prefix);
    pad(sink, spec.fill, padding);
    sink.write(body);
    return;
  }
  if (align == '>') pad(sink, spec.fill, padding);
  sink.write(prefix);
  sink.write(body);
  if (align == '<') pad(sink, spec.fill, padding);
}

void emit_unsigned(Sink& sink, const Spec& spec, u64 value, bool negative) {
  unsigned base = 10;
  const char* digits = "0123456789abcdef";
  Str prefix = negative ? "-" : "";
  switch (spec.type) {
    case 'x': base = 16; if (spec.alternate) prefix = "0x"; break;
    case 'X': base = 16; digits = "0123456789ABCDEF"; if (spec.alternate) prefix = "0x"; break;
    case 'b': base = 2; if (spec.alternate) prefix = "0b"; break;
    default: break;
  }
  char buf[64];
  usize pos = sizeof buf;
  do {
    buf[--pos] = digits[value % base];
    value /= base;
  } while (value != 0);
  emit(sink, spec, prefix, Str(buf + pos, sizeof buf - pos), true);
}

void emit_arg(Sink& sink, const Spec& spec, const FormatArg& arg) {
  switch (arg.kind) {
    case FormatArg::Kind::sint:
      if (spec.type == 'c') { const char c = static_cast<char>(arg.s); emit(sink, spec, "", Str(&c, 1), false); return; }
      if (arg.s < 0 && spec.type != 'x' && spec.type != 'X' && spec.type != 'b')
        emit_unsigned(sink, spec, 0 - static_cast<u64>(arg.s), true);
      else
        emit_unsigned(sink, spec, static_cast<u64>(arg.s), false);
      return;
    case FormatArg::Kind::uint:
      if (spec.type == 'c') { const char c = static_cast<char>(arg.u); emit(sink, spec, "", Str(&c, 1), false); return; }
      emit_unsigned(sink, spec, arg.u, false);
      return;
    case FormatArg::Kind::boolean:
      emit(sink, spec, "", arg.b ? "true" : "false", false);
      return;
    case FormatArg::Kind::chr:
      emit(sink, spec, "", Str(&arg.c, 1), false);
      return;
    case FormatArg::Kind::str:
      emit(sink, spec, "", arg.str, false);
      return;
    case FormatArg::Kind::ptr: {
      Spec hex = spec;
      hex.type = 'x';
      hex.alternate = true;
      if (hex.width == 0) { hex.width = 18; hex.fill = '0'; hex.align = '='; }
      emit_unsigned(sink, hex, reinterpret_cast<uptr>(arg.p), false);
      return;
    }
    case FormatArg::Kind::none:
      sink.write("{?}");
      return;
  }
}

}  // namespace

void vformat(Sink& sink, Str fmt, const FormatArg* args, usize count) {
  usize next = 0;
  usize literal_start = 0;
  for (usize i = 0; i < fmt.size(); ++i) {
    const char c = fmt[i];
    if (c != '{' && c != '}') continue;
    sink.write(fmt.substr(literal_start, i - literal_start));
    if (i + 1 < fmt.size() && fmt[i + 1] == c) {  // "{{" or "}}"
      sink.write(Str(&fmt.data()[i], 1));
      literal_start = i + 2;
      ++i;
      continue;
    }
    if (c == '}') {  // a lone '}' is printed as is
      sink.write("}");
      literal_start = i + 1;
      continue;
    }
    const usize close = fmt.find('}', i + 1);
    if (close == Str::npos) {  // unterminated: print the rest literally
      literal_start = i;
      break;
    }
    Str inside = fmt.substr(i + 1, close - i - 1);
    Spec spec;
    if (!inside.empty() && inside[0] == ':') spec = parse_spec(inside.substr(1));
    if (next < count) emit_arg(sink, spec, args[next]);
    else sink.write("{?}");
    ++next;
    i = close;
    literal_start = close + 1;
  }
  sink.write(fmt.substr(literal_start));
}

}  // namespace nucleo
