/* otactl product auth, device token issue|revoke, device tokens, device
 * enroll: device identity (core/ota_devauth.h) through the backend.  A
 * token is printed once, by "device token issue" alone; bulk tokens and an
 * enrolled device's token go only to a new file of mode 0600 (never to
 * stdout), checked writable before any is issued. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cmd_devauth.h"

/* ------------------------------------------------------- product auth */
/* Either option, both, or neither (no change: core's read, remotely
 * PATCH {}): the product's device_auth and enrollment and how many of its
 * devices have no token, printed the same way in every case. */
int cmd_product_auth(cli *c, int argc, char **argv)
{
    cli_opt opts[] = {OPT("device-auth", true), OPT("enrollment", true), OPT_END};
    char *pos[1];
    int n;
    if (cli_args(c, argc, argv, opts, pos, &n, 1, 1) < 0)
        return CLI_USAGE;
    int mode = -1, closed = -1;
    ota_device_auth a;
    if (opts[0].set) {
        if (ota_device_auth_parse(opts[0].val, &a) < 0)
            return cli_usage(c, "--device-auth must be product_key or device_token (got \"%s\")", opts[0].val);
        mode = (int)a;
    }
    if (opts[1].set) {
        if (strcmp(opts[1].val, "open") && strcmp(opts[1].val, "closed"))
            return cli_usage(c, "--enrollment must be open or closed (got \"%s\")", opts[1].val);
        closed = !strcmp(opts[1].val, "closed");
    }
    /* neither: no change asked, the product's settings and count shown */
    ota_backend *b = cli_backend(c);
    if (!b)
        return CLI_REFUSED;
    ota_product p;
    long without = 0;
    ota_err e = {0};
    if (b->ops->product_set_auth(b, pos[0], mode, closed, &p, &without, &e) < 0)
        return cli_fail(&e);
    if (c->json) {
        cli_print_json(ota_json_product_auth(&p, without));
        return CLI_OK;
    }
    printf("product %s (%s): device_auth %s, enrollment %s\n", p.key, p.name,
           ota_device_auth_str(p.device_auth), p.enrollment_closed ? "closed" : "open");
    printf("devices without a token: %ld%s\n", without,
           without && p.device_auth == OTA_DEVICE_AUTH_DEVICE_TOKEN
               ? (p.enrollment_closed ? " (they cannot check in until an admin issues them one)"
                                      : " (they must enroll with the product key, or be issued one)")
               : "");
    return CLI_OK;
}

/* ------------------------------------------------- device token issue */
/* "PRODUCT ID" into pos and the backend opened, or NULL with *rc the exit
 * status. */
static ota_backend *product_device_args(cli *c, int argc, char **argv, char **pos, int *rc)
{
    int n;
    *rc = CLI_USAGE;
    if (cli_args(c, argc, argv, NULL, pos, &n, 2, 2) < 0)
        return NULL;
    if (strlen(pos[0]) > OTA_KEY_MAX)
        return cli_usage(c, "PRODUCT at most %d bytes", OTA_KEY_MAX), NULL;
    if (strlen(pos[1]) > OTA_DEVICE_ID_MAX)
        return cli_usage(c, "ID at most %d bytes", OTA_DEVICE_ID_MAX), NULL;
    *rc = CLI_REFUSED;
    return cli_backend(c);
}

int cmd_device_token_issue(cli *c, int argc, char **argv)
{
    char *pos[2];
    int rc;
    ota_backend *b = product_device_args(c, argc, argv, pos, &rc);
    if (!b)
        return rc;
    char token[OTA_DEVICE_TOKEN_LEN + 1] = "";
    ota_err e = {0};
    if (b->ops->device_token_issue(b, pos[0], pos[1], token, &e) < 0)
        return cli_fail(&e);
    if (c->json) {
        json_t *j = ota_json_device_token(pos[0], pos[1], token);
        cli_print_json(j);
    } else {
        printf("device %s (product %s): token issued; a token it had before no longer works\n"
               "token (shown once): %s\n", pos[1], pos[0], token);
    }
    fflush(stdout);
    sodium_memzero(token, sizeof token);
    return CLI_OK;
}

