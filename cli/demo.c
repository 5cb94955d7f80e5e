/* otactl demo seed: loads the demo data set from fixtures/demo/.
 *
 *   products.json  products, each with a generated fleet (seeded)
 *   packages.json  packages; their files are generated at seed time from the
 *                  package ref, so every run stores the same bytes and hashes
 *   plans.json     plans in the API.md shape, except "package" refs instead of
 *                  ids, a window in hours relative to the seed's start, and a
 *                  "demo" member saying which state to drive the plan into
 *                  (and, for staged plans, the simulated failure rate and
 *                  what the engine must have done: the wave it opened, the
 *                  brake's paused_reason; the seed fails if it did not)
 *
 * States are reached honestly, by transitions and the simulator on a fake
 * clock: the clock starts eight hours ago, simulated ticks advance it, and at
 * the end it is moved to now, so a plan with a short window has ended. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "otactl.h"

#define DEMO_PAST_HOURS 8
#define DEMO_MAX 64

typedef struct demo {
    cli *c;
    ota_backend *b;
    ota_engine *eng;
    long devices_override;                   /* 0: as in products.json */
    int64_t t0;
    char tmp[PATH_MAX];
    struct { char ref[80]; int64_t id; } pkgs[DEMO_MAX];
    size_t npkgs;
    struct {
        int64_t id;
        char state[16];
        int ticks;
        double failure_rate;
        int current_wave;       /* -1: no expectation */
        char paused_reason[32]; /* "": paused by an operator (when paused) */
    } plans[DEMO_MAX];
    size_t nplans;
    long devices;
} demo;

static json_t *load(const char *name, ota_err *e)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", cli_fixtures_dir(), name);
    json_t *j = cli_load_json(path, e);
    if (j && !json_is_array(j)) {
        json_decref(j);
        ota_fail(e, OTA_E_BAD_REQUEST, "file", "%s: expected a JSON array", path);
        return NULL;
    }
    return j;
}

static const char *str(json_t *o, const char *key, const char *dflt)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : dflt;
}

static int seed_products(demo *d, json_t *products, ota_err *e)
{
    size_t i;
    json_t *p;
    json_array_foreach(products, i, p) {
        ota_product pr = {0};
        json_t *pj = json_pack("{s:O?, s:O?}", "key", json_object_get(p, "key"), "name",
                               json_object_get(p, "name"));
        int rc = ota_product_from_json(pj, &pr, e);
        json_decref(pj);
        if (rc < 0)
            return -1;
        char key[65];
        if (d->b->ops->product_add(d->b, &pr, key, e) < 0)
            return -1;
        long n = d->devices_override ? d->devices_override : (long)json_integer_value(json_object_get(p, "devices"));
        ota_import_result r = {0};
        if (n > 0 && fleet_import(d->b, pr.key, str(p, "id_prefix", "dev"), (size_t)n,
                                  (uint64_t)json_integer_value(json_object_get(p, "seed")),
                                  str(p, "versions", "module=1.0.0"), &r, e) < 0)
            return -1;
        d->devices += n;
    }
    return 0;
}

/* Same ref and name, same bytes: the payload is a seeded stream. */
static int write_payload(const char *path, const char *ref, const char *name, uint64_t size, ota_err *e)
{
    uint64_t s = 1469598103934665603ULL;
    for (const char *p = ref; *p; p++)
        s = (s ^ (unsigned char)*p) * 1099511628211ULL;
    for (const char *p = name; *p; p++)
        s = (s ^ (unsigned char)*p) * 1099511628211ULL;
    FILE *f = fopen(path, "wb");
    if (!f)
        return ota_fail(e, OTA_E_IO, "file", "cannot write %s: %s", path, strerror(errno));
    for (uint64_t off = 0; off < size; off += 8) {
        uint64_t v = fleet_mix(&s);
        fwrite(&v, 1, size - off < 8 ? (size_t)(size - off) : 8, f);
    }
    if (fclose(f) != 0)
        return ota_fail(e, OTA_E_IO, "file", "cannot write %s", path);
    return 0;
}

