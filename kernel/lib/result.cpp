// SPDX-License-Identifier: MIT
#include "kernel/lib/result.hpp"

namespace nucleo {

const char* status_name(Status s) {
  switch (s) {
    case Status::ok: return "ok";
    case Status::invalid_argument: return "invalid argument";
    case Status::malformed: return "malformed";
    case Status::truncated: return "truncated";
    case Status::not_found: return "not found";
    case Status::unsupported: return "unsupported";
    case Status::out_of_memory: return "out of memory";
    case Status::already_exists: return "already exists";
  }
  return "unknown status";
}

}  // namespace nucleo