int cmd_device_token_revoke(cli *c, int argc, char **argv)
{
    char *pos[2];
    int rc;
    ota_backend *b = product_device_args(c, argc, argv, pos, &rc);
    if (!b)
        return rc;
    ota_err e = {0};
    if (b->ops->device_token_revoke(b, pos[0], pos[1], &e) < 0)
        return cli_fail(&e);
    if (c->json)
        cli_print_json(json_pack("{s:s, s:s, s:s}", "product", pos[0], "device", pos[1], "credential",
                                 ota_credential_str(OTA_CRED_REVOKED)));
    else
        printf("device %s (product %s): token revoked; it cannot check in again until an admin issues "
               "it a new one\n", pos[1], pos[0]);
    return CLI_OK;
}

/* ------------------------------------------------------ device tokens */
/* The ids of a fleet file (.json or .csv, read by core's device file
 * reader: the import's rules and messages). */
static int fleet_ids(const char *path, char ***ids, size_t *n, ota_err *e)
{
    ota_devfile *f;
    *ids = NULL;
    *n = 0;
    if (ota_devfile_open_file(path, &f, e) < 0)
        return -1;
    size_t cap = 0;
    ota_device d;
    int r;
    while ((r = ota_devfile_next(f, &d, e)) == 1) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 1024;
            char **v = realloc(*ids, cap * sizeof *v);
            if (!v) {
                r = ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
                break;
            }
            *ids = v;
        }
        if (!((*ids)[*n] = strdup(d.id))) {
            r = ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
            break;
        }
        (*n)++;
    }
    ota_devfile_close(f);
    return r < 0 ? -1 : 0;
}

static void ids_free(char **ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
}

/* The tokens file: written into a temporary file beside dest (mkstemp:
 * mode 0600 whatever the umask), made before any token is issued so a
 * folder that cannot take it stops the command first; put in place at the
 * end with link() (refuses an existing file) or, with --force, rename(). */
typedef struct tokens_file {
    char tmp[PATH_MAX];
    const char *dest;
    bool force;
    int fd;
} tokens_file;

static int tokens_file_open(tokens_file *t, const char *dest, bool force, ota_err *e)
{
    struct stat st;
    t->dest = dest;
    t->force = force;
    t->fd = -1;
    if (!force && lstat(dest, &st) == 0)
        return ota_fail(e, OTA_E_CONFLICT, "out", "%s exists; tokens go only to a new file (--force replaces it)",
                        dest);
    if (force && lstat(dest, &st) == 0 && !S_ISREG(st.st_mode))
        return ota_fail(e, OTA_E_CONFLICT, "out", "%s exists and is not a regular file", dest);
    if ((size_t)snprintf(t->tmp, sizeof t->tmp, "%s.part-XXXXXX", dest) >= sizeof t->tmp)
        return ota_fail(e, OTA_E_BAD_REQUEST, "out", "path too long");
    t->fd = mkstemp(t->tmp);
    if (t->fd < 0)
        return ota_fail(e, OTA_E_IO, "out", "cannot create a file beside %s: %s", dest, strerror(errno));
    if (fchmod(t->fd, 0600) < 0) {
        int err = errno;
        close(t->fd);
        unlink(t->tmp);
        t->fd = -1;
        return ota_fail(e, OTA_E_IO, "out", "%s: cannot set mode 0600: %s", t->tmp, strerror(err));
    }
    return 0;
}

static void tokens_file_drop(tokens_file *t)
{
    if (t->fd >= 0) {
        close(t->fd);
        unlink(t->tmp);
        t->fd = -1;
    }
}

