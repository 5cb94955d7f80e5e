/* otactl plan ...: upgrade plans, their transitions and live status. */
#include <stdlib.h>
#include <string.h>
#include "otactl.h"

static void print_list(const char *label, const ota_strlist *l)
{
    printf("  %-15s ", label);
    if (!l->n)
        printf("-");
    for (size_t i = 0; i < l->n && i < 20; i++)
        printf("%s%s", i ? ", " : "", l->v[i]);
    if (l->n > 20)
        printf(", ... (%zu in all)", l->n);
    printf("\n");
}

static void print_staged(const ota_plan *p)
{
    if (p->has_rollout) {
        const ota_rollout *r = &p->rollout;
        printf("  waves           ");
        for (size_t i = 0; i < r->nwaves; i++) {
            char b[24];
            printf("%s%s", i ? ", " : "", ota_wave_size_format(&r->waves[i], b, sizeof b));
        }
        printf("\n  thresholds      success %d%%, failure %d%% after %lld finished\n", r->success_threshold,
               r->failure_threshold, (long long)r->min_finished);
        printf("  advance         %s, soak %llds, on failure %s\n", ota_advance_str(r->advance),
               (long long)r->soak_seconds, ota_on_failure_str(r->on_failure));
        if (r->max_offers_per_minute)
            printf("  rate limit      %lld offers/min\n", (long long)r->max_offers_per_minute);
        else
            printf("  rate limit      none\n");
    }
    if (p->has_maintenance) {
        const ota_maintenance *m = &p->maintenance;
        printf("  maintenance     %s%s\n", m->timezone, m->device_timezone ? " (or the device's own zone)" : "");
        for (size_t i = 0; i < m->nwindows; i++) {
            char a[12], b[12];
            printf("                  ");
            for (int d = 0, k = 0; d < 7; d++)
                if (m->windows[i].days & (1u << d))
                    printf("%s%s", k++ ? "," : "", ota_day_str(d));
            const char *s = ota_hhmm_format(m->windows[i].start, a, sizeof a);
            const char *t = ota_hhmm_format(m->windows[i].end, b, sizeof b);
            printf(" %s-%s\n", s ? s : "?", t ? t : "?");
        }
    }
}

void print_plan(const ota_plan *p)
{
    char a[40], b[40];
    printf("plan %lld: %s\n", (long long)p->id, p->name);
    printf("  product         %s\n", p->product);
    if (p->state == OTA_PLAN_PAUSED && p->paused_reason[0])
        printf("  state           paused (from %s; by the engine: %s)\n", ota_plan_state_str(p->paused_from),
               p->paused_reason);
    else if (p->state == OTA_PLAN_PAUSED)
        printf("  state           paused (from %s)\n", ota_plan_state_str(p->paused_from));
    else
        printf("  state           %s\n", ota_plan_state_str(p->state));
    printf("  revision        %lld\n", (long long)p->revision);
    printf("  mode            %s\n", ota_mode_str(p->mode));
    printf("  strategy        retries %d, min RSRP %d dBm, min battery %d%%, job timeout %llds\n", p->retries,
           p->min_rsrp, p->min_battery, (long long)p->job_timeout);
    if (p->retry_interval_seconds)
        printf("  retry interval  %llds\n", (long long)p->retry_interval_seconds);
    printf("  window          %s .. %s\n", cli_time(p->window_start, a, sizeof a),
           cli_time(p->window_end, b, sizeof b));
    print_list("blacklist", &p->blacklist);
    print_list("whitelist", &p->whitelist);
    printf("  components      ");
    for (size_t i = 0; i < p->ncomponents; i++)
        printf("%s%s (package %lld)", i ? ", " : "", p->components[i].component,
               (long long)p->components[i].package_id);
    printf("%s\n", p->ncomponents ? "" : "-");
    print_staged(p);
    if (p->activated_at)
        printf("  activated       %s\n", cli_time(p->activated_at, a, sizeof a));
}

static void show_plan(cli *c, const ota_plan *p)
{
    if (c->json)
        cli_print_json(ota_json_plan(p));
    else
        print_plan(p);
}

