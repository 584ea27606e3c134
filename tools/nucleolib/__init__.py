# SPDX-License-Identifier: MIT
"""nucleolib: the code behind `tools/nucleo`.

Kept as a package of small modules (one concept each) so that CTest helpers
such as tools/tests/boot_test.py boot the kernel through exactly the same
code path as a developer typing `tools/nucleo run`.
"""
