// SPDX-License-Identifier: MIT
// Writes one flat JSON object ({"key":value,...}) to a Sink: the machine-
// readable result line that tools parse. Strings are escaped per RFC 8259.
#pragma once

#include "kernel/lib/format.hpp"

namespace nucleo {

class JsonObjectWriter {
 public:
  explicit JsonObjectWriter(Sink& out) : out_(out) { out_.write("{"); }
  void field(Str key, Str value);
  void field(Str key, u64 value);
  void field(Str key, bool value);
  // A value that is already JSON (a nested object built by another writer).
  void raw_field(Str key, Str json);
  void close() { out_.write("}"); }

 private:
  void key(Str k);
  void string(Str s);
  Sink& out_;
  bool first_ = true;
};

}  // namespace nucleo
