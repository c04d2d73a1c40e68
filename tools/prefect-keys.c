/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * prefect-keys: the administrator's tool for pam_prefect's keys and mappings.
 *
 * This file: the command line, the log sink (syslog authpriv, and warnings
 * and errors on stderr), who invoked us, the configuration, and the
 * dispatch to one verb. The verbs live in cmd_*.c, the messages in pkmsg.c.
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <syslog.h>
#include <unistd.h>

#include "pk.h"
#include "secret.h"
#include "store_write.h"
#include "timefmt.h"

static const char usage_text[] =
"Usage: prefect-keys [--config PATH] VERB [OPTIONS] [ARGS]\n"
"\n"
"Manage the Prefect Cloud API keys that pam_prefect exports into login\n"
"sessions, and which user gets which key. Runs as root. Keys are read from\n"
"standard input (without echo on a terminal) or from --key-file, never from\n"
"the command line.\n"
"\n"
"Verbs that change the store (each locked and atomic, logged to syslog):\n"
"  add NAME [--workspace ACCOUNT/WORKSPACE] [--expires DATE] [--comment TEXT]\n"
"      [--user-id UUID --key-id UUID | --service-account-id UUID]\n"
"      [--key-file F] [--no-validate] [--force]\n"
"      Store a key as entry NAME. The key is checked with Prefect Cloud first\n"
"      (GET /me/workspaces) unless --no-validate. --workspace takes ids\n"
"      (ACCOUNT_ID/WORKSPACE_ID, UUIDs) or handles (account_handle/\n"
"      workspace_handle, resolved through Cloud); without it, a key that sees\n"
"      exactly one workspace uses that one. --no-validate needs the ids.\n"
"      With the key's ids (--user-id and --key-id for a pnu_ user key,\n"
"      --service-account-id for a pnb_ key) the expiration is read from\n"
"      Cloud; --expires records one (YYYY-MM-DD or RFC 3339).\n"
"      --force: replace an existing entry, accept a key without the pnu_/pnb_\n"
"      prefix.\n"
"  rotate NAME [--key-file F] [--expires DATE] [--comment TEXT]\n"
"      [--user-id UUID] [--key-id UUID] [--service-account-id UUID]\n"
"      [--no-validate] [--force]\n"
"      Replace NAME's key, keeping its workspace. The new key must see that\n"
"      workspace (unless --no-validate), else the old key stays. The old\n"
"      key's recorded expiration and key id are dropped unless given again.\n"
"  rotate NAME --from-cloud [--admin-entry ENTRY] [--expires DATE|--no-expiration]\n"
"  rotate --due DAYS [--admin-entry ENTRY] [--expires DATE|--no-expiration]\n"
"      Ask Prefect Cloud to rotate a service account entry's key, with the\n"
"      administrator key of entry ENTRY (default " PK_DEFAULT_ADMIN_ENTRY "), check the\n"
"      new key and store it; the key is never shown. --due: every service\n"
"      account entry whose key expires within DAYS. Without --expires or\n"
"      --no-expiration the new key lives as long as the old one did.\n"
"  remove NAME [--force]\n"
"      Delete an entry. Refused while a mapping names it; --force also\n"
"      removes those mappings.\n"
"  map user USER NAME | map group GROUP NAME | map default NAME\n"
"      Give USER, the members of GROUP, or everyone else entry NAME. Group\n"
"      rules are tried in the order they were first added. A user or group\n"
"      unknown to NSS is accepted with a warning.\n"
"  unmap user USER | unmap group GROUP | unmap default\n"
"      Remove a mapping.\n"
"  Each changes nothing when the store already is as asked (add of the\n"
"  entry as it is, rotate to the key held, remove of no entry, map to the\n"
"  same entry, unmap of no rule): it says \"unchanged\" and exits 0.\n"
"  add of an existing entry with another key is an error (use rotate).\n"
"  With --json: {version, verb, changed, message}.\n"
"\n"
"Verbs that read (all take --json):\n"
"  list                 entries (never a key: its fingerprint) and mappings\n"
"  explain USER [--service NAME] [--check]\n"
"                       what a login of USER through service NAME would get\n"
"                       now, and why: scope, the rules, the entry, the\n"
"                       outcome, the variables; from the cache and the store\n"
"                       only, unless --check lets it ask Cloud as a login does\n"
"  check [NAME...|--all]  check entries with Cloud now and refresh the cache\n"
"                       (no NAME: all)\n"
"  expiring [--within DAYS]  entries whose key expires within DAYS (default:\n"
"                       expiry_warn_days), or has expired\n"
"  verify [--offline]   audit owners and modes of the configuration, store\n"
"                       and cache, and the store's contents, and whether\n"
"                       api_url answers (DNS, TCP, TLS with ca_file; no key is\n"
"                       sent; --offline: not); says how to fix\n"
"\n"
"Monitoring (reads the store and the cache only; run check first):\n"
"  metrics [--output FILE|-]  every entry's expiration, time left, last check\n"
"                       and mapping in node_exporter's textfile format, written\n"
"                       atomically (default " PP_DEFAULT_METRICS ")\n"
"\n"
"Options:\n"
"  --config PATH        configuration file (default " PP_DEFAULT_CONFIG ")\n"
"  --json               machine-readable output (every verb)\n"
"  -h, --help           this text\n"
"  --version            the version\n"
"\n"
"Exit status: 0 fine; 1 a check found a problem (a key rejected, expired,\n"
"expiring or without workspace access, Cloud unreachable, an unusable entry,\n"
"an audit finding); 2 usage or system error (nothing was changed).\n";

