/* otactl key/sign/verify/audit: signing keys, package signatures checked
 * against a folder of trusted public keys, and the audit trail.
 *
 * Signing happens here, on the operator's machine: the secret key never
 * travels; the server receives the signature and the public key and checks
 * them against the package's manifest before storing them. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "otactl.h"
#include "cmd_trust.h"

static const char *default_key_dir(char *buf, size_t len)
{
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    if (xdg && *xdg)
        snprintf(buf, len, "%s/otaconsole/keys", xdg);
    else
        snprintf(buf, len, "%s/.config/otaconsole/keys", home && *home ? home : ".");
    return buf;
}

int cmd_key_generate(cli *c, int argc, char **argv)
{
    cli_opt opts[] = {OPT("dir", true), OPT_END};
    char *pos[1], dirbuf[PATH_MAX], sp[PATH_MAX], pp[PATH_MAX], trusted[PATH_MAX];
    int n;
    if (cli_args(c, argc, argv, opts, pos, &n, 1, 1) < 0)
        return CLI_USAGE;
    const char *dir = opts[0].set ? opts[0].val : default_key_dir(dirbuf, sizeof dirbuf);
    ota_err e = {0};
    if (ota_key_generate(pos[0], dir, sp, pp, &e) < 0)
        return cli_fail(&e);
    ota_sign_key k;
    if (ota_key_load_public(pp, &k, &e) < 0)
        return cli_fail(&e);
    ota_trusted_dir_default(trusted, sizeof trusted);
    if (c->json) {
        cli_print_json(json_pack("{s:s, s:s, s:s, s:s}", "name", k.name, "key_id", k.key_id, "secret_key", sp,
                                 "public_key", pp));
    } else {
        printf("key %s (id %s)\n", k.name, k.key_id);
        printf("  secret key  %s (mode 0600: keep it private)\n", sp);
        printf("  public key  %s\n", pp);
        printf("to trust it, copy the public key into the trusted folder of the server and consoles,\n"
               "e.g. %s/\n", trusted);
    }
    return CLI_OK;
}

int cmd_package_sign(cli *c, int argc, char **argv)
{
    cli_opt opts[] = {OPT("key", true), OPT_END};
    char *pos[1];
    int n;
    int64_t id;
    if (cli_args(c, argc, argv, opts, pos, &n, 1, 1) < 0 || cli_parse_id(c, pos[0], "ID", &id) < 0)
        return CLI_USAGE;
    if (!opts[0].set)
        return cli_usage(c, "--key FILE (a secret key from otactl key generate) is required");
    ota_err e = {0};
    ota_sign_key k;
    if (ota_key_load_secret(opts[0].val, &k, &e) < 0)  /* refused before anything else is opened */
        return cli_fail(&e);
    ota_backend *b = cli_backend(c);
    ota_package p;
    ota_signature sig;
    int rc = b ? 0 : -1;
    if (rc == 0 && !b->ops->package_sign_add)
        rc = ota_fail(&e, OTA_E_BAD_REQUEST, NULL, "this backend cannot store signatures");
    if (rc == 0)
        rc = b->ops->package_get(b, id, &p, &e);
    if (rc == 0)
        rc = ota_package_sign_make(&p, &k, &sig, &e);
    ota_key_wipe(&k);
    if (rc == 0)
        rc = b->ops->package_sign_add(b, id, &sig, &p, &e);
    if (rc < 0)
        return b ? cli_fail(&e) : CLI_REFUSED;
    if (c->json)
        cli_print_json(ota_json_package(&p));
    else
        printf("package %lld signed by %s (key %s); it carries %zu signature%s\n", (long long)id, sig.signer,
               sig.key_id, p.nsignatures, p.nsignatures == 1 ? "" : "s");
    return CLI_OK;
}

