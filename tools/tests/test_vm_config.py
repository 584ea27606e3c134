# SPDX-License-Identifier: MIT
"""tools/nucleolib/vm_config.py: which modules `nucleo run --config` puts on
the ISO, under which names, and how many cores the file needs."""
from __future__ import annotations

import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from nucleolib import vm_config  # noqa: E402


class ImagesTest(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)
        self.build = self.dir / "build"
        (self.build / "guests").mkdir(parents=True)

    def tearDown(self) -> None:
        self.tmp.cleanup()

    def write(self, name: str, text: str) -> Path:
        path = self.dir / name
        path.write_text(text)
        return path

    def test_config_first_then_each_image_once_by_the_name_the_file_uses(self) -> None:
        (self.dir / "a.elf").write_bytes(b"A")
        (self.build / "guests" / "b.elf").write_bytes(b"B")
        (self.dir / "initrd").write_bytes(b"I")
        cfg = self.write("two.toml", '[[vm]]\nname = "a"\ncores = [1, 2]\nmemory = "8M"\n'
                         'kernel = "a.elf"\nmodules = ["initrd"]\n'
                         '[[vm]]\nname = "b"\ncores = [5]\nmemory = "8M"\nkernel = "b.elf"\n'
                         '[[vm]]\nname = "c"\ncores = [3]\nmemory = "8M"\nkernel = "a.elf"\n')
        found = vm_config.images(cfg, self.build)
        self.assertEqual(found.problems, [])
        self.assertEqual(found.modules, [(str(cfg), "two.toml"), (str(self.dir / "a.elf"), "a.elf"),
                                         (str(self.dir / "initrd"), "initrd"),
                                         (str(self.build / "guests" / "b.elf"), "b.elf")])
        self.assertEqual(found.cores_needed, 6)

    def test_missing_image_is_named_and_the_rest_still_goes(self) -> None:
        cfg = self.write("vms.toml", '[[vm]]\nname = "x"\ncores = [0]\nmemory = "8M"\nkernel = "nope.elf"\n')
        found = vm_config.images(cfg, self.build)
        self.assertEqual(found.modules, [(str(cfg), "vms.toml")])
        self.assertEqual(len(found.problems), 1)
        self.assertIn("'nope.elf'", found.problems[0])
        self.assertIn("'x'", found.problems[0])

    def test_unreadable_toml_still_boots_so_the_hypervisor_names_the_line(self) -> None:
        cfg = self.write("bad.toml", '[[vm]]\nname = "x\n')
        found = vm_config.images(cfg, self.build)
        self.assertEqual(found.modules, [(str(cfg), "bad.toml")])
        self.assertIn("not readable as TOML", found.problems[0])

    def test_a_file_not_ending_in_toml_gets_a_module_name_that_does(self) -> None:
        cfg = self.write("vms.conf", "")
        self.assertEqual(vm_config.images(cfg, self.build).modules, [(str(cfg), "vms.conf.toml")])


if __name__ == "__main__":
    unittest.main()
