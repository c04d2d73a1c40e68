# Debian integration: the pam-auth-update(8) profile, installed as
# $(datadir)/pam-configs/prefect (/usr/share/pam-configs/prefect with
# --prefix=/usr). Off by default; "pam-auth-update --enable prefect" puts the
# module into common-auth, common-session and common-session-noninteractive.
pamconfigsdir = $(datadir)/pam-configs
dist_pamconfigs_DATA = debian/pam-configs/prefect
