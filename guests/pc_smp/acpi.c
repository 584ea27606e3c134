/* SPDX-License-Identifier: MIT */
/* ACPI (spec 6.5, 5.2): the RSDP found the BIOS way (5.2.5.1: the first KiB
 * of the EBDA, then 0xE0000-0xFFFFF, on 16-byte boundaries), the RSDT or
 * XSDT walked with every table's checksum verified, and the MADT (5.2.12):
 * the enabled processors and their APIC IDs. Paging is off, so only tables
 * below 4 GiB can be read; anything malformed is a FAIL, never a fault. */
#include "pc.h"

enum { HEADER = 36, MAX_TABLE = 1u << 20, MAX_LISTED = 16 };

struct __attribute__((packed)) rsdp {
  char signature[8];
  u8 checksum;
  char oem[6];
  u8 revision;
  u32 rsdt;
  u32 length;
  u64 xsdt;
  u8 ext_checksum, reserved[3];
};

struct __attribute__((packed)) sdt_header {
  char signature[4];
  u32 length;
  u8 revision, checksum;
  char oem[6], oem_table[8];
  u32 oem_revision, creator, creator_revision;
};

static const struct rsdp* scan(u32 start, u32 end) {
  for (u32 p = start; p + 20 <= end; p += 16) {
    const struct rsdp* r = (const struct rsdp*)p;
    if (mem_eq(r->signature, "RSD PTR ", 8) && checksum8(r, 20) == 0) return r;
  }
  return NULL;
}

static const struct rsdp* find_rsdp(void) {
  u32 ebda = (u32)*(const volatile u16*)0x40E << 4; /* BDA word 0x40E: EBDA segment */
  const struct rsdp* r = NULL;
  if (ebda >= 0x80000 && ebda < 0xA0000) r = scan(ebda, ebda + 1024);
  return r ? r : scan(0xE0000, 0x100000);
}

/* A table header that can be read and whose bytes sum to zero. */
static const struct sdt_header* table_at(u64 addr, const char** why) {
  if (addr == 0 || addr >= 0x100000000ull - HEADER) {
    *why = "outside the low 4 GiB";
    return NULL;
  }
  const struct sdt_header* t = (const struct sdt_header*)(u32)addr;
  if (t->length < HEADER || t->length > MAX_TABLE || addr + t->length > 0x100000000ull) {
    *why = "with a bad length";
    return NULL;
  }
  if (checksum8(t, t->length) != 0) {
    *why = "with a bad checksum";
    return NULL;
  }
  return t;
}

void check_acpi(void) {
  const struct rsdp* r = find_rsdp();
  if (!r) {
    check_fail(CHECK_ACPI, "no RSDP in the EBDA or 0xE0000-0xFFFFF");
    return;
  }
  bool use_xsdt = r->revision >= 2 && r->xsdt != 0;
  if (use_xsdt && (r->length < sizeof *r || r->length > 4096 || checksum8(r, r->length) != 0)) {
    check_fail(CHECK_ACPI, "RSDP revision %u at %x has a bad extended checksum", r->revision, (u32)r);
    return;
  }
  u64 root_addr = use_xsdt ? r->xsdt : r->rsdt;
  const char* why = "";
  const struct sdt_header* root = table_at(root_addr, &why);
  if (!root || !mem_eq(root->signature, use_xsdt ? "XSDT" : "RSDT", 4)) {
    check_fail(CHECK_ACPI, "%s at %X %s", use_xsdt ? "XSDT" : "RSDT", root_addr, root ? "has a wrong signature" : why);
    return;
  }
  u32 width = use_xsdt ? 8 : 4;
  u32 count = (root->length - HEADER) / width;
  char listed[MAX_LISTED * 5 + 1];
  u32 len = 0;
  const u8* entries = (const u8*)root + HEADER;
  for (u32 i = 0; i < count; ++i) {
    u64 addr = 0;
    memcpy(&addr, entries + i * width, width);
    const struct sdt_header* t = table_at(addr, &why);
    if (!t) {
      check_fail(CHECK_ACPI, "table %u of the %s at %X %s", i, use_xsdt ? "XSDT" : "RSDT", addr, why);
      return;
    }
    if (mem_eq(t->signature, "APIC", 4)) g_machine.madt = (u32)addr;
    if (i < MAX_LISTED) {
      listed[len++] = ' ';
      for (u32 k = 0; k < 4; ++k) listed[len++] = (t->signature[k] > 0x20 && t->signature[k] < 0x7f) ? t->signature[k] : '?';
    }
  }
  listed[len] = 0;
  char oem[7] = {0};
  memcpy(oem, r->oem, 6);
  for (u32 k = 0; k < 6; ++k)
    if (oem[k] && (oem[k] < 0x20 || oem[k] >= 0x7f)) oem[k] = '?';
  check_ok(CHECK_ACPI, "RSDP revision %u at %x (OEM %s), %s at %X, %u tables:%s", r->revision, (u32)r, oem,
           use_xsdt ? "XSDT" : "RSDT", root_addr, count, listed);
}

