/* otactl product ... and device ...: products, fleets, and one device by hand. */
#include <stdlib.h>
#include <string.h>
#include "otactl.h"

int cmd_product_add(cli *c, int argc, char **argv)
{
    char *pos[2];
    int n;
    if (cli_args(c, argc, argv, NULL, pos, &n, 2, 2) < 0)
        return CLI_USAGE;
    ota_product p = {0};
    if (strlen(pos[0]) >= sizeof p.key)
        return cli_refuse(OTA_E_VALIDATION, "key", "at most %d bytes (got %zu)", OTA_KEY_MAX, strlen(pos[0]));
    if (strlen(pos[1]) >= sizeof p.name) {
        long chars = ota_utf8_chars(pos[1], strlen(pos[1]));
        if (chars < 0)
            return cli_refuse(OTA_E_VALIDATION, "name", "must be valid UTF-8");
        return cli_refuse(OTA_E_VALIDATION, "name", "at most %d characters (got %ld)", OTA_NAME_MAX_CHARS, chars);
    }
    snprintf(p.key, sizeof p.key, "%s", pos[0]);
    snprintf(p.name, sizeof p.name, "%s", pos[1]);
    ota_backend *b = cli_backend(c);
    if (!b)
        return CLI_REFUSED;
    char key[65] = "";
    ota_err e = {0};
    if (b->ops->product_add(b, &p, key, &e) < 0)
        return cli_fail(&e);
    if (c->json) {
        json_t *j = ota_json_product(&p);
        json_object_set_new(j, "device_key", json_string(key));
        cli_print_json(j);
    } else {
        printf("product %s added (%s)\ndevice key (shown once): %s\n", p.key, p.name, key);
    }
    return CLI_OK;
}

int cmd_product_list(cli *c, int argc, char **argv)
{
    char *pos[1];
    int n;
    if (cli_args(c, argc, argv, NULL, pos, &n, 0, 0) < 0)
        return CLI_USAGE;
    ota_backend *b = cli_backend(c);
    if (!b)
        return CLI_REFUSED;
    ota_product_list l = {0};
    ota_err e = {0};
    if (b->ops->product_list_all(b, &l, &e) < 0)
        return cli_fail(&e);
    if (c->json) {
        json_t *items = json_array();
        for (size_t i = 0; i < l.n; i++)
            json_array_append_new(items, ota_json_product(&l.items[i]));
        cli_print_page(items, NULL);
    } else {
        cli_table t;
        char tb[40];
        table_init(&t, 5, "KEY", "NAME", "CREATED", "DEVICE AUTH", "ENROLLMENT");
        for (size_t i = 0; i < l.n; i++)
            table_row(&t, l.items[i].key, l.items[i].name, cli_time(l.items[i].created_at, tb, sizeof tb),
                      ota_device_auth_str(l.items[i].device_auth), l.items[i].enrollment_closed ? "closed" : "open");
        table_print(&t);
    }
    ota_product_list_free(&l);
    return CLI_OK;
}

int cmd_device_import(cli *c, int argc, char **argv)
{
    char *pos[2];
    int n;
    if (cli_args(c, argc, argv, NULL, pos, &n, 2, 2) < 0)
        return CLI_USAGE;
    ota_backend *b = cli_backend(c);
    if (!b)
        return CLI_REFUSED;
    ota_import_result r = {0};
    ota_err e = {0};
    if (b->ops->device_import(b, pos[0], pos[1], &r, &e) < 0)
        return cli_fail(&e);
    if (c->json)
        cli_print_json(ota_json_import_result(&r));
    else
        printf("imported %zu devices into %s (%zu added, %zu updated)\n", r.added + r.updated, pos[0],
               r.added, r.updated);
    return CLI_OK;
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* "module=1.0.0 mcu=2.1" */
static void versions_text(const ota_version *v, size_t n, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && off < len; i++)
        off += (size_t)snprintf(buf + off, len - off, "%s%s=%s", i ? " " : "", v[i].component, v[i].version);
}

