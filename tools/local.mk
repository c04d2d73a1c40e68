# SPDX-License-Identifier: BSD-3-Clause
# prefect-keys: the administrator's tool, on the core library.
sbin_PROGRAMS += tools/prefect-keys
tools_prefect_keys_SOURCES = \
	tools/prefect-keys.c \
	tools/pk.h \
	tools/pkmsg.c \
	tools/pkjson.c \
	tools/keyinput.c \
	tools/change.c \
	tools/cmd_change.c \
	tools/cmd_show.c \
	tools/cmd_cloud.c \
	tools/cmd_rotate_cloud.c \
	tools/cmd_verify.c \
	tools/cmd_metrics.c
tools_prefect_keys_CPPFLAGS = $(AM_CPPFLAGS) \
	-DPP_DEFAULT_METRICS='"$(localstatedir)/lib/prometheus/node-exporter/prefect_keys.prom"'
tools_prefect_keys_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
# Checks (check, add, rotate, explain --check) run the check program
# (lib/checkrun.h); the Cloud client is linked only for what is not a
# check: rotate --from-cloud's request with an administrator key and
# verify's reachability probe (no key), neither of which takes an entry's
# lock or writes a check record.
tools_prefect_keys_LDADD = lib/libppcloud.la lib/libpp.la $(JSONC_LIBS)