/* Reads FILE.json into a plan: the file is the API.md plan shape. */
static int load_plan(const char *path, ota_plan *p, ota_err *e)
{
    json_t *j = cli_load_json(path, e);
    if (!j)
        return -1;
    int rc = ota_plan_from_json(j, p, e);
    json_decref(j);
    return rc;
}

int cmd_plan_create(cli *c, int argc, char **argv)
{
    char *pos[1];
    int n;
    if (cli_args(c, argc, argv, NULL, pos, &n, 1, 1) < 0)
        return CLI_USAGE;
    ota_plan p;
    ota_err e = {0};
    if (load_plan(pos[0], &p, &e) < 0)
        return cli_fail(&e);
    ota_backend *b = cli_backend(c);
    int rc = CLI_REFUSED;
    if (b) {
        p.id = 0;
        if (b->ops->plan_create(b, &p, &e) < 0) {
            rc = cli_fail(&e);
        } else {
            if (c->json)
                show_plan(c, &p);
            else
                printf("plan %lld created (revision %lld)\n", (long long)p.id, (long long)p.revision);
            rc = CLI_OK;
        }
    }
    ota_plan_free(&p);
    return rc;
}

int cmd_plan_edit(cli *c, int argc, char **argv)
{
    cli_opt opts[] = {OPT("revision", true), OPT_END};
    char *pos[2];
    int n;
    int64_t id, rev;
    if (cli_args(c, argc, argv, opts, pos, &n, 2, 2) < 0 || cli_parse_id(c, pos[0], "ID", &id) < 0)
        return CLI_USAGE;
    if (!opts[0].set)
        return cli_usage(c, "--revision is required (the revision you edited, see plan show)");
    if (cli_parse_id(c, opts[0].val, "--revision", &rev) < 0)
        return CLI_USAGE;
    ota_plan p;
    ota_err e = {0};
    if (load_plan(pos[1], &p, &e) < 0)
        return cli_fail(&e);
    p.id = id;
    p.revision = rev;
    ota_backend *b = cli_backend(c);
    int rc = CLI_REFUSED;
    if (b) {
        if (b->ops->plan_update(b, &p, &e) < 0) {
            rc = cli_fail(&e);
        } else {
            if (c->json)
                show_plan(c, &p);
            else
                printf("plan %lld updated (revision %lld)\n", (long long)p.id, (long long)p.revision);
            rc = CLI_OK;
        }
    }
    ota_plan_free(&p);
    return rc;
}

static ota_backend *one_id(cli *c, int argc, char **argv, cli_opt *opts, int64_t *id, int *rc)
{
    char *pos[1];
    int n;
    if (cli_args(c, argc, argv, opts, pos, &n, 1, 1) < 0 || cli_parse_id(c, pos[0], "ID", id) < 0) {
        *rc = CLI_USAGE;
        return NULL;
    }
    ota_backend *b = cli_backend(c);
    *rc = b ? CLI_OK : CLI_REFUSED;
    return b;
}

int cmd_plan_show(cli *c, int argc, char **argv)
{
    int64_t id;
    int rc;
    ota_backend *b = one_id(c, argc, argv, NULL, &id, &rc);
    if (!b)
        return rc;
    ota_plan p;
    ota_err e = {0};
    if (b->ops->plan_get(b, id, &p, &e) < 0)
        return cli_fail(&e);
    show_plan(c, &p);
    ota_plan_free(&p);
    return CLI_OK;
}

