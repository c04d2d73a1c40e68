/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * keymark.h: how a process running as the user tells pam_prefect's key from
 * one the user set by hand, without reading the store.
 *
 * Promises: wherever pam_prefect exports PREFECT_API_KEY (the PAM module
 * into a session, the Slurm plugin into a job) it also exports
 * PP_KEYMARK_VAR=FINGERPRINT, the key's fingerprint (secret.h; it names the
 * key in the logs already and reveals nothing of it). A PREFECT_API_KEY is
 * pam_prefect's exactly when the mark is present and equals the
 * fingerprint of the key's current value: a key the user exported by hand
 * afterwards has another fingerprint and is the user's own. The mark only
 * ever leads to removing a variable, never to choosing a key.
 */
#ifndef PP_KEYMARK_H
#define PP_KEYMARK_H

#include <stdbool.h>

#define PP_KEYMARK_VAR "PAM_PREFECT_FINGERPRINT"

/* Whether key (a PREFECT_API_KEY value) is the one mark was made for.
 * false when either is NULL or the mark is not a fingerprint. */
bool pp_keymark_matches(const char *key, const char *mark);

#endif
