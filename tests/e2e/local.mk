# SPDX-License-Identifier: BSD-3-Clause
# End-to-end tests: real logins through the system's sshd, su, sudo and
# cron, and the pam-auth-update profile. They need root and change the
# machine while they run (throwaway pptest-* users, PAM service files, a
# sudoers drop-in, crontabs); tests/e2e/e2e.sh restores and verifies all of
# it at the end, even when a test fails. One runs at a time (a lock).
E2E_TESTS = \
	tests/e2e/ssh.test \
	tests/e2e/su.test \
	tests/e2e/sudo.test \
	tests/e2e/cron.test \
	tests/e2e/pam-auth-update.test \
	tests/e2e/ldap.test tests/e2e/install.test
TESTS += $(E2E_TESTS)
dist_check_SCRIPTS += $(E2E_TESTS)
EXTRA_DIST += tests/e2e/e2e.sh tests/e2e/packages.sh tests/e2e/README.md \
	tests/e2e/upgrade.sh tests/e2e/old-debs.sh