/* The open temporary file as a stream (which then owns the descriptor). */
static FILE *tokens_file_stream(tokens_file *t, ota_err *e)
{
    FILE *f = fdopen(t->fd, "w");
    if (!f)
        ota_fail(e, OTA_E_IO, "out", "%s: %s", t->tmp, strerror(errno));
    else
        t->fd = -1;
    return f;
}

/* Written, synced and closed, then put in place. */
static int tokens_file_commit(tokens_file *t, FILE *f, ota_err *e)
{
    int rc = 0;
    if (fflush(f) != 0 || fsync(fileno(f)) != 0)
        rc = ota_fail(e, OTA_E_IO, "out", "cannot write %s: %s", t->tmp, strerror(errno));
    if (fclose(f) != 0 && rc == 0)
        rc = ota_fail(e, OTA_E_IO, "out", "cannot write %s: %s", t->tmp, strerror(errno));
    if (rc == 0 && t->force && rename(t->tmp, t->dest) < 0)
        rc = ota_fail(e, OTA_E_IO, "out", "cannot rename %s to %s: %s (the tokens are in %s)", t->tmp, t->dest,
                      strerror(errno), t->tmp);
    if (rc == 0 && !t->force) {
        if (link(t->tmp, t->dest) < 0)
            return ota_fail(e, errno == EEXIST ? OTA_E_CONFLICT : OTA_E_IO, "out",
                            "cannot create %s: %s; the tokens are in %s", t->dest, strerror(errno), t->tmp);
        unlink(t->tmp);
    }
    return rc;
}

/* CSV "device,token" (ids are CSV-quoted when they need it). */
static int tokens_file_write(tokens_file *t, const ota_device_token_list *l, ota_err *e)
{
    FILE *f = tokens_file_stream(t, e);
    if (!f)
        return -1;
    fputs("device,token\n", f);
    for (size_t i = 0; i < l->n; i++) {
        const char *id = l->items[i].device;
        if (strpbrk(id, ",\"\r\n")) {
            fputc('"', f);
            for (const char *p = id; *p; p++) {
                if (*p == '"')
                    fputc('"', f);
                fputc(*p, f);
            }
            fputc('"', f);
        } else {
            fputs(id, f);
        }
        fprintf(f, ",%s\n", l->items[i].token);
    }
    return tokens_file_commit(t, f, e);
}

int cmd_device_tokens(cli *c, int argc, char **argv)
{
    cli_opt opts[] = {OPT("out", true), OPT("rotate", false), OPT("force", false), OPT_END};
    char *pos[2];
    int n;
    if (cli_args(c, argc, argv, opts, pos, &n, 2, 2) < 0)
        return CLI_USAGE;
    if (!opts[0].set || !*opts[0].val)
        return cli_usage(c, "--out TOKENS is required (tokens are never printed; they go to a new file of mode 0600)");
    if (strlen(pos[0]) > OTA_KEY_MAX)
        return cli_usage(c, "PRODUCT at most %d bytes", OTA_KEY_MAX);
    ota_err e = {0};
    char **ids;
    size_t nids;
    if (fleet_ids(pos[1], &ids, &nids, &e) < 0)
        return cli_fail(&e);
    tokens_file tf;
    if (tokens_file_open(&tf, opts[0].val, opts[2].set, &e) < 0) {
        ids_free(ids, nids);
        return cli_fail(&e);
    }
    ota_backend *b = cli_backend(c);
    if (!b) {
        tokens_file_drop(&tf);
        ids_free(ids, nids);
        return CLI_REFUSED;
    }
    ota_device_token_list l = {0};
    int rc = b->ops->device_tokens_issue(b, pos[0], (const char *const *)ids, nids, opts[1].set, &l, &e);
    ids_free(ids, nids);
    ota_err we = {0};
    if (rc < 0 && l.n == 0) {  /* nothing issued: nothing to keep */
        tokens_file_drop(&tf);
        return cli_fail(&e);
    }
    /* Issued tokens are the devices' only copy: written even after a later
     * request of a remote bulk failed. */
    int wrc = tokens_file_write(&tf, &l, &we);
    size_t issued = l.n, skipped = l.skipped;
    ota_device_token_list_free(&l);
    if (wrc < 0) {
        tokens_file_drop(&tf);
        cli_fail(&we);
        if (rc < 0)
            cli_fail(&e);
        return CLI_REFUSED;
    }
    if (rc < 0) {
        fprintf(stderr, "otactl: %zu tokens issued before the failure are in %s\n", issued, tf.dest);
        return cli_fail(&e);
    }
    if (c->json)
        cli_print_json(json_pack("{s:I, s:I, s:s}", "issued", (json_int_t)issued, "skipped",
                                 (json_int_t)skipped, "out", tf.dest));
    else
        printf("%zu tokens issued for product %s, %zu skipped%s; written to %s (mode 0600)\n", issued, pos[0],
               skipped, skipped && !opts[1].set ? " (they have a token: --rotate replaces it)" : "", tf.dest);
    return CLI_OK;
}

