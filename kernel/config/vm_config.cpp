// SPDX-License-Identifier: MIT
// Line-by-line parser of the VM configuration file (docs/config.md). Every
// key is known in advance, so the key decides how its value is parsed: a type
// error is reported where the value starts, an array error at the entry.
// Two kinds of section: [[vm]] and [[channel]], each with its own keys.
#include "kernel/config/vm_config.hpp"

#include "kernel/lib/format.hpp"
#include "vmx/ext/isa_table.hpp"

namespace nucleo {
namespace {

enum Key : u32 {
  k_name, k_cores, k_memory, k_kernel, k_modules, k_cmdline, k_kind, k_on_crash, k_devices, k_extensions, k_count
};
constexpr const char* kKeyNames[k_count] = {"name", "cores",    "memory",  "kernel",    "modules",
                                            "cmdline", "kind", "on_crash", "devices", "extensions"};
constexpr u32 kNeedLapic = vmx::ext::bit(vmx::ext::Id::vipi) | vmx::ext::bit(vmx::ext::Id::ipiv) |
                           vmx::ext::bit(vmx::ext::Id::pintr) | vmx::ext::bit(vmx::ext::Id::vhlt);
// The required keys are the first four, so kMissing is indexed by Key.
constexpr u32 kRequired = 4;
constexpr const char* kMissing[kRequired] = {"missing required key 'name'", "missing required key 'cores'",
                                             "missing required key 'memory'", "missing required key 'kernel'"};

enum ChannelKey : u32 { c_name, c_vms, c_size, c_count };
constexpr const char* kChannelKeyNames[c_count] = {"name", "vms", "size"};
constexpr u32 kChannelRequired = 2;
constexpr const char* kChannelMissing[kChannelRequired] = {"missing required key 'name'",
                                                           "missing required key 'vms'"};

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' || c == '-';
}

// One line without its end of line, and a cursor into it.
struct Line {
  Str text;
  usize pos;
  u32 number;
  bool at_end() const { return pos >= text.size(); }
  bool at_value_end() const { return at_end() || text[pos] == '#'; }
  char peek(usize ahead = 0) const { return pos + ahead < text.size() ? text[pos + ahead] : '\0'; }
  void skip(usize n = 0) {  // n characters, then blanks
    for (pos += n; pos < text.size() && (text[pos] == ' ' || text[pos] == '\t');) ++pos;
  }
};

// Names a TOML form this subset leaves out, so the message says what was
// recognised rather than only what was expected; nullptr when nothing matches.
const char* unsupported_value(const Line& l) {
  const char c = l.peek();
  if (c == '{') return "inline tables are not supported";
  if (c == '\'') return "literal strings ('...') are not supported: use \"...\"";
  if (c == '"' && l.peek(1) == '"' && l.peek(2) == '"') return "multi-line strings are not supported";
  if (c == 't' || c == 'f') return "booleans are not used by any key";
  if (c == 'i' || c == 'n') return "floats are not supported";
  if (is_digit(c) || c == '+' || c == '-') {
    for (usize i = l.pos; i < l.text.size(); ++i) {
      const char d = l.text[i];
      if (d == '.' || d == 'e' || d == 'E') return "floats are not supported";
      if (d == ':' || (d == '-' && i > l.pos)) return "dates and times are not supported";
      if (!is_digit(d) && d != '+' && d != '-' && d != '_') break;
    }
    if (c == '+' || c == '-') return "signed integers are not supported";
  }
  return nullptr;
}

class Parser {
 public:
  Parser(Span<char> scratch, u32 online, Config& out) : scratch_(scratch), online_(online), out_(out) {}
  void run(Str text) {
    u32 number = 0;
    for (usize pos = 0; pos < text.size();) {
      const usize newline = text.find('\n', pos), end = newline == Str::npos ? text.size() : newline;
      Str line = text.substr(pos, end - pos);
      if (!line.empty() && line[line.size() - 1] == '\r') line = line.substr(0, line.size() - 1);  // CRLF
      handle_line(Line{line, 0, ++number});
      pos = end + 1;
    }
    finish_section();
    check_across_vms();
    check_channels();
  }

