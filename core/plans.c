/* Upgrade plans: create, read, list, update with revisions, delete, copy
 * components.  Only saved plans change here; state transitions belong to
 * the rollout engine.  Every write tells the rollout caches (rollout_invalidate). */
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "store.h"

/* Prerequisites that need the database: the product exists, each package
 * exists and belongs to the component it is listed under. */
static int plan_check_refs(ota_engine *eng, const ota_plan *p, ota_err *e)
{
    bool found;
    if (store_product_exists(eng, p->product, &found, e) < 0)
        return -1;
    if (!found)
        return ota_fail(e, OTA_E_VALIDATION, "product", "no product \"%s\" (create it first)", p->product);
    for (size_t i = 0; i < p->ncomponents; i++) {
        const ota_plan_component *c = &p->components[i];
        char field[64];
        snprintf(field, sizeof field, "components[%zu].package_id", i);
        char comp[OTA_KEY_MAX + 1] = "";
        int has = store_plan_package_component(eng, c->package_id, comp, sizeof comp, e);
        if (has < 0)
            return -1;
        if (!has)
            return ota_fail(e, OTA_E_VALIDATION, field, "no package %lld", (long long)c->package_id);
        if (strcmp(comp, c->component))
            return ota_fail(e, OTA_E_VALIDATION, field, "package %lld is for component \"%s\", not \"%s\"",
                            (long long)c->package_id, comp, c->component);
    }
    return 0;
}

static int plan_create(ota_engine *eng, ota_plan *p, ota_err *e);

int ota_plan_create(ota_engine *eng, ota_plan *p, ota_err *e)
{
    int rc = plan_create(eng, p, e);
    char detail[480];
    snprintf(detail, sizeof detail, "\"%.400s\" for %.64s", p->name, p->product);
    if (rc == 0)
        audit_note(eng, "plan.create", 0, e, detail, "plan:%lld", (long long)p->id);
    else
        audit_note(eng, "plan.create", rc, e, NULL, "product:%.64s", p->product);
    return rc;
}

static int plan_create(ota_engine *eng, ota_plan *p, ota_err *e)
{
    if (ota_validate_plan(p, e) < 0)
        return -1;
    ENGINE_LOCK(eng);
    int rc = -1;
    int64_t now = ota_engine_now(eng);
    if (plan_check_refs(eng, p, e) < 0 || store_tx_begin(eng, e) < 0)
        goto out;
    int64_t id;
    if (store_plan_insert(eng, p, now, &id, e) < 0)
        goto fail;
    if (store_tx_commit(eng, e) < 0)
        goto out;
    p->id = id;
    p->state = OTA_PLAN_SAVED;
    p->revision = 1;
    p->created_at = p->updated_at = now;
    p->activated_at = 0;
    p->paused_reason[0] = '\0';  /* the engine's to set, never a client's */
    rollout_invalidate(eng, id);
    rc = 0;
    goto out;
fail:
    store_tx_rollback(eng, e);
out:
    ENGINE_UNLOCK(eng);
    return rc;
}

/* -------------------------------------------------------------- reading */

int ota_plan_get(ota_engine *eng, int64_t id, ota_plan *out, ota_err *e)
{
    ENGINE_LOCK(eng);
    int rc = store_plan_get(eng, id, out, true, e);
    ENGINE_UNLOCK(eng);
    return rc;
}

/* Newest first (id descending); the cursor is the id of the last plan shown. */
int ota_plan_list(ota_engine *eng, int state, const char *product, const ota_page_req *pg,
                  ota_plan_page *out, ota_err *e)
{
    memset(out, 0, sizeof *out);
    if (state >= OTA_PLAN__COUNT)
        return ota_fail(e, OTA_E_BAD_REQUEST, "state", "unknown plan state %d", state);
    ota_page_req req;
    int64_t before;
    if (store_page_begin(&req, pg, &before, (void **)&out->items, sizeof *out->items, e) < 0)
        return -1;
    int rc = -1;
    ENGINE_LOCK(eng);
    bool more;
    if (store_plan_list(eng, state, product, before, req.limit, out->items, &out->n, &more, e) < 0)
        goto out;
    if (more && out->n)
        snprintf(out->next_cursor, sizeof out->next_cursor, "%lld", (long long)out->items[out->n - 1].id);
    rc = 0;
out:
    ENGINE_UNLOCK(eng);
    if (rc < 0)
        ota_plan_page_free(out);
    return rc;
}

