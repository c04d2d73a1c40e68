# SPDX-License-Identifier: BSD-3-Clause
# What a release promises: every source file carries the licence line, and
# configure.ac's version is the one everything else names.
TESTS += tests/release/spdx.test tests/release/version.test
dist_check_SCRIPTS += tests/release/spdx.test tests/release/version.test