int cmd_plan_list(cli *c, int argc, char **argv)
{
    cli_opt opts[] = {OPT("state", true), OPT("product", true), OPT("limit", true), OPT("cursor", true), OPT_END};
    char *pos[1];
    int n;
    ota_page_req pg;
    ota_plan_state st = 0;
    if (cli_args(c, argc, argv, opts, pos, &n, 0, 0) < 0 || cli_page(c, opts, &pg) < 0)
        return CLI_USAGE;
    if (opts[0].set && ota_plan_state_parse(opts[0].val, &st) < 0)
        return cli_usage(c, "--state must be saved, active, upgrading, paused, terminated or ended (got \"%s\")",
                         opts[0].val);
    ota_backend *b = cli_backend(c);
    if (!b)
        return CLI_REFUSED;
    ota_plan_page page = {0};
    ota_err e = {0};
    if (b->ops->plan_list(b, opts[0].set ? (int)st : -1, opts[1].val, &pg, &page, &e) < 0)
        return cli_fail(&e);
    if (c->json) {
        json_t *items = json_array();
        for (size_t i = 0; i < page.n; i++)
            json_array_append_new(items, ota_json_plan(&page.items[i]));
        cli_print_page(items, page.next_cursor);
    } else {
        cli_table t;
        table_init(&t, 7, "ID", "NAME", "PRODUCT", "STATE", "REV", "MODE", "WINDOW END");
        for (size_t i = 0; i < page.n; i++) {
            const ota_plan *p = &page.items[i];
            char id[24], rev[24], tb[40];
            snprintf(id, sizeof id, "%lld", (long long)p->id);
            snprintf(rev, sizeof rev, "%lld", (long long)p->revision);
            table_row(&t, id, p->name, p->product, ota_plan_state_str(p->state), rev, ota_mode_str(p->mode),
                      cli_time(p->window_end, tb, sizeof tb));
        }
        table_print(&t);
        if (page.next_cursor[0])
            printf("more: --cursor %s\n", page.next_cursor);
    }
    ota_plan_page_free(&page);
    return CLI_OK;
}

int cmd_plan_delete(cli *c, int argc, char **argv)
{
    int64_t id;
    int rc;
    ota_backend *b = one_id(c, argc, argv, NULL, &id, &rc);
    if (!b)
        return rc;
    ota_err e = {0};
    if (b->ops->plan_delete(b, id, &e) < 0)
        return cli_fail(&e);
    if (c->json)
        cli_print_json(json_pack("{s:I, s:b}", "id", (json_int_t)id, "deleted", 1));
    else
        printf("plan %lld deleted\n", (long long)id);
    return CLI_OK;
}

int cmd_plan_copy_components(cli *c, int argc, char **argv)
{
    char *pos[2];
    int n;
    int64_t from, to;
    if (cli_args(c, argc, argv, NULL, pos, &n, 2, 2) < 0 || cli_parse_id(c, pos[0], "FROM_ID", &from) < 0 ||
        cli_parse_id(c, pos[1], "TO_ID", &to) < 0)
        return CLI_USAGE;
    ota_backend *b = cli_backend(c);
    if (!b)
        return CLI_REFUSED;
    ota_plan p;
    ota_err e = {0};
    if (b->ops->plan_copy_components(b, from, to, &p, &e) < 0)
        return cli_fail(&e);
    if (c->json)
        show_plan(c, &p);
    else
        printf("plan %lld now has %zu components (revision %lld)\n", (long long)to, p.ncomponents,
               (long long)p.revision);
    ota_plan_free(&p);
    return CLI_OK;
}

static int transition(cli *c, int argc, char **argv, ota_action a)
{
    int64_t id;
    int rc;
    ota_backend *b = one_id(c, argc, argv, NULL, &id, &rc);
    if (!b)
        return rc;
    ota_plan p;
    ota_err e = {0};
    if (b->ops->plan_transition(b, id, a, &p, &e) < 0)
        return cli_fail(&e);
    if (c->json)
        show_plan(c, &p);
    else
        printf("plan %lld: %s\n", (long long)id, ota_plan_state_str(p.state));
    ota_plan_free(&p);
    return CLI_OK;
}

int cmd_plan_activate(cli *c, int argc, char **argv) { return transition(c, argc, argv, OTA_ACT_ACTIVATE); }
int cmd_plan_pause(cli *c, int argc, char **argv) { return transition(c, argc, argv, OTA_ACT_PAUSE); }
int cmd_plan_resume(cli *c, int argc, char **argv) { return transition(c, argc, argv, OTA_ACT_RESUME); }
int cmd_plan_terminate(cli *c, int argc, char **argv) { return transition(c, argc, argv, OTA_ACT_TERMINATE); }

