# SPDX-License-Identifier: BSD-3-Clause
# make install / uninstall under a scratch DESTDIR, scripts/build's errors.
TESTS += tests/install/install.test
dist_check_SCRIPTS += tests/install/install.test