static json_t *report_json(const ota_verify_result *v, const ota_trust_report *r, const char *state,
                           const char *dir)
{
    json_t *j = ota_json_verify(v), *a = json_array();
    for (size_t i = 0; i < r->n; i++)
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s}", "key_id", r->sigs[i].key_id, "signer",
                                           r->sigs[i].signer, "status", ota_sig_status_str(r->sigs[i].status),
                                           "detail", r->sigs[i].detail));
    json_object_set_new(j, "signatures", a);
    json_object_set_new(j, "signature_state", json_string(state));
    json_object_set_new(j, "trusted", json_string(dir));
    return j;
}

/* Hashes (on the backend) and every signature (here, against the trusted
 * folder).  Refused when a file differs or a signature is invalid or
 * revoked; an unsigned package or an untrusted key is reported, not refused. */
int cmd_package_verify_signed(cli *c, int argc, char **argv)
{
    cli_opt opts[] = {OPT("trusted", true), OPT_END};
    char *pos[1], dir[PATH_MAX];
    int n;
    int64_t id;
    if (cli_args(c, argc, argv, opts, pos, &n, 1, 1) < 0 || cli_parse_id(c, pos[0], "ID", &id) < 0)
        return CLI_USAGE;
    if (opts[0].set)
        snprintf(dir, sizeof dir, "%s", opts[0].val);
    else
        ota_trusted_dir_default(dir, sizeof dir);
    ota_backend *b = cli_backend(c);
    if (!b)
        return CLI_REFUSED;
    ota_verify_result v;
    ota_package p;
    ota_trust_report r;
    ota_err e = {0};
    if (b->ops->package_verify(b, id, &v, &e) < 0 || b->ops->package_get(b, id, &p, &e) < 0 ||
        ota_package_check_signatures(&p, dir, &r, &e) < 0)
        return cli_fail(&e);
    char summary[600];
    const char *state = ota_trust_summary(&r, summary, sizeof summary);
    size_t bad = 0, badsig = 0;
    for (size_t i = 0; i < v.nfiles; i++)
        bad += !v.files[i].ok;
    for (size_t i = 0; i < r.n; i++)
        badsig += r.sigs[i].status == OTA_SIG_INVALID || r.sigs[i].status == OTA_SIG_REVOKED;
    if (c->json) {
        cli_print_json(report_json(&v, &r, state, dir));
    } else {
        cli_table t;
        table_init(&t, 3, "FILE", "RESULT", "DETAIL");
        for (size_t i = 0; i < v.nfiles; i++)
            table_row(&t, v.files[i].name, v.files[i].ok ? "ok" : "FAILED", v.files[i].error);
        table_print(&t);
        printf("\n");
        if (r.n) {
            table_init(&t, 4, "KEY", "SIGNER", "SIGNATURE", "DETAIL");
            for (size_t i = 0; i < r.n; i++)
                table_row(&t, r.sigs[i].key_id, r.sigs[i].signer, ota_sig_status_str(r.sigs[i].status),
                          r.sigs[i].detail);
            table_print(&t);
        }
        printf("signatures: %s (trusted keys: %s)\n", summary, dir);
    }
    if (!v.ok || bad)
        return cli_refuse(OTA_E_IO, "files", "package %lld: %zu of %zu files differ from their recorded SHA-256",
                          (long long)id, bad, v.nfiles);
    if (badsig)
        return cli_refuse(OTA_E_VALIDATION, "signatures", "package %lld: %zu of %zu signatures fail: %s",
                          (long long)id, badsig, r.n, summary);
    return CLI_OK;
}

/* ------------------------------------------------------------------ audit */
static int audit_query(cli *c, cli_opt *opts, ota_audit_query *q)
{
    memset(q, 0, sizeof *q);
    cli_opt *a = cli_opt_get(opts, "actor"), *t = cli_opt_get(opts, "target"), *s = cli_opt_get(opts, "since");
    q->actor = a->set ? a->val : NULL;
    q->target = t->set ? t->val : NULL;
    if (s->set && ota_time_parse(s->val, &q->since) < 0)
        return cli_usage(c, "--since must be an RFC 3339 time such as 2026-12-01T00:00:00Z (got \"%s\")", s->val),
               -1;
    return cli_page(c, opts, &q->page);
}

