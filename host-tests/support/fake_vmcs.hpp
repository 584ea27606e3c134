// SPDX-License-Identifier: MIT
// A map-backed VmcsAccess for host tests: fields never written read 0, each
// read returns the field truncated to its width, writes can be made to fail
// per field, and every write is recorded in order.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "vmx/core/vmcs_access.hpp"

namespace nucleo::vmx::fake {

class FakeVmcs final : public VmcsAccess {
 public:
  struct Write {
    u32 encoding;
    u64 value;
    bool operator==(const Write&) const = default;
  };

  u16 read(Vmcs16 f) override { return static_cast<u16>(get(code(f))); }
  u32 read(Vmcs32 f) override { return static_cast<u32>(get(code(f))); }
  u64 read(Vmcs64 f) override { return get(code(f)); }
  u64 read(VmcsNat f) override { return get(code(f)); }
  Error write(Vmcs16 f, u16 v) override { return put(code(f), v); }
  Error write(Vmcs32 f, u32 v) override { return put(code(f), v); }
  Error write(Vmcs64 f, u64 v) override { return put(code(f), v); }
  Error write(VmcsNat f, u64 v) override { return put(code(f), v); }

  // Test set-up: store a value without recording a write or failing.
  void set(Vmcs16 f, u16 v) { fields_[code(f)] = v; }
  void set(Vmcs32 f, u32 v) { fields_[code(f)] = v; }
  void set(Vmcs64 f, u64 v) { fields_[code(f)] = v; }
  void set(VmcsNat f, u64 v) { fields_[code(f)] = v; }

  // Inspection.
  u64 get(u32 encoding) const {
    const auto it = fields_.find(encoding);
    return it == fields_.end() ? 0 : it->second;
  }
  template <typename Field>
  bool has(Field f) const {
    return fields_.count(code(f)) != 0;
  }
  const std::vector<Write>& writes() const { return writes_; }
  std::vector<u32> write_order() const {
    std::vector<u32> order;
    for (const Write& w : writes_) order.push_back(w.encoding);
    return order;
  }
  void clear_writes() { writes_.clear(); }

  // Failure injection: writes to these fields fail (and change nothing).
  template <typename Field>
  void fail_writes_to(Field f) {
    failing_.insert(code(f));
  }
  u64 failed_writes() const { return failed_writes_; }

  template <typename Field>
  static constexpr u32 code(Field f) {
    return static_cast<u32>(f);
  }

 private:
  Error put(u32 encoding, u64 value) {
    if (failing_.count(encoding) != 0) {
      ++failed_writes_;
      return make_error(Status::unsupported, "VMWRITE failed (injected by FakeVmcs)", encoding);
    }
    fields_[encoding] = value;
    writes_.push_back({encoding, value});
    return {};
  }

  std::map<u32, u64> fields_;
  std::set<u32> failing_;
  std::vector<Write> writes_;
  u64 failed_writes_ = 0;
};

}  // namespace nucleo::vmx::fake
