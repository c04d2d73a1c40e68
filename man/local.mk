# Man pages, written directly in man(7) roff.
dist_man_MANS += man/pam_prefect.8 man/pam_prefect.conf.5 man/prefect-keys.8
