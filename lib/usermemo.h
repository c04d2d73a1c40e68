/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * usermemo.h: a login's resolution, with the user's own rule remembered.
 *
 * A second, narrower login shortcut beside the login memo (memo.h): it
 * serves a login the memo cannot (another service, a changed entry or
 * configuration) while the mapping file is unchanged. It goes when the
 * login memo covers every kind of rule.
 *
 * Promises: pp_mapping_load, then pp_mapping_resolve_known (resolve.h),
 * except that a user whose own rule matched is remembered in the cache
 * directory ("{cache_dir}/USER.user": the mapping file's identity,
 * safefile.h, and the entry) and, while the mapping file keeps that
 * identity, resolved from there without parsing the mapping (which is most
 * of a warm login's own work). Only user rules: a group or default result
 * depends on NSS (and on login.defs' UID_MIN), which may change while the
 * file does not. Nothing is remembered before the mapping file has
 * settled, nor into a cache directory that does not exist; a remembered
 * rule that cannot be used is ignored (said in debug).
 */
#ifndef PP_USERMEMO_H
#define PP_USERMEMO_H

#include <stdbool.h>
#include <sys/types.h>

#include "conf.h"
#include "log.h"
#include "resolve.h"
#include "safefile.h"

#define PP_USER_MEMO_SUFFIX ".user"

/*
 * Returns as pp_mapping_resolve, or -2 when the mapping cannot be read or
 * parsed (logged, as pp_mapping_load). mapping_id: the identity of the
 * mapping file read ("" when none or not settled).
 */
int pp_mapping_resolve_login(const struct pp_config *cfg, const char *user, bool known,
                             uid_t uid, gid_t primary, struct pp_resolution *res,
                             char mapping_id[PP_FILE_ID_SIZE], const struct pp_log *log);

#endif
