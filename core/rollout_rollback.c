/* Rollback drafts (API.md "Additions", on_failure rollback): when the
 * brake terminates a plan, its succeeded devices are grouped by the
 * versions of the plan's components they reported when offered the job;
 * each group whose every version has a full package gets one saved (never
 * activated) plan "<plan name> rollback N": whitelist the group, same
 * product, mode and strategy, no rollout.  The other devices are counted
 * as uncovered.  Status shows both (rollback_plans, rollback_uncovered). */
#include "rollout.h"

#include <stdio.h>
#include <stdlib.h>

struct drafts {
    ota_engine *eng;
    ota_plan base;         /* the braked plan, lists empty */
    char prev[OTA_MAX_COMPONENTS * 2 * (OTA_KEY_MAX + 2)];
    ota_strlist group;     /* devices of the current prev */
    int made;              /* rollback plans saved */
    long uncovered;
};

/* The full package of each previous version, into pl's components; 0 when
 * one has none. */
static int group_components(struct drafts *d, ota_plan *pl, ota_err *e)
{
    pl->ncomponents = 0;
    char buf[sizeof d->prev];
    snprintf(buf, sizeof buf, "%s", d->prev);
    for (char *save, *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *tab = strchr(line, '\t');
        if (!tab || !tab[1] || pl->ncomponents >= OTA_MAX_COMPONENTS)
            return 0;
        *tab = 0;
        ota_package_meta m;
        memset(&m, 0, sizeof m);
        snprintf(m.component, sizeof m.component, "%s", line);
        snprintf(m.target_version, sizeof m.target_version, "%s", tab + 1);
        m.kind = OTA_KIND_FULL;
        int64_t id;
        size_t n;
        if (store_package_find_meta(d->eng, &m, &id, 1, &n, e) < 0)
            return -1;
        if (!n)
            return 0;
        ota_plan_component *c = &pl->components[pl->ncomponents++];
        snprintf(c->component, sizeof c->component, "%s", m.component);
        c->package_id = id;
    }
    return pl->ncomponents > 0;
}

static int group_flush(struct drafts *d, ota_err *e)
{
    if (!d->group.n)
        return 0;
    ota_plan pl;
    ota_plan_init(&pl);
    int rc = ota_plan_copy(&pl, &d->base);
    int have = rc < 0 ? -1 : group_components(d, &pl, e);
    if (have < 0) {
        rc = -1;
    } else if (have == 0) {
        d->uncovered += (long)d->group.n;
    } else {
        pl.id = 0;
        pl.has_rollout = false;
        pl.has_maintenance = false;
        pl.paused_reason[0] = 0;
        snprintf(pl.name, sizeof pl.name, "%.*s rollback %d", (int)(sizeof pl.name - 32), d->base.name, d->made + 1);
        for (size_t i = 0; rc == 0 && i < d->group.n; i++)
            rc = ota_strlist_push(&pl.whitelist, d->group.v[i]);
        ota_err pe = {0};
        if (rc == 0 && ota_plan_create(d->eng, &pl, &pe) == 0) {
            d->made++;
            rc = store_rollback_add(d->eng, d->base.id, pl.id, e);
        } else if (rc == 0) {
            d->uncovered += (long)d->group.n;  /* refused (a name or list limit): those devices stay uncovered */
        }
    }
    ota_plan_free(&pl);
    ota_strlist_free(&d->group);
    return rc < 0 ? -1 : 0;
}

static int device_add(void *ctx, const char *prev, const char *device_id, ota_err *e)
{
    struct drafts *d = ctx;
    if (strcmp(prev, d->prev)) {
        if (group_flush(d, e) < 0)
            return -1;
        snprintf(d->prev, sizeof d->prev, "%s", prev);
    }
    if (ota_strlist_push(&d->group, device_id) < 0)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    return 0;
}

int rollout_rollback_drafts(ota_engine *eng, const struct rplan *p, ota_err *e)
{
    struct drafts d = {.eng = eng};
    ota_plan_init(&d.base);
    memset(&d.group, 0, sizeof d.group);
    int rc = store_plan_get(eng, p->id, &d.base, false, e);
    if (rc == 0)
        rc = store_rollback_devices(eng, p->id, device_add, &d, e);
    if (rc == 0)
        rc = group_flush(&d, e);
    if (rc == 0)
        rc = store_rollback_uncovered_set(eng, p->id, d.uncovered, e);
    ota_strlist_free(&d.group);
    ota_plan_free(&d.base);
    return rc;
}
