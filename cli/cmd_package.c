/* otactl package ...: version packages and their stored files. */
#include <stdlib.h>
#include <string.h>
#include "otactl.h"

void print_package(const ota_package *p)
{
    char tb[40], sb[32];
    printf("package %lld\n", (long long)p->id);
    printf("  component       %s\n", p->meta.component);
    printf("  kind            %s\n", ota_kind_str(p->meta.kind));
    printf("  target version  %s\n", p->meta.target_version);
    printf("  source version  %s\n", p->meta.source_version[0] ? p->meta.source_version : "-");
    printf("  remark          %s\n", p->meta.remark[0] ? p->meta.remark : "-");
    printf("  created         %s\n", cli_time(p->created_at, tb, sizeof tb));
    printf("  files\n");
    cli_table t;
    table_init(&t, 4, "    NAME", "SIZE", "BYTES", "SHA256");
    for (size_t i = 0; i < p->nfiles; i++) {
        char name[OTA_FILE_NAME_MAX + 8], bytes[32];
        snprintf(name, sizeof name, "    %s", p->files[i].name);
        snprintf(bytes, sizeof bytes, "%llu", (unsigned long long)p->files[i].size);
        table_row(&t, name, cli_size(p->files[i].size, sb, sizeof sb), bytes, p->files[i].sha256);
    }
    table_print(&t);
}

static int copy_opt(cli_opt *o, char *dst, size_t cap, const char *field, size_t limit)
{
    if (!o->set)
        return 0;
    if (strlen(o->val) >= cap)
        return cli_refuse(OTA_E_VALIDATION, field, "at most %zu bytes (got %zu)", limit, strlen(o->val));
    snprintf(dst, cap, "%s", o->val);
    return 0;
}

int cmd_package_add(cli *c, int argc, char **argv)
{
    cli_opt opts[] = {OPT("component", true), OPT("kind", true),   OPT("target", true),
                      OPT("source", true),    OPT("remark", true), OPT_END};
    char *pos[64];
    int n;
    if (cli_args(c, argc, argv, opts, pos, &n, 1, 64) < 0)
        return CLI_USAGE;
    if (!opts[0].set || !opts[1].set || !opts[2].set)
        return cli_usage(c, "--component, --kind and --target are required");
    ota_package_meta m = {0};
    if (ota_kind_parse(opts[1].val, &m.kind) < 0)
        return cli_usage(c, "--kind must be full or diff (got \"%s\")", opts[1].val);
    if (copy_opt(&opts[0], m.component, sizeof m.component, "component", OTA_KEY_MAX) ||
        copy_opt(&opts[2], m.target_version, sizeof m.target_version, "target_version", OTA_KEY_MAX) ||
        copy_opt(&opts[3], m.source_version, sizeof m.source_version, "source_version", OTA_KEY_MAX))
        return CLI_REFUSED;
    if (opts[4].set) {
        long chars = ota_utf8_chars(opts[4].val, strlen(opts[4].val));
        if (chars < 0)
            return cli_refuse(OTA_E_VALIDATION, "remark", "is not valid UTF-8");
        if (strlen(opts[4].val) >= sizeof m.remark)
            return cli_refuse(OTA_E_VALIDATION, "remark", "at most %d characters (got %ld)",
                              OTA_REMARK_MAX_CHARS, chars);
        snprintf(m.remark, sizeof m.remark, "%s", opts[4].val);
    }
    ota_backend *b = cli_backend(c);
    if (!b)
        return CLI_REFUSED;
    ota_package p;
    ota_err e = {0};
    if (b->ops->package_create(b, &m, (const char *const *)pos, (size_t)n, &p, &e) < 0)
        return cli_fail(&e);
    if (c->json)
        cli_print_json(ota_json_package(&p));
    else
        print_package(&p);
    return CLI_OK;
}

int cmd_package_list(cli *c, int argc, char **argv)
{
    cli_opt opts[] = {OPT("component", true), OPT("limit", true), OPT("cursor", true), OPT_END};
    char *pos[1];
    int n;
    ota_page_req pg;
    if (cli_args(c, argc, argv, opts, pos, &n, 0, 0) < 0 || cli_page(c, opts, &pg) < 0)
        return CLI_USAGE;
    ota_backend *b = cli_backend(c);
    if (!b)
        return CLI_REFUSED;
    ota_package_page page = {0};
    ota_err e = {0};
    if (b->ops->package_list(b, opts[0].val, &pg, &page, &e) < 0)
        return cli_fail(&e);
    if (c->json) {
        json_t *items = json_array();
        for (size_t i = 0; i < page.n; i++)
            json_array_append_new(items, ota_json_package(&page.items[i]));
        cli_print_page(items, page.next_cursor);
    } else {
        cli_table t;
        table_init(&t, 8, "ID", "COMPONENT", "KIND", "TARGET", "SOURCE", "FILES", "SIZE", "REMARK");
        for (size_t i = 0; i < page.n; i++) {
            const ota_package *p = &page.items[i];
            char id[24], nf[8], sb[32];
            uint64_t total = 0;
            for (size_t k = 0; k < p->nfiles; k++)
                total += p->files[k].size;
            snprintf(id, sizeof id, "%lld", (long long)p->id);
            snprintf(nf, sizeof nf, "%zu", p->nfiles);
            table_row(&t, id, p->meta.component, ota_kind_str(p->meta.kind), p->meta.target_version,
                      p->meta.source_version[0] ? p->meta.source_version : "-", nf,
                      cli_size(total, sb, sizeof sb), p->meta.remark);
        }
        table_print(&t);
        if (page.next_cursor[0])
            printf("more: --cursor %s\n", page.next_cursor);
    }
    ota_package_page_free(&page);
    return CLI_OK;
}