static int seed_packages(demo *d, json_t *packages, ota_err *e)
{
    size_t i;
    json_t *p;
    json_array_foreach(packages, i, p) {
        if (d->npkgs == DEMO_MAX)
            return ota_fail(e, OTA_E_VALIDATION, "packages", "at most %d demo packages", DEMO_MAX);
        json_t *meta = json_deep_copy(p);
        json_object_del(meta, "ref");
        json_object_del(meta, "files");
        ota_package_meta m;
        int rc = ota_package_meta_from_json(meta, &m, e);
        json_decref(meta);
        if (rc < 0)
            return -1;
        const char *ref = str(p, "ref", "");
        char paths[OTA_MAX_FILES][PATH_MAX];
        const char *pp[OTA_MAX_FILES];
        size_t k, nfiles = 0;
        json_t *f;
        json_array_foreach(json_object_get(p, "files"), k, f) {
            if (nfiles == OTA_MAX_FILES)
                return ota_fail(e, OTA_E_VALIDATION, "files", "%s: at most %d files", ref, OTA_MAX_FILES);
            char sub[PATH_MAX];
            if (snprintf(sub, sizeof sub, "%s/%zu-%zu", d->tmp, i, k) >= (int)sizeof sub || mkdir(sub, 0700) < 0)
                return ota_fail(e, OTA_E_IO, NULL, "cannot create %s: %s", sub, strerror(errno));
            if (snprintf(paths[nfiles], sizeof paths[0], "%s/%s", sub, str(f, "name", "x.bin")) >=
                    (int)sizeof paths[0] ||
                write_payload(paths[nfiles], ref, str(f, "name", ""),
                              (uint64_t)json_integer_value(json_object_get(f, "size")), e) < 0)
                return -1;
            pp[nfiles] = paths[nfiles];
            nfiles++;
        }
        ota_package out;
        rc = d->b->ops->package_create(d->b, &m, pp, nfiles, &out, e);
        for (size_t q = 0; q < nfiles; q++) {
            unlink(paths[q]);
            *strrchr(paths[q], '/') = '\0';
            rmdir(paths[q]);
        }
        if (rc < 0)
            return -1;
        snprintf(d->pkgs[d->npkgs].ref, sizeof d->pkgs[0].ref, "%s", ref);
        d->pkgs[d->npkgs++].id = out.id;
    }
    return 0;
}

/* The fixture plan into an API.md plan: refs to ids, hours to times. */
static json_t *plan_json(demo *d, json_t *fixture, ota_err *e)
{
    json_t *j = json_deep_copy(fixture);
    json_object_del(j, "demo");
    json_t *w = json_object_get(j, "window");
    char a[40], b[40];
    int64_t sh = json_integer_value(json_object_get(w, "start_hours"));
    int64_t eh = json_integer_value(json_object_get(w, "end_hours"));
    json_object_set_new(j, "window", json_pack("{s:s, s:s}", "start",
                                               ota_time_format(d->t0 + sh * 3600, a, sizeof a), "end",
                                               ota_time_format(d->t0 + eh * 3600, b, sizeof b)));
    size_t i;
    json_t *comp;
    json_array_foreach(json_object_get(j, "components"), i, comp) {
        const char *ref = str(comp, "package", "");
        int64_t id = 0;
        for (size_t k = 0; k < d->npkgs && !id; k++)
            if (!strcmp(d->pkgs[k].ref, ref))
                id = d->pkgs[k].id;
        if (!id) {
            json_decref(j);
            ota_fail(e, OTA_E_NOT_FOUND, "package", "plans.json refers to package \"%s\", not in packages.json", ref);
            return NULL;
        }
        json_object_del(comp, "package");
        json_object_set_new(comp, "package_id", json_integer(id));
    }
    return j;
}

