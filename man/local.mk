# SPDX-License-Identifier: BSD-3-Clause
# Man pages, written directly in man(7) roff.
dist_man_MANS += man/pam_prefect.8 man/pam_prefect.conf.5 man/prefect-keys.8
# The Slurm plugin's page: installed with the plugin, always distributed.
if HAVE_SLURM
dist_man_MANS += man/spank_prefect.8
else
EXTRA_DIST += man/spank_prefect.8
endif