void ota_plan_page_free(ota_plan_page *p)
{
    for (size_t i = 0; i < p->n; i++)
        ota_plan_free(&p->items[i]);
    free(p->items);
    p->items = NULL;
    p->n = 0;
    p->next_cursor[0] = 0;
}

/* -------------------------------------------------------------- writing */

/* Writes p over plan p->id, which the caller has checked is saved; bumps
 * the revision.  Caller holds the lock; opens its own transaction. */
static int plan_store(ota_engine *eng, ota_plan *p, ota_err *e)
{
    int64_t now = ota_engine_now(eng);
    if (store_tx_begin(eng, e) < 0)
        return -1;
    int written = store_plan_update_saved(eng, p, now, e);
    if (written < 0)
        goto fail;
    if (!written) {
        ota_fail(e, OTA_E_CONFLICT, "revision", "plan %lld changed meanwhile", (long long)p->id);
        goto fail;
    }
    if (store_tx_commit(eng, e) < 0)
        return -1;
    p->revision++;
    p->updated_at = now;
    rollout_invalidate(eng, p->id);
    return 0;
fail:
    store_tx_rollback(eng, e);
    return -1;
}

/* The stored plan must be saved (else not_editable). */
static int plan_editable(const ota_plan *cur, const char *what, ota_err *e)
{
    if (!ota_plan_is_editable(cur->state))
        return ota_fail(e, OTA_E_NOT_EDITABLE, "state", "only a saved plan can be %s (plan %lld is %s)",
                        what, (long long)cur->id, ota_plan_state_str(cur->state));
    return 0;
}

static int plan_update(ota_engine *eng, ota_plan *p, ota_err *e);

int ota_plan_update(ota_engine *eng, ota_plan *p, ota_err *e)
{
    int64_t rev = p->revision;
    int rc = plan_update(eng, p, e);
    char detail[64];
    snprintf(detail, sizeof detail, "revision %lld -> %lld", (long long)rev, (long long)p->revision);
    audit_note(eng, "plan.edit", rc, e, detail, "plan:%lld", (long long)p->id);
    return rc;
}

static int plan_update(ota_engine *eng, ota_plan *p, ota_err *e)
{
    ota_plan cur;
    ENGINE_LOCK(eng);
    int rc = store_plan_get(eng, p->id, &cur, false, e);
    if (rc < 0)
        goto out;
    rc = plan_editable(&cur, "edited", e);
    if (rc == 0 && p->revision != cur.revision)
        rc = ota_fail(e, OTA_E_CONFLICT, "revision",
                      "stale revision %lld (plan %lld is at revision %lld; reload and edit again)",
                      (long long)p->revision, (long long)p->id, (long long)cur.revision);
    if (rc == 0)
        rc = ota_validate_plan(p, e);
    if (rc == 0)
        rc = plan_check_refs(eng, p, e);
    if (rc == 0)
        rc = plan_store(eng, p, e);
    if (rc == 0) {
        p->state = OTA_PLAN_SAVED;
        p->created_at = cur.created_at;
        p->activated_at = 0;
        memcpy(p->paused_reason, cur.paused_reason, sizeof p->paused_reason);
    }
    ota_plan_free(&cur);
out:
    ENGINE_UNLOCK(eng);
    return rc;
}

static int plan_delete(ota_engine *eng, int64_t id, ota_err *e);