/*
 * The command line's options, one row each: the name, its bit in
 * struct pk_opts.given, and where its value goes (NO_VALUE: a flag). getopt's
 * table and the "does not apply" check are built from this one.
 */
#define NO_VALUE ((size_t)-1)
#define VALUE(field) offsetof(struct pk_opts, field)

static const struct pk_option {
    const char *name;
    unsigned bit;
    size_t value;
} options[] = {
    { "config", OPT_CONFIG, VALUE(config) },
    { "expires", OPT_EXPIRES, VALUE(expires) },
    { "comment", OPT_COMMENT, VALUE(comment) },
    { "user-id", OPT_USER_ID, VALUE(user_id) },
    { "key-id", OPT_KEY_ID, VALUE(key_id) },
    { "service-account-id", OPT_SA_ID, VALUE(service_account_id) },
    { "workspace", OPT_WORKSPACE, VALUE(workspace) },
    { "key-file", OPT_KEY_FILE, VALUE(key_file) },
    { "no-validate", OPT_NO_VALIDATE, NO_VALUE },
    { "force", OPT_FORCE, NO_VALUE },
    { "json", OPT_JSON, NO_VALUE },
    { "all", OPT_ALL, NO_VALUE },
    { "within", OPT_WITHIN, VALUE(within) },
    { "service", OPT_SERVICE, VALUE(service) },
    { "check", OPT_CHECK, NO_VALUE },
    { "output", OPT_OUTPUT, VALUE(output) },
    { "offline", OPT_OFFLINE, NO_VALUE },
    { "from-cloud", OPT_FROM_CLOUD, NO_VALUE },
    { "admin-entry", OPT_ADMIN_ENTRY, VALUE(admin_entry) },
    { "no-expiration", OPT_NO_EXPIRATION, NO_VALUE },
    { "due", OPT_DUE, VALUE(due) },
};

#define NOPTIONS (sizeof(options) / sizeof(options[0]))
/* getopt values: options[i] is OPTVAL + i. */
#define OPTVAL 256
#define LO_VERSION (OPTVAL + (int)NOPTIONS)

struct verb {
    const char *name;
    int (*run)(struct pk *pk, int argc, char **argv);
    unsigned allowed;       /* options besides --config */
    bool changes;           /* writes the store */
};

#define KEY_OPTS (OPT_EXPIRES | OPT_COMMENT | OPT_USER_ID | OPT_KEY_ID | OPT_SA_ID \
                  | OPT_KEY_FILE | OPT_NO_VALIDATE | OPT_FORCE)

static const struct verb verbs[] = {
    { "add", pk_add, KEY_OPTS | OPT_WORKSPACE | OPT_JSON, true },
    { "rotate", pk_rotate, KEY_OPTS | OPT_JSON | OPT_FROM_CLOUD | OPT_ADMIN_ENTRY
                           | OPT_NO_EXPIRATION | OPT_DUE, true },
    { "remove", pk_remove, OPT_FORCE | OPT_JSON, true },
    { "map", pk_map, OPT_JSON, true },
    { "unmap", pk_unmap, OPT_JSON, true },
    { "list", pk_list, OPT_JSON, false },
    { "explain", pk_explain, OPT_JSON | OPT_SERVICE | OPT_CHECK, false },
    { "check", pk_check, OPT_JSON | OPT_ALL, false },
    { "expiring", pk_expiring, OPT_JSON | OPT_WITHIN, false },
    { "verify", pk_verify, OPT_JSON | OPT_OFFLINE, false },
    { "metrics", pk_metrics, OPT_OUTPUT, false },
};

/*
 * The log sink: every line to syslog (authpriv, ident prefect-keys); warnings
 * and errors also to stderr. The last error is kept for reports.
 */
