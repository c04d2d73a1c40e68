# SPDX-License-Identifier: BSD-3-Clause
# prefect-keys: the administrator's tool, on the core library.
sbin_PROGRAMS += tools/prefect-keys
tools_prefect_keys_SOURCES = \
	tools/prefect-keys.c \
	tools/pk.h \
	tools/keyinput.c \
	tools/cmd_change.c \
	tools/cmd_show.c \
	tools/cmd_cloud.c \
	tools/cmd_rotate_cloud.c \
	tools/cmd_verify.c \
	tools/cmd_metrics.c
tools_prefect_keys_CPPFLAGS = $(AM_CPPFLAGS) \
	-DPP_DEFAULT_METRICS='"$(localstatedir)/lib/prometheus/node-exporter/prefect_keys.prom"'
tools_prefect_keys_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
tools_prefect_keys_LDADD = lib/libpp.la $(JSONC_LIBS)