int cmd_device_list(cli *c, int argc, char **argv)
{
    cli_opt opts[] = {OPT("query", true), OPT("limit", true), OPT("cursor", true), OPT_END};
    char *pos[1];
    int n;
    ota_page_req pg;
    if (cli_args(c, argc, argv, opts, pos, &n, 1, 1) < 0 || cli_page(c, opts, &pg) < 0)
        return CLI_USAGE;
    ota_backend *b = cli_backend(c);
    if (!b)
        return CLI_REFUSED;
    ota_device_page page = {0};
    ota_err e = {0};
    if (b->ops->device_list(b, pos[0], opts[0].val, &pg, &page, &e) < 0)
        return cli_fail(&e);
    if (c->json) {
        json_t *items = json_array();
        for (size_t i = 0; i < page.n; i++)
            json_array_append_new(items, ota_json_device(&page.items[i]));
        cli_print_page(items, page.next_cursor);
    } else {
        cli_table t;
        table_init(&t, 6, "DEVICE", "VERSIONS", "RSRP", "BATTERY", "LAST SEEN", "CREDENTIAL");
        for (size_t i = 0; i < page.n; i++) {
            const ota_device *d = &page.items[i];
            char vb[1024], rb[16] = "-", bb[16] = "-", tb[40];
            versions_text(d->versions, d->nversions, vb, sizeof vb);
            if (d->has_rsrp)
                snprintf(rb, sizeof rb, "%d", d->rsrp);
            if (d->has_battery)
                snprintf(bb, sizeof bb, "%d%%", d->battery);
            table_row(&t, d->id, vb, rb, bb, cli_time(d->last_seen, tb, sizeof tb), ota_credential_str(d->credential));
        }
        table_print(&t);
        if (page.next_cursor[0])
            printf("more: --cursor %s\n", page.next_cursor);
    }
    ota_device_page_free(&page);
    return CLI_OK;
}

/* One device: versions, last telemetry and the attributes its agent
 * reported ("key: value" lines, sorted so the output is stable). */
static void print_device(const ota_device *d, json_t *attrs)
{
    char tb[40];
    printf("device %s (product %s)\n", d->id, d->product);
    printf("last seen: %s\n", cli_time(d->last_seen, tb, sizeof tb));
    if (d->has_rsrp)
        printf("rsrp: %d dBm\n", d->rsrp);
    else
        printf("rsrp: -\n");
    if (d->has_battery)
        printf("battery: %d%%\n", d->battery);
    else
        printf("battery: -\n");
    if (d->credential == OTA_CRED_NONE)
        printf("credential: none\n");
    else
        printf("credential: %s since %s\n", ota_credential_str(d->credential),
               cli_time(d->credential_at, tb, sizeof tb));
    cli_table t;
    table_init(&t, 2, "COMPONENT", "VERSION");
    for (size_t i = 0; i < d->nversions; i++)
        table_row(&t, d->versions[i].component, d->versions[i].version);
    table_print(&t);
    size_t n = json_object_size(attrs);
    if (!n) {
        printf("attributes: none reported\n");
        return;
    }
    const char **keys = malloc(n * sizeof *keys);
    const char *k;
    json_t *v;
    size_t i = 0;
    json_object_foreach(attrs, k, v)
        if (keys && i < n)
            keys[i++] = k;
    if (keys)
        qsort(keys, i, sizeof *keys, cmp_str);
    table_init(&t, 2, "ATTRIBUTE", "VALUE");
    for (size_t m = 0; keys && m < i; m++)
        table_row(&t, keys[m], json_string_value(json_object_get(attrs, keys[m])));
    table_print(&t);
    free(keys);
}

int cmd_device_show(cli *c, int argc, char **argv)
{
    char *pos[2];
    int n;
    if (cli_args(c, argc, argv, NULL, pos, &n, 2, 2) < 0)
        return CLI_USAGE;
    ota_backend *b = cli_backend(c);
    if (!b)
        return CLI_REFUSED;
    ota_device d;
    json_t *attrs = NULL;
    ota_err e = {0};
    if (b->ops->device_detail(b, pos[0], pos[1], &d, &attrs, &e) < 0)
        return cli_fail(&e);
    if (c->json) {
        json_t *j = ota_json_device(&d);
        json_object_set_new(j, "attributes", attrs);
        cli_print_json(j);
    } else {
        print_device(&d, attrs);
        json_decref(attrs);
    }
    return CLI_OK;
}

/* "module=1.2.0,mcu=2.1" into the check-in's versions. */
static int parse_versions(cli *c, const char *s, ota_checkin_req *r)
{
    char *dup = strdup(s), *save = NULL;
    int rc = 0;
    for (char *tok = strtok_r(dup, ",", &save); tok && rc == 0; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq || eq == tok || !eq[1])
            rc = cli_usage(c, "--versions: \"%s\" is not COMPONENT=VERSION", tok);
        else if (r->nversions == OTA_MAX_COMPONENTS)
            rc = cli_usage(c, "--versions: at most %d components", OTA_MAX_COMPONENTS);
        else if ((size_t)(eq - tok) > OTA_KEY_MAX || strlen(eq + 1) > OTA_KEY_MAX)
            rc = cli_usage(c, "--versions: \"%s\": component and version at most %d bytes", tok, OTA_KEY_MAX);
        else {
            *eq = '\0';
            snprintf(r->versions[r->nversions].component, sizeof r->versions[0].component, "%s", tok);
            snprintf(r->versions[r->nversions].version, sizeof r->versions[0].version, "%s", eq + 1);
            r->nversions++;
        }
    }
    free(dup);
    return rc ? -1 : 0;
}