static int seed_plans(demo *d, json_t *plans, ota_err *e)
{
    size_t i;
    json_t *fx;
    json_array_foreach(plans, i, fx) {
        if (d->nplans == DEMO_MAX)
            return ota_fail(e, OTA_E_VALIDATION, "plans", "at most %d demo plans", DEMO_MAX);
        json_t *j = plan_json(d, fx, e);
        if (!j)
            return -1;
        ota_plan p;
        int rc = ota_plan_from_json(j, &p, e);
        json_decref(j);
        if (rc < 0)
            return -1;
        rc = d->b->ops->plan_create(d->b, &p, e);
        ota_plan_free(&p);
        if (rc < 0)
            return -1;
        json_t *dm = json_object_get(fx, "demo");
        d->plans[d->nplans].id = p.id;
        snprintf(d->plans[d->nplans].state, sizeof d->plans[0].state, "%s", str(dm, "state", "saved"));
        d->plans[d->nplans].ticks = (int)json_integer_value(json_object_get(dm, "sim_ticks"));
        json_t *fr = json_object_get(dm, "failure_rate"), *cw = json_object_get(dm, "current_wave");
        d->plans[d->nplans].failure_rate = fr ? json_number_value(fr) : 0.06;
        d->plans[d->nplans].current_wave = cw ? (int)json_integer_value(cw) : -1;
        snprintf(d->plans[d->nplans].paused_reason, sizeof d->plans[0].paused_reason, "%s",
                 str(dm, "paused_reason", ""));
        d->nplans++;
    }
    return 0;
}

static int transition(demo *d, int64_t id, ota_action a, ota_err *e)
{
    ota_plan p;
    if (d->b->ops->plan_transition(d->b, id, a, &p, e) < 0)
        return -1;
    ota_plan_free(&p);
    return 0;
}

/* Runs the simulator on one plan for a number of one-minute ticks. */
static int simulate(demo *d, int64_t plan, int ticks, double failure_rate, ota_err *e)
{
    ota_sim_opts o = {.seed = (uint64_t)plan * 7919, .plan_id = plan, .online_per_tick = 0.08,
                      .failure_rate = failure_rate, .confirm_delay = 2, .download_ticks = 3,
                      .install_ticks = 2, .tick_seconds = 60};
    ota_sim *s = ota_sim_new(d->eng, &o, e);
    if (!s)
        return -1;
    int rc = 0;
    for (int t = 0; t < ticks && rc == 0; t++) {
        d->c->fake.t += 60;
        rc = ota_sim_step(s, e) < 0 || ota_engine_tick(d->eng, e) < 0 ? -1 : 0;
    }
    ota_sim_free(s);
    return rc;
}

/* Every plan reached its demo state, by the engine's own moves: its state,
 * the wave the engine opened, the brake's paused_reason.  Those hold for
 * the fixture's fleets; with --devices the plans are where the engine took
 * them on that fleet. */
static int check_plans(demo *d, ota_err *e)
{
    if (d->devices_override)
        return 0;
    for (size_t i = 0; i < d->nplans; i++) {
        ota_plan_status s;
        if (d->b->ops->plan_status_get(d->b, d->plans[i].id, &s, e) < 0)
            return -1;
        const char *want = d->plans[i].state, *got = ota_plan_state_str(s.state);
        if (strcmp(want, got))
            return ota_fail(e, OTA_E_CONFLICT, "plans", "demo plan %lld ended %s, plans.json wants %s",
                            (long long)d->plans[i].id, got, want);
        if (d->plans[i].current_wave >= 0 && s.current_wave != d->plans[i].current_wave)
            return ota_fail(e, OTA_E_CONFLICT, "plans", "demo plan %lld has wave %d open, plans.json wants %d",
                            (long long)d->plans[i].id, s.current_wave, d->plans[i].current_wave);
        if (strcmp(s.paused_reason, d->plans[i].paused_reason))
            return ota_fail(e, OTA_E_CONFLICT, "plans", "demo plan %lld has paused_reason \"%s\", plans.json wants \"%s\"",
                            (long long)d->plans[i].id, s.paused_reason, d->plans[i].paused_reason);
    }
    return 0;
}

/* Drives each plan into its demo state; "active" ones last, after the
 * clock reached now, so the simulator never touched them. */
