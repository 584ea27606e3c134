// SPDX-License-Identifier: MIT
// Runs nucleo's own capability code (vmx/core/capability_report.*) on a
// recorded capability-MSR file (host-tests/data/vmx/*.txt, `dump=vmx`) and
// prints what the kernel would: its boot lines, its verdict and a Markdown
// table of each VMX feature, offered or not, and what nucleo does with it.
//   nucleo-vmx-caps FILE               print the report
//   nucleo-vmx-caps --write DOC FILE   replace DOC's generated block for FILE
//   nucleo-vmx-caps --check DOC FILE   exit 1 if DOC's block is not current
// The block sits between "<!-- vmx-caps FILE -->" and "<!-- /vmx-caps -->"
// (FILE as given). `tools/nucleo vmx-caps` runs it; CTest's
// vmx.caps_doc_current runs --check on docs/running.md.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "host-tests/support/vmx_caps_file.hpp"
#include "vmx/core/capability_report.hpp"

namespace {

using namespace nucleo;

std::string g_lines;
void collect(Str line) { g_lines += "    " + std::string(line.data(), line.size()) + "\n"; }

std::string report(const std::string& file) {
  test::MsrTable table(test::load_msr_path(file));
  const vmx::VmxCapabilities caps = vmx::read_capabilities(table);
  std::ostringstream out;
  g_lines.clear();
  vmx::describe_capabilities(caps, collect);
  out << "What nucleo prints at boot with these capabilities:\n\n" << g_lines << "\n";
  g_lines.clear();
  const vmx::CapsVerdict verdict = vmx::assess_capabilities(caps);
  vmx::describe_verdict(verdict, collect);
  if (verdict == vmx::CapsVerdict::usable)
    out << "Verdict: nucleo runs its VMs here.\n\n";
  else
    out << "Verdict: refused (code 20):\n\n" << g_lines << "\n";
  vmx::FeatureUse rows[vmx::kFeatureRows];
  vmx::feature_uses(caps, rows);
  out << "| VMX feature | offered | what nucleo does |\n|---|---|---|\n";
  for (const vmx::FeatureUse& r : rows) out << "| " << r.feature << " | " << (r.present ? "yes" : "no") << " | " << r.use << " |\n";
  return out.str();
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// DOC with its block for FILE replaced by `body`; throws if DOC has none.
std::string with_block(const std::string& doc, const std::string& file, const std::string& body) {
  const std::string open = "<!-- vmx-caps " + file + " -->\n", close = "<!-- /vmx-caps -->";
  const auto begin = doc.find(open);
  if (begin == std::string::npos) throw std::runtime_error("no '" + open.substr(0, open.size() - 1) + "' block");
  const auto end = doc.find(close, begin);
  if (end == std::string::npos) throw std::runtime_error("the vmx-caps block of " + file + " is not closed");
  return doc.substr(0, begin + open.size()) + "\n" + body + "\n" + doc.substr(end);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc == 2) {
      std::fputs(report(argv[1]).c_str(), stdout);
      return 0;
    }
    if (argc == 4 && (std::string(argv[1]) == "--write" || std::string(argv[1]) == "--check")) {
      const std::string doc = read_text(argv[2]);
      const std::string want = with_block(doc, argv[3], report(argv[3]));
      if (std::string(argv[1]) == "--check") {
        if (doc == want) return 0;
        std::fprintf(stderr, "%s: the vmx-caps table of %s is not what the code says; run tools/nucleo vmx-caps --write\n",
                     argv[2], argv[3]);
        return 1;
      }
      std::ofstream(argv[2]) << want;
      return 0;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nucleo-vmx-caps: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr, "usage: nucleo-vmx-caps [--write|--check DOC] FILE\n");
  return 2;
}