static void print_offer(const ota_job_offer *o)
{
    if (!o->has_job) {
        printf("no job\n");
        return;
    }
    printf("job %lld (plan %lld, %s mode, %s)\n", (long long)o->job_id, (long long)o->plan_id,
           ota_mode_str(o->mode), ota_job_state_str(o->state));
    cli_table t;
    table_init(&t, 6, "COMPONENT", "VERSION", "KIND", "FILE", "SIZE", "SHA256");
    for (size_t i = 0; i < o->ncomponents; i++) {
        const ota_offer_component *oc = &o->components[i];
        for (size_t k = 0; k < oc->nfiles; k++) {
            char sb[32];
            table_row(&t, k ? "" : oc->component, k ? "" : oc->version, k ? "" : ota_kind_str(oc->kind),
                      oc->files[k].name, cli_size(oc->files[k].size, sb, sizeof sb), oc->files[k].sha256);
        }
    }
    table_print(&t);
}

int cmd_device_checkin(cli *c, int argc, char **argv)
{
    cli_opt opts[] = {OPT("versions", true), OPT("rsrp", true), OPT("battery", true), OPT_END};
    char *pos[2];
    int n;
    if (cli_args(c, argc, argv, opts, pos, &n, 2, 2) < 0)
        return CLI_USAGE;
    ota_checkin_req r = {0};
    if (strlen(pos[0]) > OTA_KEY_MAX || strlen(pos[1]) > OTA_DEVICE_ID_MAX)
        return cli_usage(c, "PRODUCT at most %d bytes, DEVICE at most %d", OTA_KEY_MAX, OTA_DEVICE_ID_MAX);
    snprintf(r.product, sizeof r.product, "%s", pos[0]);
    snprintf(r.device, sizeof r.device, "%s", pos[1]);
    long v;
    if (!opts[0].set)
        return cli_usage(c, "--versions is required");
    if (parse_versions(c, opts[0].val, &r) < 0)
        return CLI_USAGE;
    if (opts[1].set) {
        if (cli_parse_int(c, opts[1].val, "--rsrp", -200, 0, &v) < 0)
            return CLI_USAGE;
        r.has_rsrp = true;
        r.rsrp = (int)v;
    }
    if (opts[2].set) {
        if (cli_parse_int(c, opts[2].val, "--battery", OTA_BATTERY_MIN, OTA_BATTERY_MAX, &v) < 0)
            return CLI_USAGE;
        r.has_battery = true;
        r.battery = (int)v;
    }
    ota_backend *b = cli_backend_device(c);
    if (!b)
        return CLI_REFUSED;
    ota_job_offer o = {0};
    ota_err e = {0};
    if (b->ops->checkin(b, &r, &o, &e) < 0) {
        ota_job_offer_free(&o);
        return cli_fail(&e);
    }
    if (c->json)
        cli_print_json(ota_json_offer(&o));
    else
        print_offer(&o);
    ota_job_offer_free(&o);
    return CLI_OK;
}

int cmd_device_confirm(cli *c, int argc, char **argv)
{
    char *pos[1];
    int n;
    int64_t job;
    if (cli_args(c, argc, argv, NULL, pos, &n, 1, 1) < 0 || cli_parse_id(c, pos[0], "JOB", &job) < 0)
        return CLI_USAGE;
    ota_backend *b = cli_backend_device(c);
    if (!b)
        return CLI_REFUSED;
    ota_err e = {0};
    if (b->ops->job_confirm(b, job, NULL, &e) < 0)
        return cli_fail(&e);
    if (c->json)
        cli_print_json(json_pack("{s:I, s:b}", "job", (json_int_t)job, "confirmed", 1));
    else
        printf("job %lld confirmed\n", (long long)job);
    return CLI_OK;
}

int cmd_device_report(cli *c, int argc, char **argv)
{
    cli_opt opts[] = {OPT("progress", true), OPT("error", true), OPT_END};
    char *pos[2];
    int n;
    int64_t job;
    long progress = 0;
    ota_job_state to;
    if (cli_args(c, argc, argv, opts, pos, &n, 2, 2) < 0 || cli_parse_id(c, pos[0], "JOB", &job) < 0)
        return CLI_USAGE;
    if (ota_job_state_parse(pos[1], &to) < 0 ||
        !ota_job_is_reportable(to))
        return cli_usage(c, "STATE must be downloading, installing, succeeded or failed (got \"%s\")", pos[1]);
    if (opts[0].set && cli_parse_int(c, opts[0].val, "--progress", 0, 100, &progress) < 0)
        return CLI_USAGE;
    ota_backend *b = cli_backend_device(c);
    if (!b)
        return CLI_REFUSED;
    ota_err e = {0};
    if (b->ops->job_report(b, job, NULL, to, (int)progress, opts[1].val, &e) < 0)
        return cli_fail(&e);
    if (c->json)
        cli_print_json(json_pack("{s:I, s:s, s:i}", "job", (json_int_t)job, "state", ota_job_state_str(to),
                                 "progress", (int)progress));
    else
        printf("job %lld: %s\n", (long long)job, ota_job_state_str(to));
    return CLI_OK;
}
