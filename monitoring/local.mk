# SPDX-License-Identifier: BSD-3-Clause
# Monitoring: the systemd service and timer that check every entry and write
# prefect-keys' node_exporter metrics (shipped disabled by the Debian
# package), and example Prometheus alert rules with their promtool test.
EXTRA_DIST += \
	monitoring/prefect-keys-check.service \
	monitoring/prefect-keys-check.timer \
	monitoring/prefect-keys.rules.yml \
	monitoring/prefect-keys.rules.test.yml

# "make install" puts the service and the timer, disabled, in systemd's
# system unit directory (configure: --with-systemdsystemunitdir), the
# service naming the prefect-keys it installed; with "no" it says where they
# are. "make uninstall" stops and disables the timer (on a running systemd,
# without DESTDIR), removes both, and removes the metrics file that the
# service's "prefect-keys metrics" wrote, so that node_exporter stops
# exporting figures nothing updates any more.
pp_metrics_file = $(localstatedir)/lib/prometheus/node-exporter/prefect_keys.prom
pp_units = prefect-keys-check.service prefect-keys-check.timer

pp-install-units:
	@if [ '$(systemdsystemunitdir)' = no ]; then \
	    echo "not installing the check service and timer (configure --with-systemdsystemunitdir=no):" \
	        "they are $(abs_srcdir)/monitoring/prefect-keys-check.{service,timer}"; \
	else \
	    $(MKDIR_P) '$(DESTDIR)$(systemdsystemunitdir)' && \
	    sed 's|/usr/sbin/prefect-keys|$(sbindir)/prefect-keys|g' \
	        $(srcdir)/monitoring/prefect-keys-check.service >'$(DESTDIR)$(systemdsystemunitdir)/prefect-keys-check.service' && \
	    chmod 0644 '$(DESTDIR)$(systemdsystemunitdir)/prefect-keys-check.service' && \
	    $(INSTALL_DATA) $(srcdir)/monitoring/prefect-keys-check.timer '$(DESTDIR)$(systemdsystemunitdir)/prefect-keys-check.timer' && \
	    echo "installed $(DESTDIR)$(systemdsystemunitdir)/prefect-keys-check.{service,timer}, disabled" \
	        "(enable: systemctl enable --now prefect-keys-check.timer)"; \
	fi

pp-uninstall-units:
	@if [ -z '$(DESTDIR)' ] && [ -d /run/systemd/system ] && [ '$(systemdsystemunitdir)' != no ] \
	    && [ -f '$(systemdsystemunitdir)/prefect-keys-check.timer' ]; then \
	    systemctl disable --now prefect-keys-check.timer >/dev/null 2>&1 || true; \
	fi
	@if [ '$(systemdsystemunitdir)' != no ]; then \
	    for u in $(pp_units); do \
	        f='$(DESTDIR)$(systemdsystemunitdir)'/$$u; \
	        if [ -e "$$f" ]; then echo " rm -f '$$f'"; rm -f "$$f"; fi; \
	    done; \
	fi
	@f='$(DESTDIR)$(pp_metrics_file)'; \
	if [ -e "$$f" ]; then echo " rm -f '$$f'"; rm -f "$$f"; fi

PP_INSTALL_DATA_HOOKS += pp-install-units
PP_UNINSTALL_HOOKS += pp-uninstall-units
.PHONY: pp-install-units pp-uninstall-units
