# SPDX-License-Identifier: BSD-3-Clause
# Man pages, written directly in man(7) roff as NAME.in templates: configure
# puts the version and its release date (configure.ac) into their .TH line.
man_MANS += man/pam_prefect.8 man/pam_prefect.conf.5 man/prefect-keys.8
EXTRA_DIST += man/pam_prefect.8.in man/pam_prefect.conf.5.in man/prefect-keys.8.in \
	man/spank_prefect.8.in
# The Slurm plugin's page: installed with the plugin.
if HAVE_SLURM
man_MANS += man/spank_prefect.8
endif