static void sink(void *ctx, int priority, const char *line)
{
    struct pk_sink *s = ctx;

    if (priority <= LOG_ERR)
        snprintf(s->last_error, sizeof(s->last_error), "%s", line);
    if (s->to_syslog)
        syslog(LOG_AUTHPRIV | LOG_PRI(priority), "%s", line);
    if (s->to_stderr && priority <= LOG_WARNING)
        fprintf(stderr, "prefect-keys: %s%s\n", priority == LOG_WARNING ? "warning: " : "",
                line);
}

/*
 * Who asked: the login uid (the person behind sudo or su), else SUDO_USER,
 * else our real uid.
 */
static void find_invoker(char *out, size_t outlen)
{
    char buf[32], show[PP_ACCOUNT_NAME_MAX + 8];
    const char *sudo_user;
    struct passwd *pw;
    FILE *f;
    unsigned long uid = ULONG_MAX;

    f = fopen("/proc/self/loginuid", "re");
    if (f != NULL) {
        if (fgets(buf, sizeof(buf), f) != NULL) {
            char *end;
            errno = 0;
            uid = strtoul(buf, &end, 10);
            if (errno != 0 || end == buf || uid >= (unsigned long)(uid_t)-1)
                uid = ULONG_MAX;
        }
        fclose(f);
    }
    if (uid != ULONG_MAX) {
        pw = getpwuid((uid_t)uid);
        if (pw != NULL)
            snprintf(out, outlen, "%s", pp_log_safe(pw->pw_name, show, sizeof(show)));
        else
            snprintf(out, outlen, "uid:%lu", uid);
        return;
    }
    sudo_user = getenv("SUDO_USER");
    if (sudo_user != NULL && pp_account_name_valid(sudo_user)) {
        snprintf(out, outlen, "%s", pp_log_safe(sudo_user, show, sizeof(show)));
        return;
    }
    pw = getpwuid(getuid());
    if (pw != NULL)
        snprintf(out, outlen, "%s", pp_log_safe(pw->pw_name, show, sizeof(show)));
    else
        snprintf(out, outlen, "uid:%lu", (unsigned long)getuid());
}

/* PREFECT_KEYS_TEST_CRASH=STEP: die by SIGKILL at that step of a write. */
static const char *crash_step;

static void crash_hook(const char *stepname)
{
    if (crash_step != NULL && strcmp(stepname, crash_step) == 0)
        raise(SIGKILL);
}

/* An unknown option, named without its value (it might be a key). */
static void bad_option(const char *arg, int optopt_char)
{
    char name[64], show[96];
    size_t n;

    if (optopt_char != 0) {
        pk_usage("unknown option -%c (see prefect-keys --help)", optopt_char);
        return;
    }
    n = arg != NULL ? strcspn(arg, "=") : 0;
    if (n >= sizeof(name))
        n = sizeof(name) - 1;
    if (arg != NULL)
        memcpy(name, arg, n);
    name[n] = '\0';
    if (arg == NULL || pk_looks_like_key(name)) {
        pk_usage("unknown option (see prefect-keys --help)");
        return;
    }
    pk_usage("unknown option %s (see prefect-keys --help)",
                   pp_log_safe(name, show, sizeof(show)));
}

static int parse_within(const char *s, long *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < 0 || v > 36500)
        return -1;
    *out = v;
    return 0;
}

static int parse_options(struct pk *pk, int argc, char **argv)
{
    struct option long_opts[NOPTIONS + 3];
    char show[96];
    int c;

    for (size_t i = 0; i < NOPTIONS; i++)
        long_opts[i] = (struct option){ options[i].name,
                                        options[i].value == NO_VALUE ? no_argument
                                                                     : required_argument,
                                        NULL, OPTVAL + (int)i };
    long_opts[NOPTIONS] = (struct option){ "help", no_argument, NULL, 'h' };
    long_opts[NOPTIONS + 1] = (struct option){ "version", no_argument, NULL, LO_VERSION };
    long_opts[NOPTIONS + 2] = (struct option){ NULL, 0, NULL, 0 };

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
        if (c >= OPTVAL && c < LO_VERSION) {
            const struct pk_option *o = &options[c - OPTVAL];

            pk->o.given |= o->bit;
            if (o->value != NO_VALUE)
                *(const char **)((char *)&pk->o + o->value) = optarg;
            continue;
        }
        switch (c) {
        case 'h':
            fputs(usage_text, stdout);
            exit(PK_OK);
        case LO_VERSION:
            printf("prefect-keys (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
            exit(PK_OK);
        case ':':
            pk_usage("option %s needs a value", argv[optind - 1] != NULL
                           && strncmp(argv[optind - 1], "--", 2) == 0
                           && !pk_looks_like_key(argv[optind - 1])
                           ? pp_log_safe(argv[optind - 1], show, sizeof(show)) : "");
            return -1;
        default:
            bad_option(optopt == 0 ? argv[optind - 1] : NULL, optopt);
            return -1;
        }
    }
    if (pk_has(pk, OPT_WITHIN) && parse_within(pk->o.within, &pk->o.within_days) != 0) {
        pk_usage("--within: \"%s\" is not a number of days (0 to 36500)",
                       pk_show(pk->o.within, show, sizeof(show)));
        return -1;
    }
    if (pk_has(pk, OPT_DUE) && parse_within(pk->o.due, &pk->o.due_days) != 0) {
        pk_usage("--due: \"%s\" is not a number of days (0 to 36500)",
                       pk_show(pk->o.due, show, sizeof(show)));
        return -1;
    }
    return 0;
}