/* Staged rollouts: open the next wave (the status shows which is open). */
int cmd_plan_advance(cli *c, int argc, char **argv)
{
    int64_t id;
    int rc;
    ota_backend *b = one_id(c, argc, argv, NULL, &id, &rc);
    if (!b)
        return rc;
    ota_plan p;
    ota_err e = {0};
    if (b->ops->plan_advance(b, id, &p, &e) < 0)
        return cli_fail(&e);
    if (c->json) {
        show_plan(c, &p);
    } else {
        ota_plan_status st;
        if (b->ops->plan_status_get(b, id, &st, &e) < 0) {
            ota_plan_free(&p);
            return cli_fail(&e);
        }
        printf("plan %lld: wave %d of %zu open\n", (long long)id, st.current_wave + 1, st.nwaves);
    }
    ota_plan_free(&p);
    return CLI_OK;
}

void print_status_line(const ota_plan_status *s)
{
    printf("%-10s", ota_plan_state_str(s->state));
    for (int i = 0; i < OTA_JOB__COUNT; i++)
        printf("  %s %ld", ota_job_state_str((ota_job_state)i), s->counts[i]);
    printf("\n");
}

int cmd_plan_status(cli *c, int argc, char **argv)
{
    int64_t id;
    int rc;
    ota_backend *b = one_id(c, argc, argv, NULL, &id, &rc);
    if (!b)
        return rc;
    ota_plan_status s;
    ota_err e = {0};
    if (b->ops->plan_status_get(b, id, &s, &e) < 0)
        return cli_fail(&e);
    if (c->json) {
        cli_print_json(ota_json_status(&s));
        return CLI_OK;
    }
    printf("plan %lld: %s (revision %lld)\n", (long long)id, ota_plan_state_str(s.state), (long long)s.revision);
    cli_table t;
    table_init(&t, 2, "JOB STATE", "DEVICES");
    long total = 0;
    for (int i = 0; i < OTA_JOB__COUNT; i++) {
        char nb[24];
        snprintf(nb, sizeof nb, "%ld", s.counts[i]);
        total += s.counts[i];
        table_row(&t, ota_job_state_str((ota_job_state)i), nb);
    }
    char tb[24];
    snprintf(tb, sizeof tb, "%ld", total);
    table_row(&t, "total", tb);
    table_print(&t);
    if (s.nwaves) {
        cli_table w;
        table_init(&w, 5, "WAVE", "SIZE", "DEVICES", "STATE", "SUCCEEDED/FAILED");
        for (size_t i = 0; i < s.nwaves; i++) {
            char k[24], sz[24], dv[24], sf[48];
            snprintf(k, sizeof k, "%zu%s", i, (int)i == s.current_wave ? " *" : "");
            ota_wave_size_format(&s.waves[i].size, sz, sizeof sz);
            snprintf(dv, sizeof dv, "%ld", s.waves[i].devices);
            snprintf(sf, sizeof sf, "%ld/%ld", s.waves[i].succeeded, s.waves[i].failed);
            table_row(&w, k, sz, dv, ota_wave_state_str(s.waves[i].state), sf);
        }
        table_print(&w);
    }
    if (s.paused_reason[0])
        printf("paused by the engine: %s\n", s.paused_reason);
    if (s.nrollback_plans || s.rollback_uncovered) {
        printf("rollback plans:");
        for (size_t i = 0; i < s.nrollback_plans; i++)
            printf(" %lld", (long long)s.rollback_plans[i]);
        printf("%s (devices without a full package to go back to: %ld)\n", s.nrollback_plans ? "" : " none",
               s.rollback_uncovered);
    }
    return CLI_OK;
}

