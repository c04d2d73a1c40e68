# SPDX-License-Identifier: BSD-3-Clause
# The Slurm SPANK plugin: Slurm glue only, on the core library. Built when
# configure finds slurm/spank.h; nothing of Slurm's is linked (the symbols
# come from srun, sbatch, salloc or slurmstepd when they load it).
if HAVE_SLURM
slurmplugin_LTLIBRARIES = spank/spank_prefect.la
spank_spank_prefect_la_SOURCES = spank/spank_prefect.c
spank_spank_prefect_la_LDFLAGS = -module -avoid-version -shared \
	-Wl,--version-script=$(srcdir)/spank/spank_prefect.map
spank_spank_prefect_la_LIBADD = lib/libpp.la
EXTRA_spank_spank_prefect_la_DEPENDENCIES = $(srcdir)/spank/spank_prefect.map
endif
EXTRA_DIST += spank/spank_prefect.map
# Slurm loads the plugin by path: no libtool .la beside it (as for the PAM
# module), and the uninstall hook removes the .so libtool no longer knows.
pp-install-spank:
	rm -f '$(DESTDIR)$(slurmplugindir)/spank_prefect.la'
pp-uninstall-spank:
	rm -f '$(DESTDIR)$(slurmplugindir)/spank_prefect.so'
.PHONY: pp-install-spank pp-uninstall-spank
if HAVE_SLURM
PP_INSTALL_DATA_HOOKS += pp-install-spank
PP_UNINSTALL_HOOKS += pp-uninstall-spank
endif
