# SPDX-License-Identifier: BSD-3-Clause
# Monitoring: prefect-keys' node_exporter metrics (against the Cloud
# stand-in) and the example alert rules (promtool, Debian package prometheus).
MONITORING_TESTS = \
	tests/monitoring/metrics.test \
	tests/monitoring/purge.test \
	tests/monitoring/rules.test
TESTS += $(MONITORING_TESTS)
EXTRA_DIST += $(MONITORING_TESTS)
