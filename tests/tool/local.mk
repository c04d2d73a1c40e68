# SPDX-License-Identifier: BSD-3-Clause
# prefect-keys tests: shell scripts on the built tool (tools/prefect-keys),
# each in its own root-owned directory from tests/lib/common.sh; pk.sh is
# their shared helper. cloud.test uses the Cloud stand-in (tests/cloud);
# cycles.test reads the tool's objects (nm) for import cycles.
TOOL_TESTS = \
	tests/tool/verbs.test \
	tests/tool/verify.test \
	tests/tool/secrecy.test \
	tests/tool/concurrency.test \
	tests/tool/crash.test \
	tests/tool/cloud.test \
	tests/tool/dumpable.test tests/tool/idempotent.test \
	tests/tool/reach.test tests/tool/rotate_cloud.test \
	tests/tool/cycles.test
TESTS += $(TOOL_TESTS)
EXTRA_DIST += $(TOOL_TESTS) tests/tool/pk.sh
