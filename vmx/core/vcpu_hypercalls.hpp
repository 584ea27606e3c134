// SPDX-License-Identifier: MIT
// The hypercall environment of one vCPU (kernel/virt/hypercall): what its
// ExitContext reaches by itself (its VM's memory and console, its identity,
// the guest TSC, its one-shot timer, events to itself), and through
// VmServices what belongs to the whole VM (its other vCPUs, its channels,
// its statistics, the wall clock), which the kernel's configured VMs
// provide (vmx/hw/guest_vm.cpp). Pure.
#pragma once

#include "vmx/core/exit_context.hpp"

namespace nucleo::vmx {

class VmServices {
 public:
  // vCPU `vcpu` of this VM takes event `vector` (and is woken).
  virtual void post_event(u32 vcpu, u8 vector) = 0;
  virtual void exit_stats(nucleo_hc_exit_stats& out) = 0;
  virtual void isa_stats(nucleo_hc_isa_stats& out) = 0;
  virtual u64 wall_clock_ns() = 0;
  virtual ChannelTable* channels() = 0;
  virtual u32 vm_index() = 0;
  virtual bool signal_vm(u32 vm, u32 vcpu, u8 vector) = 0;
  virtual i64 start_vcpu(u32 index, u64 entry, u32 arg) = 0;
  // NUCLEO_HC_MIGRATE_PAGE for vCPU `vcpu` (its counters get the cost).
  virtual i64 migrate_page(u32 vcpu, u64 gpa, bool binvept) = 0;

 protected:
  ~VmServices() = default;
};

class VcpuHypercallEnv final : public HypercallEnv {
 public:
  VcpuHypercallEnv(ExitContext& ctx, VmServices* vm) : ctx_(ctx), vm_(vm) {}

  Span<u8> guest_memory(u64 gpa, u64 length) override { return ctx_.vm.guest_ram(gpa, length); }
  void console_write(Span<const u8> text) override {
    // One write: the whole text under the console's lock, not split by
    // another vCPU's output.
    ctx_.vm.console.write(Str(reinterpret_cast<const char*>(text.data()), text.size()));
  }
  u32 vcpu_index() override { return ctx_.vcpu.id; }
  u32 vcpu_count() override { return ctx_.vcpu.vcpu_count; }
  u64 tsc_hz() override { return ctx_.vcpu.tsc_hz; }
  u64 guest_tsc() override { return ctx_.cpu.rdtsc() + ctx_.vmcs.read(Vmcs64::tsc_offset); }
  u64 wall_clock_ns() override { return vm_ ? vm_->wall_clock_ns() : 0; }
  void arm_timer(u64 delay_tsc, u8 vector) override {
    ctx_.vcpu.timer_deadline = ctx_.cpu.rdtsc() + delay_tsc;
    if (ctx_.vcpu.timer_deadline == 0) ctx_.vcpu.timer_deadline = 1;  // 0 means "not armed"
    ctx_.vcpu.timer_vector = vector;
  }
  // The dispatcher checked the mask against vcpu_count().
  void send_event(u64 vcpu_mask, u8 vector) override {
    for (u32 i = 0; i < ctx_.vcpu.vcpu_count && i < 64; ++i) {
      if (!(vcpu_mask & (u64{1} << i))) continue;
      if (i == ctx_.vcpu.id) ctx_.vcpu.post_event(vector);
      else if (vm_) vm_->post_event(i, vector);
    }
  }
  void exit_stats(nucleo_hc_exit_stats& out) override {
    if (vm_) vm_->exit_stats(out);
  }
  // A VM without services (the test VMs) has this one vCPU's counters.
  void isa_stats(nucleo_hc_isa_stats& out) override {
    if (vm_) vm_->isa_stats(out);
    else ext::add_isa_stats(out, ctx_.vcpu.isa);
  }
  u32 isa_proposal_count() override { return ext::kIdCount; }
  ChannelTable* channels() override { return vm_ ? vm_->channels() : nullptr; }
  u32 vm_index() override { return vm_ ? vm_->vm_index() : 0; }
  bool signal_vm(u32 vm, u32 vcpu, u8 vector) override { return vm_ && vm_->signal_vm(vm, vcpu, vector); }
  i64 start_vcpu(u32 index, u64 entry, u32 arg) override {
    return vm_ ? vm_->start_vcpu(index, entry, arg) : NUCLEO_HC_E_INVALID;
  }
  // A VM without services (the test VMs) has no room for moved pages.
  i64 migrate_page(u64 gpa, bool binvept) override {
    return vm_ ? vm_->migrate_page(ctx_.vcpu.id, gpa, binvept) : NUCLEO_HC_E_RANGE;
  }

 private:
  ExitContext& ctx_;
  VmServices* vm_;
};

}  // namespace nucleo::vmx