int ota_plan_delete(ota_engine *eng, int64_t id, ota_err *e)
{
    int rc = plan_delete(eng, id, e);
    audit_note(eng, "plan.delete", rc, e, NULL, "plan:%lld", (long long)id);
    return rc;
}

static int plan_delete(ota_engine *eng, int64_t id, ota_err *e)
{
    ota_plan cur;
    ENGINE_LOCK(eng);
    int rc = store_plan_get(eng, id, &cur, false, e);
    if (rc < 0)
        goto out;
    ota_plan_free(&cur);
    rc = plan_editable(&cur, "deleted", e);
    if (rc < 0 || (rc = store_tx_begin(eng, e)) < 0)
        goto out;
    rc = store_plan_delete_saved(eng, id, e);
    if (rc == 0)
        rc = store_tx_commit(eng, e);
    else
        store_tx_rollback(eng, e);
    if (rc == 0)
        rollout_invalidate(eng, id);
out:
    ENGINE_UNLOCK(eng);
    return rc;
}

static int plan_copy_components(ota_engine *eng, int64_t from, int64_t to, ota_plan *out, ota_err *e);

int ota_plan_copy_components(ota_engine *eng, int64_t from, int64_t to, ota_plan *out, ota_err *e)
{
    int rc = plan_copy_components(eng, from, to, out, e);
    char detail[64];
    snprintf(detail, sizeof detail, "components copied from plan %lld", (long long)from);
    audit_note(eng, "plan.edit", rc, e, detail, "plan:%lld", (long long)to);
    return rc;
}

static size_t component_index(const ota_plan *p, const char *component)
{
    size_t k = 0;
    while (k < p->ncomponents && strcmp(p->components[k].component, component))
        k++;
    return k;
}

int ota_plan_merge_components(ota_plan *dst, const ota_plan *src, const bool *keep, ota_err *e)
{
    size_t added = 0;
    for (size_t i = 0; i < src->ncomponents; i++)
        added += component_index(dst, src->components[i].component) == dst->ncomponents;
    if (dst->ncomponents + added > OTA_MAX_COMPONENTS)
        return ota_fail(e, OTA_E_VALIDATION, "components", "at most %d components per plan (got %zu)",
                        OTA_MAX_COMPONENTS, dst->ncomponents + added);
    for (size_t i = 0; i < src->ncomponents; i++) {
        size_t k = component_index(dst, src->components[i].component);
        if (k < dst->ncomponents && keep && keep[i])
            continue;
        dst->components[k] = src->components[i];
        if (k == dst->ncomponents)
            dst->ncomponents++;
    }
    return 0;
}

static int plan_copy_components(ota_engine *eng, int64_t from, int64_t to, ota_plan *out, ota_err *e)
{
    ota_plan src, dst;
    if (from == to)
        return ota_fail(e, OTA_E_VALIDATION, "to", "components are copied from another plan (both %lld)",
                        (long long)to);
    ENGINE_LOCK(eng);
    int rc = store_plan_get(eng, from, &src, false, e);
    if (rc < 0) {
        if (e && e->code == OTA_E_NOT_FOUND)
            snprintf(e->field, sizeof e->field, "from");
        goto out;
    }
    rc = store_plan_get(eng, to, &dst, true, e);
    if (rc < 0) {
        if (e && e->code == OTA_E_NOT_FOUND)
            snprintf(e->field, sizeof e->field, "to");
        ota_plan_free(&src);
        goto out;
    }
    rc = plan_editable(&dst, "edited", e);
    if (rc == 0)
        rc = ota_plan_merge_components(&dst, &src, NULL, e);
    if (rc == 0)
        rc = ota_validate_plan(&dst, e);
    if (rc == 0)
        rc = plan_check_refs(eng, &dst, e);
    if (rc == 0)
        rc = plan_store(eng, &dst, e);
    if (rc == 0 && out && ota_plan_copy(out, &dst) < 0)
        rc = ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    ota_plan_free(&src);
    ota_plan_free(&dst);
out:
    ENGINE_UNLOCK(eng);
    return rc;
}