/* ------------------------------------------------------ device enroll */
/* The device's own token for its product key (trust on first use), written
 * alone on one line to a new file of mode 0600 that --device-token-file
 * reads; the file is made before asking, so a folder that cannot take it
 * stops the command before the device's one enrollment is spent. */
int cmd_device_enroll(cli *c, int argc, char **argv)
{
    cli_opt opts[] = {OPT("out", true), OPT("force", false), OPT_END};
    char *pos[2];
    int n;
    if (cli_args(c, argc, argv, opts, pos, &n, 2, 2) < 0)
        return CLI_USAGE;
    if (!opts[0].set || !*opts[0].val)
        return cli_usage(c, "--out FILE is required (the token is never printed; it goes to a new file of mode 0600)");
    if (strlen(pos[0]) > OTA_KEY_MAX)
        return cli_usage(c, "PRODUCT at most %d bytes", OTA_KEY_MAX);
    if (strlen(pos[1]) > OTA_DEVICE_ID_MAX)
        return cli_usage(c, "ID at most %d bytes", OTA_DEVICE_ID_MAX);
    ota_err e = {0};
    tokens_file tf;
    if (tokens_file_open(&tf, opts[0].val, opts[1].set, &e) < 0)
        return cli_fail(&e);
    ota_backend *b = cli_backend_device(c);
    if (!b) {
        tokens_file_drop(&tf);
        return CLI_REFUSED;
    }
    char token[OTA_DEVICE_TOKEN_LEN + 1] = "";
    if (b->ops->device_enroll(b, pos[0], pos[1], token, &e) < 0) {
        tokens_file_drop(&tf);
        cli_fail(&e);
        if (e.code == OTA_E_UNAUTHORIZED)
            fputs("otactl: enrolling presents the product's device key: --device-key K, $OTA_DEVICE_KEY"
                  " or (remote) the profile's device_key\n", stderr);
        return CLI_REFUSED;
    }
    FILE *f = tokens_file_stream(&tf, &e);
    int rc = f ? 0 : -1;
    if (f) {
        fprintf(f, "%s\n", token);
        rc = tokens_file_commit(&tf, f, &e);
    }
    sodium_memzero(token, sizeof token);
    if (rc < 0) {
        tokens_file_drop(&tf);
        return cli_fail(&e);
    }
    if (c->json)
        cli_print_json(json_pack("{s:s, s:s, s:s, s:s}", "product", pos[0], "device", pos[1], "credential",
                                 ota_credential_str(OTA_CRED_ACTIVE), "out", tf.dest));
    else
        printf("device %s (product %s): enrolled; its token is in %s (mode 0600: --device-token-file %s)\n",
               pos[1], pos[0], tf.dest, tf.dest);
    return CLI_OK;
}