/* An absolute form of a --config path given relative to the current directory. */
static char *absolute_path(const char *p)
{
    char cwd[PATH_MAX];
    char *out;

    if (p[0] == '/')
        return strdup(p);
    if (getcwd(cwd, sizeof(cwd)) == NULL)
        return NULL;
    if (asprintf(&out, "%s/%s", cwd, p) < 0)
        return NULL;
    return out;
}

int main(int argc, char **argv)
{
    const struct verb *v = NULL;
    struct pk pk;
    char *config_path = NULL;
    int rc;

    /* Never leave a key in a core dump or readable through ptrace/proc. */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 });

    memset(&pk, 0, sizeof(pk));
    pk.sink.to_syslog = true;
    pk.sink.to_stderr = true;
    pk.log.sink = sink;
    pk.log.ctx = &pk.sink;
    pk.quiet.sink = sink;
    pk.quiet.ctx = &pk.quiet_sink;
    pk.now = time(NULL);

    /*
     * A key pasted on the command line is already exposed in argv; at least
     * refuse it outright, before any message could echo it, and change
     * nothing.
     */
    for (int i = 1; i < argc; i++) {
        if (pk_looks_like_key(argv[i])) {
            pk_error("argument %d looks like an API key (pnu_/pnb_): keys are read "
                           "from standard input or --key-file, never from the command line. "
                           "Nothing was changed.", i);
            return PK_ERROR;
        }
    }
    if (parse_options(&pk, argc, argv) != 0)
        return PK_ERROR;
    if (optind >= argc) {
        pk_usage("no verb given (see prefect-keys --help)");
        return PK_ERROR;
    }
    for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
        if (strcmp(argv[optind], verbs[i].name) == 0)
            v = &verbs[i];
    if (v == NULL) {
        char show[96];
        pk_usage("unknown verb \"%s\" (see prefect-keys --help)",
                       pk_show(argv[optind], show, sizeof(show)));
        return PK_ERROR;
    }
    for (size_t i = 0; i < NOPTIONS; i++) {
        unsigned bit = options[i].bit;
        if (bit != OPT_CONFIG && (pk.o.given & bit) && !(v->allowed & bit)) {
            pk_usage("%s: option --%s does not apply (see prefect-keys --help)", v->name,
                           options[i].name);
            return PK_ERROR;
        }
    }
    if (geteuid() != 0) {
        pk_error("must be run as root (the store and its keys are root's)");
        return PK_ERROR;
    }

    openlog("prefect-keys", LOG_PID, LOG_AUTHPRIV);
    find_invoker(pk.invoker, sizeof(pk.invoker));
    crash_step = getenv("PREFECT_KEYS_TEST_CRASH");
    if (crash_step != NULL && *crash_step != '\0')
        pp_store_write_set_hook(crash_hook);

    if (pk_has(&pk, OPT_CONFIG)) {
        config_path = absolute_path(pk.o.config);
        if (config_path == NULL) {
            pk_error("--config: cannot make the path absolute: %s", strerror(errno));
            return PK_ERROR;
        }
    }
    if (pp_config_load(&pk.cfg, config_path, 0, NULL, &pk.log) != 0) {
        if (strcmp(v->name, "verify") == 0) {
            rc = pk_verify_config_only(&pk, config_path != NULL ? config_path
                                                                : PP_DEFAULT_CONFIG);
        } else {
            pk_error("cannot use the configuration; nothing was done "
                           "(prefect-keys verify tells how to fix it)");
            rc = PK_ERROR;
        }
        free(config_path);
        closelog();
        return rc;
    }
    free(config_path);

    rc = v->run(&pk, argc - optind - 1, argv + optind + 1);

    pp_config_free(&pk.cfg);
    if (fflush(stdout) != 0 && rc == PK_OK) {
        pk_error("cannot write the output: %s", strerror(errno));
        rc = PK_ERROR;
    }
    closelog();
    return rc;
}