static int drive_plans(demo *d, ota_err *e)
{
    for (size_t i = 0; i < d->nplans; i++) {
        const char *st = d->plans[i].state;
        int64_t id = d->plans[i].id;
        if (!strcmp(st, "saved") || !strcmp(st, "active"))
            continue;
        if (transition(d, id, OTA_ACT_ACTIVATE, e) < 0 ||
            simulate(d, id, d->plans[i].ticks, d->plans[i].failure_rate, e) < 0)
            return -1;
        /* paused with a reason: the engine's brake paused it, not an operator */
        if (!strcmp(st, "paused") && !d->plans[i].paused_reason[0] && transition(d, id, OTA_ACT_PAUSE, e) < 0)
            return -1;
        if (!strcmp(st, "terminated") && transition(d, id, OTA_ACT_TERMINATE, e) < 0)
            return -1;
    }
    int64_t now = ota_clock_now(NULL);
    if (d->c->fake.t < now)
        d->c->fake.t = now;
    if (ota_engine_tick(d->eng, e) < 0)
        return -1;
    for (size_t i = 0; i < d->nplans; i++)
        if (!strcmp(d->plans[i].state, "active") && transition(d, d->plans[i].id, OTA_ACT_ACTIVATE, e) < 0)
            return -1;
    return check_plans(d, e);
}

static int already_seeded(demo *d, json_t *products, ota_err *e)
{
    ota_product_list l = {0};
    if (d->b->ops->product_list_all(d->b, &l, e) < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < l.n && !rc; i++) {
        size_t k;
        json_t *p;
        json_array_foreach(products, k, p)
            if (!rc && !strcmp(l.items[i].key, str(p, "key", "")))
                rc = ota_fail(e, OTA_E_CONFLICT, "product",
                              "the demo is already seeded here (product %s exists); use a fresh --db", l.items[i].key);
    }
    ota_product_list_free(&l);
    return rc;
}

static void summary(demo *d)
{
    cli_table t;
    table_init(&t, 4, "PLAN", "NAME", "PRODUCT", "STATE");
    for (size_t i = 0; i < d->nplans; i++) {
        ota_plan p;
        ota_err e = {0};
        if (d->b->ops->plan_get(d->b, d->plans[i].id, &p, &e) < 0)
            continue;
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)p.id);
        table_row(&t, id, p.name, p.product, ota_plan_state_str(p.state));
        ota_plan_free(&p);
    }
    printf("demo seeded: %ld devices, %zu packages, %zu plans (%s)\n", d->devices, d->npkgs, d->nplans,
           d->b->where);
    table_print(&t);
}

int cmd_demo_seed(cli *c, int argc, char **argv)
{
    cli_opt opts[] = {OPT("devices", true), OPT_END};
    char *pos[1];
    int n;
    demo d = {.c = c};
    if (cli_args(c, argc, argv, opts, pos, &n, 0, 0) < 0 ||
        (opts[0].set && cli_parse_int(c, opts[0].val, "--devices", 1, 1000000, &d.devices_override) < 0))
        return CLI_USAGE;
    ota_err e = {0};
    json_t *products = load("products.json", &e), *packages = products ? load("packages.json", &e) : NULL;
    json_t *plans = packages ? load("plans.json", &e) : NULL;
    int rc = CLI_REFUSED;
    if (!plans)
        goto out;
    d.t0 = (ota_clock_now(NULL) / 3600 - DEMO_PAST_HOURS) * 3600;
    if (!(d.b = cli_backend_fake(c, d.t0)))
        goto out_quiet;
    d.eng = ota_backend_local_engine(d.b);
    const char *tmpdir = getenv("TMPDIR");
    snprintf(d.tmp, sizeof d.tmp, "%s/otactl-demo-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    if (already_seeded(&d, products, &e) < 0)
        goto out;
    if (!mkdtemp(d.tmp)) {
        ota_fail(&e, OTA_E_IO, NULL, "cannot create a temporary folder: %s", strerror(errno));
        goto out;
    }
    int ok = seed_products(&d, products, &e) == 0 && seed_packages(&d, packages, &e) == 0 &&
             seed_plans(&d, plans, &e) == 0 && drive_plans(&d, &e) == 0;
    rmdir(d.tmp);
    if (!ok)
        goto out;
    if (c->json)
        cli_print_json(json_pack("{s:I, s:I, s:I}", "devices", (json_int_t)d.devices, "packages",
                                 (json_int_t)d.npkgs, "plans", (json_int_t)d.nplans));
    else
        summary(&d);
    rc = CLI_OK;
    goto out_quiet;
out:
    cli_fail(&e);
out_quiet:
    json_decref(products);
    json_decref(packages);
    json_decref(plans);
    return rc;
}
