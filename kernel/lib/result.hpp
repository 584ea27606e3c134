// SPDX-License-Identifier: MIT
// One error vocabulary for the whole hypervisor: a Status code plus a static
// message that names the problem, and Result<T> = a value or that error.
// No exceptions exist in the kernel; callers must look at every Result.
#pragma once

#include "kernel/lib/types.hpp"

namespace nucleo {

enum class Status : u8 {
  ok,
  invalid_argument,
  malformed,        // input violates its specification (boot info, tables)
  truncated,        // input ends before a structure it declares
  not_found,
  unsupported,
  out_of_memory,
  already_exists,
};

const char* status_name(Status s);

struct [[nodiscard]] Error {
  constexpr bool ok() const { return status == Status::ok; }
  Status status = Status::ok;
  const char* what = "";  // static text naming the problem
  u64 offset = 0;         // where in the input, when that means something
};

template <typename T>
class [[nodiscard]] Result {
 public:
  constexpr Result(const T& value) : value_(value), ok_(true) {}  // NOLINT: implicit by design
  constexpr Result(Error error) : error_(error), ok_(false) {}     // NOLINT

  constexpr bool ok() const { return ok_; }
  constexpr explicit operator bool() const { return ok_; }
  constexpr const T& value() const { return value_; }
  constexpr T& value() { return value_; }
  constexpr const T* operator->() const { return &value_; }
  constexpr const Error& error() const { return error_; }

 private:
  T value_{};
  Error error_{};
  bool ok_;
};

constexpr Error make_error(Status s, const char* what, u64 offset = 0) {
  return Error{s, what, offset};
}

// Returns the Error of `expr` from the enclosing function unless it is ok.
#define NUCLEO_TRY(expr)          \
  do {                            \
    const ::nucleo::Error e_ = (expr); \
    if (!e_.ok()) return e_;      \
  } while (0)

}  // namespace nucleo
