# SPDX-License-Identifier: BSD-3-Clause
# Monitoring: the systemd service and timer that check every entry and write
# prefect-keys' node_exporter metrics (shipped disabled by the Debian
# package), and example Prometheus alert rules with their promtool test.
EXTRA_DIST += \
	monitoring/prefect-keys-check.service \
	monitoring/prefect-keys-check.timer \
	monitoring/prefect-keys.rules.yml \
	monitoring/prefect-keys.rules.test.yml