int cmd_audit(cli *c, int argc, char **argv)
{
    cli_opt opts[] = {OPT("actor", true), OPT("target", true), OPT("since", true),
                      OPT("limit", true), OPT("cursor", true), OPT_END};
    char *pos[1];
    int n;
    ota_audit_query q;
    if (cli_args(c, argc, argv, opts, pos, &n, 0, 0) < 0 || audit_query(c, opts, &q) < 0)
        return CLI_USAGE;
    ota_backend *b = cli_backend(c);
    if (!b)
        return CLI_REFUSED;
    ota_audit_page pg;
    ota_err e = {0};
    if (!b->ops->audit_list)
        return cli_refuse(OTA_E_BAD_REQUEST, NULL, "this backend has no audit trail");
    if (b->ops->audit_list(b, &q, &pg, &e) < 0)
        return cli_fail(&e);
    if (c->json) {
        json_t *items = json_array();
        for (size_t i = 0; i < pg.n; i++)
            json_array_append_new(items, ota_json_audit_row(&pg.items[i]));
        cli_print_page(items, pg.next_cursor);
    } else {
        cli_table t;
        table_init(&t, 7, "SEQ", "TIME", "ACTOR", "ACTION", "TARGET", "OUTCOME", "DETAIL");
        for (size_t i = 0; i < pg.n; i++) {
            const ota_audit_row *r = &pg.items[i];
            char seq[24], tb[40];
            snprintf(seq, sizeof seq, "%lld", (long long)r->seq);
            table_row(&t, seq, cli_time(r->at, tb, sizeof tb), r->actor, r->action, r->target, r->outcome,
                      r->detail);
        }
        table_print(&t);
        if (pg.next_cursor[0])
            printf("more: --cursor %s\n", pg.next_cursor);
    }
    ota_audit_page_free(&pg);
    return CLI_OK;
}

/* Every matching row as one JSON object a line (for a SIEM), oldest first,
 * page after page until the end. */
int cmd_audit_export(cli *c, int argc, char **argv)
{
    cli_opt opts[] = {OPT("actor", true), OPT("target", true), OPT("since", true),
                      OPT("limit", true), OPT("cursor", true), OPT("out", true), OPT_END};
    char *pos[1];
    int n;
    ota_audit_query q;
    if (cli_args(c, argc, argv, opts, pos, &n, 0, 0) < 0 || audit_query(c, opts, &q) < 0)
        return CLI_USAGE;
    if (!q.page.limit)
        q.page.limit = OTA_LIST_MAX;
    ota_backend *b = cli_backend(c);
    if (!b)
        return CLI_REFUSED;
    if (!b->ops->audit_list)
        return cli_refuse(OTA_E_BAD_REQUEST, NULL, "this backend has no audit trail");
    FILE *out = stdout;
    cli_opt *o = cli_opt_get(opts, "out");
    if (o->set && !(out = fopen(o->val, "w")))
        return cli_refuse(OTA_E_IO, "out", "cannot create %s", o->val);
    ota_err e = {0};
    int rc = CLI_OK;
    long rows = 0;
    for (;;) {
        ota_audit_page pg;
        if (b->ops->audit_list(b, &q, &pg, &e) < 0) {
            rc = cli_fail(&e);
            break;
        }
        for (size_t i = 0; i < pg.n; i++) {
            json_t *j = ota_json_audit_row(&pg.items[i]);
            json_dumpf(j, out, JSON_COMPACT | JSON_PRESERVE_ORDER);
            fputc('\n', out);
            json_decref(j);
            rows++;
        }
        bool more = pg.next_cursor[0] != 0;
        snprintf(q.page.cursor, sizeof q.page.cursor, "%s", pg.next_cursor);
        ota_audit_page_free(&pg);
        if (!more)
            break;
    }
    if (out != stdout && fclose(out) != 0 && rc == CLI_OK)
        rc = cli_refuse(OTA_E_IO, "out", "cannot write %s", o->val);
    if (rc == CLI_OK && out != stdout)
        fprintf(stderr, "%ld audit rows written to %s\n", rows, o->val);
    return rc;
}
