// SPDX-License-Identifier: MIT
// SDM Vol. 3C 27.3.1.2 (segment registers: selectors, bases, limits, access
// rights of CS, SS, DS, ES, FS, GS, TR and LDTR), one rule per row.
// Each row starts from a valid guest state (guest_states.hpp), breaks one
// rule and expects the checker to name that field, that rule and the section.
#include <gtest/gtest.h>

#include "host-tests/vmx/guest_states.hpp"

namespace nucleo::vmx {
namespace {

using namespace guest_states;
using Nat = VmcsNat;
using V32 = Vmcs32;
using V64 = Vmcs64;

constexpr const char* k2 = "27.3.1.2";

const Broken kRows[] = {
    // 27.3.1.2: selectors, bases, limits.
    {"TR TI set", kLong, [](Guest& s) { s.sel(TR, 0x1C); }, "GUEST_TR_SELECTOR", "TI flag", k2},
    {"usable LDTR TI set", kReal, [](Guest& s) { s.sel(LDTR, 0x4); }, "GUEST_LDTR_SELECTOR", "TI flag", k2},
    {"SS RPL differs from CS RPL", kLong, [](Guest& s) { s.sel(SS, 0x13); }, "GUEST_SS_SELECTOR",
     "SS RPL must equal CS RPL", k2},
    {"virtual-8086 CS base", kV86, [](Guest& s) { s.base(CS, 0x12341); }, "GUEST_CS_BASE", "selector << 4", k2},
    {"virtual-8086 GS base", kV86, [](Guest& s) { s.base(GS, 0); }, "GUEST_GS_BASE", "selector << 4", k2},
    {"TR base non-canonical", kLong, [](Guest& s) { s.base(TR, kNonCanonical); }, "GUEST_TR_BASE", "canonical", k2},
    {"unusable FS base non-canonical", kLong, [](Guest& s) { s.base(FS, kNonCanonical); }, "GUEST_FS_BASE", "canonical",
     k2},
    {"usable LDTR base non-canonical", kReal, [](Guest& s) { s.base(LDTR, kNonCanonical); }, "GUEST_LDTR_BASE",
     "canonical", k2},
    {"CS base above 4 GiB", kLong, [](Guest& s) { s.base(CS, u64{1} << 32); }, "GUEST_CS_BASE", "bits 63:32", k2},
    {"usable DS base above 4 GiB", kLong, [](Guest& s) { s.base(DS, u64{1} << 32); }, "GUEST_DS_BASE", "bits 63:32",
     k2},
    {"virtual-8086 SS limit", kV86, [](Guest& s) { s.limit(SS, 0xFFFFF); }, "GUEST_SS_LIMIT", "0xFFFF", k2},

    // 27.3.1.2: access rights of CS, SS, DS, ES, FS, GS.
    {"virtual-8086 FS access rights", kV86, [](Guest& s) { s.ar(FS, 0xF2); }, "GUEST_FS_ACCESS_RIGHTS", "0xF3", k2},
    {"CS data type without unrestricted guest", kLong, [](Guest& s) { s.ar(CS, 0xA093); }, "GUEST_CS_ACCESS_RIGHTS",
     "CS type must be 9, 11, 13 or 15", k2},
    {"CS code not accessed", kLong, [](Guest& s) { s.ar(CS, 0xA09A); }, "GUEST_CS_ACCESS_RIGHTS",
     "CS type must be 9, 11, 13 or 15", k2},
    {"CS type 1 with unrestricted guest", kReal, [](Guest& s) { s.ar(CS, 0x91); }, "GUEST_CS_ACCESS_RIGHTS",
     "CS type must be 3, 9, 11, 13 or 15", k2},
    {"SS read-only data", kLong, [](Guest& s) { s.ar(SS, 0xC091); }, "GUEST_SS_ACCESS_RIGHTS", "SS type must be 3 or 7",
     k2},
    {"SS code", kLong, [](Guest& s) { s.ar(SS, 0xC09B); }, "GUEST_SS_ACCESS_RIGHTS", "SS type must be 3 or 7", k2},
    {"DS not accessed", kLong, [](Guest& s) { s.ar(DS, 0xC092); }, "GUEST_DS_ACCESS_RIGHTS", "accessed", k2},
    {"ES execute-only code", kLong, [](Guest& s) { s.ar(ES, 0xC099); }, "GUEST_ES_ACCESS_RIGHTS", "readable", k2},
    {"usable FS with S = 0", kLong, [](Guest& s) { s.seg(FS, 0, 0, 0xFFFFFFFF, 0xC083); }, "GUEST_FS_ACCESS_RIGHTS",
     "S must be 1", k2},
    {"CS with S = 0", kLong, [](Guest& s) { s.ar(CS, 0xA08B); }, "GUEST_CS_ACCESS_RIGHTS", "S must be 1", k2},
    {"CS DPL differs from SS DPL", kLong, [](Guest& s) { s.ar(CS, 0xA0FB); }, "GUEST_CS_ACCESS_RIGHTS",
     "CS DPL must equal SS DPL", k2},
    {"conforming CS DPL above SS DPL", kLong, [](Guest& s) { s.ar(CS, 0xA0FF); }, "GUEST_CS_ACCESS_RIGHTS",
     "must not exceed SS DPL", k2},
    {"CS type 3 with DPL 3 (unrestricted)", kReal, [](Guest& s) { s.ar(CS, 0xF3); }, "GUEST_CS_ACCESS_RIGHTS",
     "CS DPL must be 0 when CS type is 3", k2},
    {"SS DPL differs from SS RPL", kLong,
     [](Guest& s) {
       s.seg(CS, 0x0B, 0, 0xFFFFFFFF, 0xA09F);
       s.seg(SS, 0x13, 0, 0xFFFFFFFF, 0xC0D3);
     },
     "GUEST_SS_ACCESS_RIGHTS", "SS DPL must equal the SS selector RPL", k2},
    {"SS DPL 3 in real mode", kReal,
     [](Guest& s) {
       s.ar(CS, 0x9F);
       s.ar(SS, 0xF3);
     },
     "GUEST_SS_ACCESS_RIGHTS", "SS DPL must be 0", k2},
    {"SS DPL 3 with CS type 3", kReal,
     [](Guest& s) {
       s.toggle(Nat::guest_cr0, 1);
       s.ar(CS, 0x93);
       s.ar(SS, 0xF3);
     },
     "GUEST_SS_ACCESS_RIGHTS", "SS DPL must be 0", k2},
    {"DS DPL below its RPL", kLong, [](Guest& s) { s.sel(DS, 0x13); }, "GUEST_DS_ACCESS_RIGHTS",
     "must not be below the selector RPL", k2},
    {"CS not present", kLong, [](Guest& s) { s.ar(CS, 0xA01B); }, "GUEST_CS_ACCESS_RIGHTS", "present", k2},
    {"usable GS not present", kLong, [](Guest& s) { s.seg(GS, 0, 0, 0xFFFFFFFF, 0xC013); }, "GUEST_GS_ACCESS_RIGHTS",
     "present", k2},
    {"CS reserved bit 8", kLong, [](Guest& s) { s.ar(CS, 0xA19B); }, "GUEST_CS_ACCESS_RIGHTS", "reserved bits 11:8",
     k2},
    {"CS L and D/B in IA-32e mode", kLong, [](Guest& s) { s.ar(CS, 0xE09B); }, "GUEST_CS_ACCESS_RIGHTS",
     "CS D/B must be 0", k2},
    {"CS G with limit bits 11:0 clear", kLong, [](Guest& s) { s.limit(CS, 0xFFFFF000); }, "GUEST_CS_ACCESS_RIGHTS",
     "G must be 0", k2},
    {"DS 4 GiB limit without G", kLong, [](Guest& s) { s.ar(DS, 0x4093); }, "GUEST_DS_ACCESS_RIGHTS", "G must be 1",
     k2},
    {"ES reserved bit 17", kLong, [](Guest& s) { s.ar(ES, 0x2C093); }, "GUEST_ES_ACCESS_RIGHTS", "reserved bits 31:17",
     k2},

    // 27.3.1.2: TR and LDTR.
    {"TR 16-bit TSS in IA-32e mode", kLong, [](Guest& s) { s.ar(TR, 0x83); }, "GUEST_TR_ACCESS_RIGHTS",
     "TR type must be 11", k2},
    {"TR available TSS", kReal, [](Guest& s) { s.ar(TR, 0x89); }, "GUEST_TR_ACCESS_RIGHTS", "TR type must be 3 or 11",
     k2},
    {"TR with S = 1", kLong, [](Guest& s) { s.ar(TR, 0x9B); }, "GUEST_TR_ACCESS_RIGHTS", "TR S must be 0", k2},
    {"TR not present", kLong, [](Guest& s) { s.ar(TR, 0x0B); }, "GUEST_TR_ACCESS_RIGHTS", "TR must be present", k2},
    {"TR reserved bit 8", kLong, [](Guest& s) { s.ar(TR, 0x18B); }, "GUEST_TR_ACCESS_RIGHTS", "TR reserved bits 11:8",
     k2},
    {"TR G with limit 0x67", kLong, [](Guest& s) { s.ar(TR, 0x808B); }, "GUEST_TR_ACCESS_RIGHTS", "G must be 0", k2},
    {"TR unusable", kLong, [](Guest& s) { s.ar(TR, 0x1008B); }, "GUEST_TR_ACCESS_RIGHTS", "TR must be usable", k2},
    {"TR reserved bit 17", kLong, [](Guest& s) { s.ar(TR, 0x2008B); }, "GUEST_TR_ACCESS_RIGHTS",
     "TR reserved bits 31:17", k2},
    {"LDTR type 3", kReal, [](Guest& s) { s.ar(LDTR, 0x83); }, "GUEST_LDTR_ACCESS_RIGHTS", "LDTR type must be 2", k2},
    {"LDTR with S = 1", kReal, [](Guest& s) { s.ar(LDTR, 0x92); }, "GUEST_LDTR_ACCESS_RIGHTS", "LDTR S must be 0", k2},
    {"LDTR not present", kReal, [](Guest& s) { s.ar(LDTR, 0x02); }, "GUEST_LDTR_ACCESS_RIGHTS", "LDTR must be present",
     k2},
    {"LDTR reserved bit 9", kReal, [](Guest& s) { s.ar(LDTR, 0x282); }, "GUEST_LDTR_ACCESS_RIGHTS",
     "LDTR reserved bits 11:8", k2},
    {"LDTR 1 MiB limit without G", kReal, [](Guest& s) { s.limit(LDTR, 0x100000); }, "GUEST_LDTR_ACCESS_RIGHTS",
     "G must be 1", k2},
    {"LDTR reserved bit 18", kReal, [](Guest& s) { s.ar(LDTR, 0x40082); }, "GUEST_LDTR_ACCESS_RIGHTS",
     "LDTR reserved bits 31:17", k2},
};

TEST(GuestStateRules, GivenOneBrokenSegmentRuleWhenCheckedThenThatFieldAndRuleNamed) { expect_each_rule_named(kRows); }

}  // namespace
}  // namespace nucleo::vmx