enum { MADT_LAPIC = 0, MADT_IOAPIC = 1, MADT_OVERRIDE = 2, MADT_LAPIC_OVERRIDE = 5, MADT_X2APIC = 9, MADT_ENABLED = 1 };

void check_madt(void) {
  if (!g_machine.madt) {
    check_fail(CHECK_MADT, "no MADT (signature APIC) in the ACPI tables");
    return;
  }
  const u8* t = (const u8*)g_machine.madt;
  u32 length = ((const struct sdt_header*)t)->length;
  if (length < HEADER + 8) {
    check_fail(CHECK_MADT, "MADT of %u bytes has no room for its fields", length);
    return;
  }
  u64 lapic = 0;
  memcpy(&lapic, t + HEADER, 4);
  u32 enabled = 0, listed = 0, ioapics = 0;
  for (u32 off = HEADER + 8; off + 2 <= length;) {
    u8 type = t[off], len = t[off + 1];
    if (len < 2 || off + len > length) {
      check_fail(CHECK_MADT, "entry at offset %u (type %u) has length %u", off, type, len);
      return;
    }
    u32 apic_id = 0, flags = 0;
    bool cpu = false;
    if (type == MADT_LAPIC && len >= 8) {
      apic_id = t[off + 3];
      memcpy(&flags, t + off + 4, 4);
      cpu = true;
    } else if (type == MADT_X2APIC && len >= 16) {
      memcpy(&apic_id, t + off + 4, 4);
      memcpy(&flags, t + off + 8, 4);
      cpu = true;
    } else if (type == MADT_IOAPIC) {
      if (++ioapics == 1 && len >= 12) { /* ACPI 6.5 5.2.12.3: ID, reserved, address, GSI base */
        memcpy(&g_machine.ioapic_base, t + off + 4, 4);
        memcpy(&g_machine.ioapic_gsi_base, t + off + 8, 4);
      }
    } else if (type == MADT_OVERRIDE && len >= 10 && t[off + 2] == 0 && t[off + 3] == 0) {
      memcpy(&g_machine.pit_gsi, t + off + 4, 4); /* 5.2.12.5: ISA (bus 0) IRQ 0 -> GSI */
    } else if (type == MADT_LAPIC_OVERRIDE && len >= 12) {
      memcpy(&lapic, t + off + 4, 8);
    }
    if (cpu) {
      ++listed;
      if (flags & MADT_ENABLED) {
        if (enabled < MAX_CPUS) g_machine.apic_ids[enabled] = apic_id;
        ++enabled;
      }
    }
    off += len;
  }
  g_machine.ncpus = enabled < MAX_CPUS ? enabled : MAX_CPUS;
  if (lapic == 0 || lapic >= 0x100000000ull || (lapic & 0xfff)) {
    check_fail(CHECK_MADT, "local APIC address %X is unusable", lapic);
    return;
  }
  g_machine.lapic_base = (u32)lapic;
  char ids[MAX_CPUS * 4 + 1];
  u32 n = 0;
  for (u32 i = 0; i < g_machine.ncpus; ++i) {
    u32 id = g_machine.apic_ids[i];
    ids[n++] = ' ';
    if (id >= 100) ids[n++] = (char)('0' + id / 100 % 10);
    if (id >= 10) ids[n++] = (char)('0' + id / 10 % 10);
    ids[n++] = (char)('0' + id % 10);
  }
  ids[n] = 0;
  if (enabled == 0 || enabled > MAX_CPUS) {
    check_fail(CHECK_MADT, "%u enabled processors (this guest handles 1-%u)", enabled, MAX_CPUS);
    return;
  }
  if (g_machine.fw_cpus && enabled != g_machine.fw_cpus) {
    check_fail(CHECK_MADT, "%u enabled processors, fw_cfg NB_CPUS says %u; APIC IDs%s", enabled, g_machine.fw_cpus,
               ids);
    return;
  }
  check_ok(CHECK_MADT, "%u enabled CPUs of %u listed (fw_cfg: %u), APIC IDs%s, LAPIC at %x, %u I/O APICs", enabled,
           listed, g_machine.fw_cpus, ids, (u32)lapic, ioapics);
}
