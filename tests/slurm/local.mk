# SPDX-License-Identifier: BSD-3-Clause
# The Slurm plugin's test: a real single-node Slurm (munged, slurmctld,
# slurmd on 127.0.0.1) started and stopped by the test, jobs as the
# end-to-end tests' throwaway users. Needs root and the Slurm packages
# (skipped without them, unless PP_TEST_REQUIRE_SLURM=1, as in CI); holds
# the end-to-end lock while it runs. About 60 s.
SLURM_TESTS = tests/slurm/spank.test tests/slurm/startup.test
TESTS += $(SLURM_TESTS)
dist_check_SCRIPTS += $(SLURM_TESTS)
EXTRA_DIST += tests/slurm/slurm.sh tests/slurm/cluster.sh