int cmd_plan_devices(cli *c, int argc, char **argv)
{
    cli_opt opts[] = {OPT("state", true), OPT("limit", true), OPT("cursor", true), OPT_END};
    int64_t id;
    int rc;
    ota_page_req pg;
    ota_job_state st = 0;
    char *pos[1];
    int n;
    if (cli_args(c, argc, argv, opts, pos, &n, 1, 1) < 0 || cli_parse_id(c, pos[0], "ID", &id) < 0 ||
        cli_page(c, opts, &pg) < 0)
        return CLI_USAGE;
    if (opts[0].set && ota_job_state_parse(opts[0].val, &st) < 0)
        return cli_usage(c, "--state must be a job state such as pending or succeeded (got \"%s\")", opts[0].val);
    ota_backend *b = cli_backend(c);
    if (!b)
        return CLI_REFUSED;
    ota_job_page page = {0};
    ota_err e = {0};
    rc = b->ops->plan_devices(b, id, opts[0].set ? (int)st : -1, &pg, &page, &e);
    if (rc < 0)
        return cli_fail(&e);
    if (c->json) {
        json_t *items = json_array();
        for (size_t i = 0; i < page.n; i++)
            json_array_append_new(items, ota_json_job_row(&page.items[i]));
        cli_print_page(items, page.next_cursor);
    } else {
        cli_table t;
        table_init(&t, 7, "DEVICE", "STATE", "ATTEMPT", "PROGRESS", "REASON", "UPDATED", "ERROR");
        for (size_t i = 0; i < page.n; i++) {
            const ota_job_row *r = &page.items[i];
            char at[16], pr[16], tb[40];
            snprintf(at, sizeof at, "%d", r->attempt);
            snprintf(pr, sizeof pr, "%d%%", r->progress);
            table_row(&t, r->device, ota_job_state_str(r->state), at, pr, r->reason[0] ? r->reason : "-",
                      cli_time(r->updated_at, tb, sizeof tb), r->error);
        }
        table_print(&t);
        if (page.next_cursor[0])
            printf("more: --cursor %s\n", page.next_cursor);
    }
    ota_job_page_free(&page);
    return CLI_OK;
}

int cmd_plan_events(cli *c, int argc, char **argv)
{
    cli_opt opts[] = {OPT("since", true), OPT("limit", true), OPT_END};
    int64_t id;
    long since = 0, limit = 0;
    char *pos[1];
    int n;
    if (cli_args(c, argc, argv, opts, pos, &n, 1, 1) < 0 || cli_parse_id(c, pos[0], "ID", &id) < 0 ||
        (opts[0].set && cli_parse_int(c, opts[0].val, "--since", 0, __LONG_MAX__, &since) < 0) ||
        (opts[1].set && cli_parse_int(c, opts[1].val, "--limit", 1, OTA_LIST_MAX, &limit) < 0))
        return CLI_USAGE;
    ota_backend *b = cli_backend(c);
    if (!b)
        return CLI_REFUSED;
    ota_event_page page = {0};
    ota_err e = {0};
    if (b->ops->plan_events(b, id, since, (int)limit, &page, &e) < 0)
        return cli_fail(&e);
    if (c->json) {
        cli_print_json(ota_json_events(&page));
    } else {
        cli_table t;
        table_init(&t, 5, "SEQ", "AT", "DEVICE", "FROM", "TO");
        for (size_t i = 0; i < page.n; i++) {
            const ota_event *ev = &page.items[i];
            char sq[24], tb[40];
            snprintf(sq, sizeof sq, "%lld", (long long)ev->seq);
            table_row(&t, sq, cli_time(ev->at, tb, sizeof tb), ev->device[0] ? ev->device : "(plan)", ev->from,
                      ev->to);
        }
        table_print(&t);
        printf("last seq %lld\n", (long long)page.last_seq);
    }
    ota_event_page_free(&page);
    return CLI_OK;
}

int cmd_plan_preview(cli *c, int argc, char **argv)
{
    int64_t id;
    int rc;
    ota_backend *b = one_id(c, argc, argv, NULL, &id, &rc);
    if (!b)
        return rc;
    ota_preview p;
    ota_err e = {0};
    if (b->ops->plan_preview(b, id, &p, &e) < 0)
        return cli_fail(&e);
    if (c->json) {
        cli_print_json(ota_json_preview(&p));
        return CLI_OK;
    }
    printf("plan %lld targets %ld devices now\n", (long long)id, p.targeted);
    printf("excluded:     blacklisted %ld, not whitelisted %ld, version mismatch %ld\n", p.blacklisted,
           p.not_whitelisted, p.version_mismatch);
    printf("deferred now: battery %ld, rsrp %ld\n", p.deferred_battery, p.deferred_rsrp);
    for (size_t i = 0; i < p.nwaves; i++) {
        char sz[24];
        printf("wave %zu:       %s, %ld devices\n", i, ota_wave_size_format(&p.waves[i].size, sz, sizeof sz),
               p.waves[i].devices);
    }
    return CLI_OK;
}