/* The common "one ID argument" start of show/verify/delete. */
static ota_backend *one_id(cli *c, int argc, char **argv, int64_t *id, int *rc)
{
    char *pos[1];
    int n;
    if (cli_args(c, argc, argv, NULL, pos, &n, 1, 1) < 0 || cli_parse_id(c, pos[0], "ID", id) < 0) {
        *rc = CLI_USAGE;
        return NULL;
    }
    ota_backend *b = cli_backend(c);
    *rc = b ? CLI_OK : CLI_REFUSED;
    return b;
}

int cmd_package_show(cli *c, int argc, char **argv)
{
    int64_t id;
    int rc;
    ota_backend *b = one_id(c, argc, argv, &id, &rc);
    if (!b)
        return rc;
    ota_package p;
    ota_err e = {0};
    if (b->ops->package_get(b, id, &p, &e) < 0)
        return cli_fail(&e);
    if (c->json)
        cli_print_json(ota_json_package(&p));
    else
        print_package(&p);
    return CLI_OK;
}

int cmd_package_verify(cli *c, int argc, char **argv)
{
    int64_t id;
    int rc;
    ota_backend *b = one_id(c, argc, argv, &id, &rc);
    if (!b)
        return rc;
    ota_verify_result v;
    ota_err e = {0};
    if (b->ops->package_verify(b, id, &v, &e) < 0)
        return cli_fail(&e);
    size_t bad = 0;
    for (size_t i = 0; i < v.nfiles; i++)
        bad += !v.files[i].ok;
    if (c->json) {
        cli_print_json(ota_json_verify(&v));
    } else {
        cli_table t;
        table_init(&t, 3, "FILE", "RESULT", "DETAIL");
        for (size_t i = 0; i < v.nfiles; i++)
            table_row(&t, v.files[i].name, v.files[i].ok ? "ok" : "FAILED", v.files[i].error);
        table_print(&t);
    }
    if (!v.ok || bad)
        return cli_refuse(OTA_E_IO, "files", "package %lld: %zu of %zu files differ from their recorded SHA-256",
                          (long long)id, bad, v.nfiles);
    return CLI_OK;
}

int cmd_package_delete(cli *c, int argc, char **argv)
{
    int64_t id;
    int rc;
    ota_backend *b = one_id(c, argc, argv, &id, &rc);
    if (!b)
        return rc;
    ota_err e = {0};
    if (b->ops->package_delete(b, id, &e) < 0)
        return cli_fail(&e);
    if (c->json)
        cli_print_json(json_pack("{s:I, s:b}", "id", (json_int_t)id, "deleted", 1));
    else
        printf("package %lld deleted\n", (long long)id);
    return CLI_OK;
}

int cmd_package_download(cli *c, int argc, char **argv)
{
    char *pos[3];
    int n;
    int64_t id;
    if (cli_args(c, argc, argv, NULL, pos, &n, 2, 3) < 0 || cli_parse_id(c, pos[0], "ID", &id) < 0)
        return CLI_USAGE;
    if (strchr(pos[1], '/'))
        return cli_usage(c, "FILE_NAME is a file of the package, not a path");
    const char *dest = n == 3 ? pos[2] : pos[1];
    ota_backend *b = cli_backend(c);
    if (!b)
        return CLI_REFUSED;
    ota_err e = {0};
    if (b->ops->package_download(b, id, pos[1], dest, &e) < 0)
        return cli_fail(&e);
    if (c->json)
        cli_print_json(json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "file", pos[1], "saved", dest));
    else
        printf("%s saved to %s (SHA-256 verified)\n", pos[1], dest);
    return CLI_OK;
}

/* SHA-1 and MD5 (what hawkBit agents check) for package files stored
 * before they were recorded: re-hashes the blobs of the local engine.
 * otad does the same for its own store at every start. */
int cmd_package_fill_hashes(cli *c, int argc, char **argv)
{
    char *pos[1];
    int n;
    int64_t id = 0;
    if (cli_args(c, argc, argv, NULL, pos, &n, 0, 1) < 0 || (n == 1 && cli_parse_id(c, pos[0], "ID", &id) < 0))
        return CLI_USAGE;
    ota_backend *b = cli_backend(c);
    if (!b)
        return CLI_REFUSED;
    ota_engine *eng = ota_backend_local_engine(b);
    if (!eng)
        return cli_refuse(OTA_E_BAD_REQUEST, NULL,
                          "this command runs on the local engine only (otad fills its own at start)");
    ota_err e = {0};
    ota_package p;
    if (id && ota_package_get(eng, id, &p, &e) < 0)
        return cli_fail(&e);
    long filled = 0;
    int rc = ota_package_fill_hashes(eng, id, &filled, &e);
    if (c->json)
        cli_print_json(json_pack("{s:I}", "filled", (json_int_t)filled));
    else
        printf("filled SHA-1 and MD5 of %ld stored file%s\n", filled, filled == 1 ? "" : "s");
    return rc < 0 ? cli_fail(&e) : CLI_OK;
}