 private:
  enum class State : u8 { outside, section, skip };
  enum class Section : u8 { vm, channel };
  static ConfigError at(const Line& l, usize pos, const char* what = "") {
    return ConfigError{l.number, static_cast<u32>(pos + 1), what};
  }
  bool fail(const Line& l, usize pos, const char* what) {
    err_ = at(l, pos, what);
    return false;
  }
  void file_error(const Line& l, usize pos, const char* what) {
    if (out_.file_ok) out_.file_error = at(l, pos, what);
    out_.file_ok = false;
    state_ = State::skip;
  }
  // Formats a message into the scratch arena (NUL-terminated, as `what` is a
  // C string); the static fallback keeps the error meaningful when it is full.
  template <typename... Args>
  const char* message(const char* fallback, Str fmt, const Args&... args) {
    const usize avail = scratch_.size() - used_;
    if (avail < 2) return fallback;
    BufferSink sink(scratch_.data() + used_, avail - 1);
    format(sink, fmt, args...);
    if (sink.dropped() != 0) return fallback;
    const char* text = scratch_.data() + used_;
    scratch_[used_ + sink.view().size()] = '\0';
    used_ += sink.view().size() + 1;
    return text;
  }
  void handle_line(Line l) {
    l.skip();
    if (l.at_value_end()) return;  // blank or comment
    if (l.peek() == '[') return handle_header(l);
    if (state_ == State::outside) return file_error(l, l.pos, "keys must be inside a [[vm]] or [[channel]] section");
    if (state_ == State::skip) return;
    if (!parse_key_value(l)) {
      (section_ == Section::vm ? vm_->error : channel_->error) = err_;
      state_ = State::skip;  // recover at the next header
    }
  }
  void handle_header(Line& l) {
    finish_section();
    const usize start = l.pos;
    constexpr const char* kOnlyTables = "only [[vm]] and [[channel]] tables are allowed";
    if (l.peek(1) != '[') return file_error(l, start, kOnlyTables);
    l.skip(2);
    const usize key = l.pos;
    while (is_key_char(l.peek())) ++l.pos;
    const Str name = l.text.substr(key, l.pos - key);
    if (name != Str("vm") && name != Str("channel")) return file_error(l, key, kOnlyTables);
    const bool vm = name == Str("vm");
    l.skip();
    if (l.peek() != ']' || l.peek(1) != ']')
      return file_error(l, l.pos, vm ? "expected ']]' to close [[vm]]" : "expected ']]' to close [[channel]]");
    l.skip(2);
    if (!l.at_value_end())
      return file_error(l, l.pos, vm ? "unexpected text after [[vm]]" : "unexpected text after [[channel]]");
    if (vm) return start_vm(l, start);
    start_channel(l, start);
  }
  void start_vm(const Line& l, usize column) {
    if (out_.vm_count == kMaxVms) {
      ++out_.vms_dropped;
      return file_error(l, column, "more than 16 [[vm]] sections: this one and later ones are ignored");
    }
    index_ = out_.vm_count++;
    vm_ = &out_.vms[index_];
    header_ = at(l, column);
    seen_ = 0;
    section_ = Section::vm;
    state_ = State::section;
  }
  void start_channel(const Line& l, usize column) {
    if (out_.channel_count == kMaxChannels) {
      ++out_.channels_dropped;
      return file_error(l, column, "more than 16 [[channel]] sections: this one and later ones are ignored");
    }
    index_ = out_.channel_count++;
    channel_ = &out_.channels[index_];
    header_ = at(l, column);
    seen_ = 0;
    section_ = Section::channel;
    state_ = State::section;
  }
  // Ends the current section: without an error so far, it is valid once
  // every required key was given.
  void finish_section() {
    if (state_ == State::section && section_ == Section::vm) {
      for (u32 k = 0; k < kRequired && vm_->error.line == 0; ++k)
        if ((seen_ & (u32{1} << k)) == 0) vm_->error = ConfigError{header_.line, header_.column, kMissing[k]};
      // IPIs and posted interrupts are between local APICs (docs/isa/).
      if (vm_->error.line == 0 && (vm_->extensions & kNeedLapic) && !vm_->has(Device::lapic))
        vm_->error = ConfigError{extensions_at_.line, extensions_at_.column,
                                 "extensions vipi, ipiv, pintr and vhlt need the \"lapic\" device"};
      // The I/O APIC's messages go to local APICs and nowhere else.
      if (vm_->error.line == 0 && vm_->has(Device::ioapic) && !vm_->has(Device::lapic))
        vm_->error = ConfigError{devices_at_.line, devices_at_.column, "device \"ioapic\" needs the \"lapic\" device"};
      vm_->valid = vm_->error.line == 0;
    } else if (state_ == State::section) {
      for (u32 k = 0; k < kChannelRequired && channel_->error.line == 0; ++k)
        if ((seen_ & (u32{1} << k)) == 0)
          channel_->error = ConfigError{header_.line, header_.column, kChannelMissing[k]};
      channel_->valid = channel_->error.line == 0;
    }
    state_ = State::skip;
  }
  bool parse_key_value(Line& l) {
    const usize key_pos = l.pos;
    while (is_key_char(l.peek())) ++l.pos;
    if (l.pos == key_pos)
      return fail(l, key_pos, l.peek() == '"' || l.peek() == '\'' ? "quoted keys are not supported" : "expected a key");
    if (l.peek() == '.') return fail(l, l.pos, "dotted keys are not supported");
    const bool vm = section_ == Section::vm;
    const u32 key_count = vm ? u32{k_count} : u32{c_count};
    const char* const* names = vm ? kKeyNames : kChannelKeyNames;
    u32 key = 0;
    while (key < key_count && l.text.substr(key_pos, l.pos - key_pos) != Str(names[key])) ++key;
    if (key == key_count)
      return fail(l, key_pos,
                  message("unknown key", "unknown key '{}' (a [[{}]] section has: {})",
                          l.text.substr(key_pos, min<usize>(l.pos - key_pos, 32)), vm ? "vm" : "channel",
                          vm ? "name, cores, memory, kernel, modules, cmdline, kind, on_crash, devices, extensions"
                             : "name, vms, size"));
    if ((seen_ & (u32{1} << key)) != 0) return fail(l, key_pos, "duplicate key");
    l.skip();
    if (l.peek() != '=') return fail(l, l.pos, "expected '=' after the key");
    l.skip(1);
    if (l.at_value_end()) return fail(l, l.pos, "expected a value");
    if (!(vm ? parse_value(l, static_cast<Key>(key)) : parse_channel_value(l, static_cast<ChannelKey>(key))))
      return false;
    l.skip();
    if (!l.at_value_end()) return fail(l, l.pos, "unexpected text after the value");
    seen_ |= u32{1} << key;
    return true;
  }
  bool wrong_type(const Line& l, const char* expected) {
    return fail(l, l.pos, unsupported_value(l) ? unsupported_value(l) : expected);
  }
  // A double-quoted string at l.pos. Without escapes it stays a view of the
  // input; with escapes it is decoded into the scratch arena.
  bool parse_string(Line& l, Str& out) {
    if (l.peek() != '"') return wrong_type(l, "expected a string");
    if (l.peek(1) == '"' && l.peek(2) == '"') return fail(l, l.pos, "multi-line strings are not supported");
    const usize open = l.pos;
    usize i = open + 1;
    bool escaped = false;
    for (;; ++i) {
      if (i >= l.text.size()) return fail(l, open, "unterminated string");
      const char c = l.text[i];
      if (c == '"') break;
      if (c == '\\') {
        const char e = i + 1 < l.text.size() ? l.text[i + 1] : '\0';
        if (e != '"' && e != '\\' && e != 'n' && e != 't')
          return fail(l, i, "unknown escape: only \\\" \\\\ \\n \\t are supported");
        escaped = true;
        ++i;
      } else if ((static_cast<u8>(c) < 0x20 && c != '\t') || c == 0x7f) {
        return fail(l, i, "control character in a string");
      }
    }
    l.pos = i + 1;
    const Str raw = l.text.substr(open + 1, i - open - 1);
    out = raw;
    if (!escaped) return true;
    if (scratch_.size() - used_ < raw.size()) return fail(l, open, "scratch arena too small for escaped strings");
    char* dst = scratch_.data() + used_;
    usize n = 0;
    for (usize j = 0; j < raw.size(); ++j) {
      const bool escape = raw[j] == '\\';
      const char c = raw[escape ? ++j : j];
      dst[n++] = !escape ? c : c == 'n' ? '\n' : c == 't' ? '\t' : c;
    }
    used_ += n;
    out = Str(dst, n);
    return true;
  }
  // A non-negative decimal integer, as TOML writes one (no leading zeros).
  bool parse_integer(Line& l, u64& out) {
    if (!is_digit(l.peek())) return wrong_type(l, "expected an integer");
    if (const char* unsupported = unsupported_value(l)) return fail(l, l.pos, unsupported);
    const usize start = l.pos;
    if (l.peek() == '0' && is_digit(l.peek(1))) return fail(l, start, "leading zeros are not allowed");
    u64 value = 0;
    for (; is_digit(l.peek()); ++l.pos) {
      const u64 digit = static_cast<u64>(l.peek() - '0');
      if (value > (UINT64_MAX - digit) / 10) return fail(l, start, "integer is too large");
      value = value * 10 + digit;
    }
    if (l.peek() == '_') return fail(l, l.pos, "underscores in integers are not supported");
    out = value;
    return true;
  }
  // A one-line array; on_entry(l) parses the entry at l.pos and stores it.
  template <typename F>
  bool parse_array(Line& l, const char* expected, F on_entry) {
    if (l.peek() != '[') return wrong_type(l, expected);
    for (++l.pos;; ++l.pos) {  // each turn ends on a ','
      l.skip();
      if (l.peek() == ']') break;  // empty array or trailing comma
      if (l.peek() == '[') return fail(l, l.pos, "nested arrays are not supported");
      if (l.at_value_end()) return fail(l, l.pos, "unterminated array (arrays must be on one line)");
      if (!on_entry(l)) return false;
      l.skip();
      if (l.peek() == ']') break;
      if (l.at_value_end()) return fail(l, l.pos, "unterminated array (arrays must be on one line)");
      if (l.peek() != ',') return fail(l, l.pos, "expected ',' or ']'");
    }
    ++l.pos;
    return true;
  }
  // A VM or channel name: 1..31 characters of A-Z a-z 0-9 _ -.
  bool parse_name(Line& l, Str& s) {
    const usize start = l.pos;
    if (!parse_string(l, s)) return false;
    if (s.empty()) return fail(l, start, "name is empty");
    if (s.size() > kMaxVmNameLength) return fail(l, start, "name is longer than 31 characters");
    for (char c : s)
      if (!is_key_char(c)) return fail(l, start, "name may only contain A-Z a-z 0-9 _ -");
    return true;
  }
  bool parse_channel_value(Line& l, ChannelKey key) {
    const usize start = l.pos;
    Str s;
    switch (key) {
      case c_name:
        if (!parse_name(l, channel_->name)) return false;
        channel_name_pos_[index_] = at(l, start);
        return true;
      case c_vms:
        if (!parse_array(l, "expected an array of strings", [&](Line& line) { return channel_vm_entry(line); }))
          return false;
        if (channel_->vm_name_count != 2) return fail(l, start, "vms must name exactly two VMs");
        return true;
      case c_size: {
        if (!parse_string(l, s)) return false;
        u64 bytes = 0;
        if (const char* e = parse_size(s, "size must be an integer with an optional K, M or G suffix",
                                       "size is too large", bytes))
          return fail(l, start, e);
        if (bytes < kMinChannelSize) return fail(l, start, "size must be at least 4 KiB");
        if (bytes > kMaxChannelSize) return fail(l, start, "size must be at most 2 MiB");
        if (!is_aligned(bytes, kPageSize)) return fail(l, start, "size must be a multiple of 4 KiB");
        channel_->size_bytes = bytes;
        return true;
      }
      case c_count:
        break;
    }
    return fail(l, start, "unknown key");
  }
  bool channel_vm_entry(Line& l) {
    const usize pos = l.pos;
    Str s;
    if (!parse_string(l, s)) return false;
    if (s.empty()) return fail(l, pos, "VM name is empty");
    if (channel_->vm_name_count == 2) return fail(l, pos, "vms must name exactly two VMs");
    if (channel_->vm_name_count == 1 && channel_->vm_names[0] == s)
      return fail(l, pos, "a channel joins two different VMs");
    channel_vm_pos_[index_][channel_->vm_name_count] = at(l, pos);
    channel_->vm_names[channel_->vm_name_count++] = s;
    return true;
  }
  bool parse_value(Line& l, Key key) {
    const usize start = l.pos;
    Str s;
    switch (key) {
      case k_name:
        if (!parse_name(l, s)) return false;
        vm_->name = s;
        name_pos_[index_] = at(l, start);
        return true;
      case k_cores:
        if (!parse_array(l, "expected an array of integers", [&](Line& line) { return core_entry(line); }))
          return false;
        if (vm_->core_count == 0) return fail(l, start, "cores is empty: a VM needs at least one core");
        cores_pos_[index_] = at(l, start);
        return true;
      case k_memory:
        return parse_string(l, s) && parse_memory(l, start, s);
      case k_kernel:
        if (!parse_string(l, s)) return false;
        if (s.empty()) return fail(l, start, "kernel is empty");
        vm_->kernel = s;
        return true;
      case k_modules:
        return parse_array(l, "expected an array of strings", [&](Line& line) {
          const usize entry = line.pos;
          Str m;
          if (!parse_string(line, m)) return false;
          if (m.empty()) return fail(line, entry, "module name is empty");
          if (vm_->module_count == kMaxVmModules) return fail(line, entry, "too many modules (at most 8)");
          vm_->modules[vm_->module_count++] = m;
          return true;
        });
      case k_cmdline:
        return parse_string(l, vm_->cmdline);
      case k_kind:
        if (!parse_string(l, s)) return false;
        if (s != Str("unmodified") && s != Str("paravirtual"))
          return fail(l, start, "kind must be \"unmodified\" or \"paravirtual\"");
        vm_->kind = s == Str("paravirtual") ? VmConfig::Kind::paravirtual : VmConfig::Kind::unmodified;
        return true;
      case k_on_crash:
        if (!parse_string(l, s)) return false;
        if (s != Str("stop") && s != Str("restart")) return fail(l, start, "on_crash must be \"stop\" or \"restart\"");
        vm_->on_crash = s == Str("restart") ? VmConfig::OnCrash::restart : VmConfig::OnCrash::stop;
        return true;
      case k_devices:
        devices_at_ = at(l, start);
        return parse_array(l, "expected an array of strings", [&](Line& line) { return device_entry(line); });
      case k_extensions:
        extensions_at_ = at(l, start);
        return parse_array(l, "expected an array of strings", [&](Line& line) { return extension_entry(line); });
      case k_count:
        break;
    }
    return fail(l, start, "unknown key");
  }
  bool core_entry(Line& l) {
    const usize pos = l.pos;
    u64 core = 0;
    if (!parse_integer(l, core)) return false;
    if (vm_->core_count == kMaxVmCores) return fail(l, pos, "too many cores (at most 64)");
    if (core >= online_)
      return fail(l, pos,
                  message("core does not exist on this machine",
                          "core {} does not exist: the machine has {} cores online", core, online_));
    if (core >= kMaxCpus) return fail(l, pos, "core index is beyond the supported maximum");
    const u32 c = static_cast<u32>(core);
    if (vm_->cores.contains(c)) return fail(l, pos, "core listed twice");
    vm_->cores.add(c);
    vm_->core_list[vm_->core_count++] = c;
    return true;
  }
  bool device_entry(Line& l) {
    const usize pos = l.pos;
    Str s;
    if (!parse_string(l, s)) return false;
    for (u32 d = 0; d < static_cast<u32>(Device::count); ++d) {
      if (s != Str(device_name(static_cast<Device>(d)))) continue;
      if ((vm_->devices & (u32{1} << d)) != 0) return fail(l, pos, "device listed twice");
      vm_->devices |= u32{1} << d;
      return true;
    }
    return fail(l, pos, "unknown device (known: uart, debug-exit, fw_cfg, pit, pic, rtc, pci, acpi, lapic, ioapic, reset)");
  }
  bool extension_entry(Line& l) {
    const usize pos = l.pos;
    Str s;
    if (!parse_string(l, s)) return false;
    const vmx::ext::Proposal* p = vmx::ext::by_name(s);
    if (!p)
      return fail(l, pos,
                  message("unknown extension", "unknown extension (known: {})", vmx::ext::all_names()));
    // A root-mode instruction is the hypervisor's (docs/isa-lab.md): no VM enables it.
    if (!vmx::ext::per_vm(p->kind)) return fail(l, pos, "a root-mode instruction is the hypervisor's, not a VM's extension");
    if ((vm_->extensions & vmx::ext::bit(p->id)) != 0) return fail(l, pos, "extension listed twice");
    vm_->extensions |= vmx::ext::bit(p->id);
    return true;
  }
  // "<digits>[K|M|G]": bytes, KiB, MiB or GiB; nullptr, or the message.
  static const char* parse_size(Str s, const char* format_error, const char* too_large, u64& out) {
    const char last = s.empty() ? '\0' : s[s.size() - 1];
    const u64 unit = last == 'K' ? KiB : last == 'M' ? MiB : last == 'G' ? GiB : 1;
    if (unit != 1) s = s.substr(0, s.size() - 1);
    if (s.empty()) return format_error;
    u64 value = 0;
    for (char c : s) {
      if (!is_digit(c)) return format_error;
      if (value > (UINT64_MAX - 9) / 10) return too_large;
      value = value * 10 + static_cast<u64>(c - '0');
    }
    if (value > UINT64_MAX / unit) return too_large;
    out = value * unit;
    return nullptr;
  }
  bool parse_memory(const Line& l, usize pos, Str s) {
    u64 value = 0;
    if (const char* e = parse_size(s, "memory must be an integer with an optional K, M or G suffix",
                                   "memory is too large", value))
      return fail(l, pos, e);
    if (value < kMinVmMemory) return fail(l, pos, "memory must be at least 1 MiB");
    if (value > kMaxVmMemory)
      return fail(l, pos,
                  "memory must be at most 3584M: a VM's RAM starts at guest-physical 0 and must end below the "
                  "PCI hole at 3.5 GiB (0xE0000000)");
    if (!is_aligned(value, kPageSize)) return fail(l, pos, "memory must be a multiple of 4 KiB");
    vm_->memory_bytes = value;
    return true;
  }
  // A later VM reusing the name of an earlier valid one is invalid. Then a
  // core given to two valid VMs invalidates both; validity is read from a
  // snapshot, so the outcome does not depend on the order of the VMs.
  void check_across_vms() {
    bool was_valid[kMaxVms] = {};
    for (u32 j = 0; j < out_.vm_count; ++j) {
      VmConfig& later = out_.vms[j];
      for (u32 i = 0; i < j && later.valid; ++i) {
        if (!out_.vms[i].valid || out_.vms[i].name != later.name) continue;
        later.valid = false;
        later.error = ConfigError{name_pos_[j].line, name_pos_[j].column, "an earlier VM already has this name"};
      }
      was_valid[j] = later.valid;
    }
    for (u32 i = 0; i < out_.vm_count; ++i) {
      VmConfig& vm = out_.vms[i];
      for (u32 k = 0; k < vm.core_count && was_valid[i] && vm.valid; ++k) {
        for (u32 j = 0; j < out_.vm_count && vm.valid; ++j) {
          if (j == i || !was_valid[j] || !out_.vms[j].cores.contains(vm.core_list[k])) continue;
          vm.valid = false;
          vm.error = ConfigError{cores_pos_[i].line, cores_pos_[i].column,
                                 message("a core is also given to another VM", "core {} is also given to VM '{}'",
                                         vm.core_list[k], out_.vms[j].name)};
        }
      }
    }
  }
  // A channel must join two VMs that are valid after check_across_vms; a
  // later channel reusing the name of an earlier valid one is dropped.
  void check_channels() {
    for (u32 i = 0; i < out_.channel_count; ++i) {
      ChannelConfig& ch = out_.channels[i];
      for (u32 side = 0; side < 2 && ch.valid; ++side) {
        const Str wanted = ch.vm_names[side];
        u32 vm = 0;
        while (vm < out_.vm_count && out_.vms[vm].name != wanted) ++vm;
        // An invalid VM may share its name with a valid one: prefer the valid.
        for (u32 j = vm; j < out_.vm_count; ++j)
          if (out_.vms[j].valid && out_.vms[j].name == wanted) vm = j;
        const ConfigError& pos = channel_vm_pos_[i][side];
        if (vm == out_.vm_count) {
          ch.valid = false;
          ch.error = ConfigError{pos.line, pos.column,
                                 message("no VM of that name", "no VM named '{}'", wanted)};
        } else if (!out_.vms[vm].valid) {
          ch.valid = false;
          ch.error = ConfigError{pos.line, pos.column,
                                 message("that VM is not valid", "VM '{}' is not valid", wanted)};
        } else {
          ch.vms[side] = vm;
        }
      }
      for (u32 j = 0; j < i && ch.valid; ++j) {
        if (!out_.channels[j].valid || out_.channels[j].name != ch.name) continue;
        ch.valid = false;
        ch.error = ConfigError{channel_name_pos_[i].line, channel_name_pos_[i].column,
                               "an earlier channel already has this name"};
      }
    }
  }
  Span<char> scratch_;
  usize used_ = 0;
  u32 online_;
  Config& out_;
  State state_ = State::outside;
  Section section_ = Section::vm;
  VmConfig* vm_ = nullptr;
  ChannelConfig* channel_ = nullptr;
  u32 index_ = 0;
  u32 seen_ = 0;        // bit per Key (or ChannelKey) given in the current section
  ConfigError header_;  // where the current section starts
  ConfigError extensions_at_;  // where its extensions key is
  ConfigError devices_at_;     // where its devices key is
  ConfigError err_;
  ConfigError name_pos_[kMaxVms];  // where each VM's name and cores are, for the checks across VMs
  ConfigError cores_pos_[kMaxVms];
  ConfigError channel_name_pos_[kMaxChannels];
  ConfigError channel_vm_pos_[kMaxChannels][2];
};

}  // namespace

void parse_config(Str text, Span<char> scratch, u32 online_cores, Config& out) {
  for (VmConfig& vm : out.vms) vm = VmConfig{};
  for (ChannelConfig& channel : out.channels) channel = ChannelConfig{};
  out.vm_count = out.vms_dropped = 0;
  out.channel_count = out.channels_dropped = 0;
  out.file_error = ConfigError{};
  out.file_ok = true;
  Parser(scratch, online_cores, out).run(text);
}

}  // namespace nucleo
