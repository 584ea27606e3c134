// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include "host-tests/support/acpi_builder.hpp"
#include "kernel/acpi/tables.hpp"

namespace nucleo::acpi {
namespace {

using test::ByteVec;

// HPET body after the header (IA-PC HPET 1.0a, table 3): event timer block
// ID, base address (generic address structure), number, minimum tick.
ByteVec hpet(u8 space, u64 address) {
  ByteVec body(20, 0);
  test::put_le(body, 0, 0x8086A201, 4);
  body[4] = space;
  test::put_le(body, 8, address, 8);
  body[16] = 0;
  test::put_le(body, 17, 128, 2);
  return test::sdt("HPET", body);
}

TEST(Hpet, MemoryMappedBlock) {
  const ByteVec t = hpet(0, 0xFED00000);
  const Result<Hpet> h = parse_hpet(Bytes(t.data(), t.size()));
  ASSERT_TRUE(h.ok()) << h.error().what;
  EXPECT_EQ(h->address, 0xFED00000u);
  EXPECT_EQ(h->min_tick, 128);
}

TEST(Hpet, RefusesIoSpaceZeroAddressAndShortTables) {
  const ByteVec io = hpet(1, 0xFED00000);
  EXPECT_EQ(parse_hpet(Bytes(io.data(), io.size())).error().status, Status::unsupported);
  const ByteVec zero = hpet(0, 0);
  EXPECT_EQ(parse_hpet(Bytes(zero.data(), zero.size())).error().status, Status::malformed);
  ByteVec shorter = hpet(0, 0xFED00000);
  shorter.resize(50);
  EXPECT_EQ(parse_hpet(Bytes(shorter.data(), shorter.size())).error().status, Status::truncated);
}

}  // namespace
}  // namespace nucleo::acpi
