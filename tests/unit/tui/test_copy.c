/* ^O, copy components from another plan (tui/copy_text.c): which of the
 * other plan's components are new, the same or in another version, and
 * the sentence that says what the copy did ("module 1.1.0→1.3.0 kept,
 * mcu 2.0→2.1 copied"). */
#include "../../tap.h"
#include "../../../tui/plan_copy.h"

/* package id -> version label, as the console's package list would give */
static const char *label(int64_t id, char *buf, size_t len, void *ctx)
{
    (void)ctx;
    static const char *const v[] = {"?", "1.1.0\xe2\x86\x92" "1.3.0", "1.2.0", "2.0", "2.1", "3.0", "4.0"};
    snprintf(buf, len, "%s", id > 0 && id < 7 ? v[id] : "?");
    return buf;
}

static void comp(ota_plan *p, const char *name, int64_t pkg)
{
    ota_plan_component *c = &p->components[p->ncomponents++];
    snprintf(c->component, sizeof c->component, "%s", name);
    c->package_id = pkg;
}

int main(void)
{
    ota_plan mine = {0}, other = {0};
    comp(&mine, "module", 1);     /* diff 1.1.0→1.3.0, picked by hand */
    comp(&mine, "mcu", 3);        /* 2.0 */
    comp(&mine, "os", 6);         /* 4.0, the other plan has the same */
    comp(&other, "module", 2);    /* 1.2.0 */
    comp(&other, "mcu", 4);       /* 2.1 */
    comp(&other, "os", 6);
    comp(&other, "app", 5);       /* 3.0, new here */

    copy_choice c;
    copy_compare(&mine, &other, &c);
    is_int(c.n, 4, "one item per component of the other plan");
    is_int(c.ndiffer, 2, "two differ: module and mcu");
    ok(c.items[0].kind == COPY_DIFFERS && c.items[0].dst == 0, "module differs (this plan's row 0)");
    ok(c.items[1].kind == COPY_DIFFERS && c.items[1].dst == 1, "mcu differs");
    ok(c.items[2].kind == COPY_SAME, "os is the same package");
    ok(c.items[3].kind == COPY_ADD && c.items[3].dst == -1, "app is new");
    ok(!c.items[0].keep && !c.items[1].keep, "nothing kept until the operator says so");

    /* the operator keeps module, copies mcu */
    c.items[0].keep = true;
    bool keep[OTA_MAX_COMPONENTS] = {0};
    copy_keep_flags(&c, keep);
    ok(keep[0] && !keep[1] && !keep[2] && !keep[3], "keep flags by the other plan's component");
    ota_plan before = mine;
    ota_err e;
    ok_call(ota_plan_merge_components(&mine, &other, keep, &e), &e, "core's rule applies the choices");
    is_int(mine.components[0].package_id, 1, "module: the version picked by hand stays");
    is_int(mine.components[1].package_id, 4, "mcu: copied");
    is_int((int)mine.ncomponents, 4, "app added");
    char buf[400];
    is_str(copy_outcome(&c, &before, &other, label, NULL, buf, sizeof buf),
           "module 1.1.0\xe2\x86\x92" "1.3.0 kept, mcu 2.0\xe2\x86\x92" "2.1 copied, app 3.0 added, "
           "1 already the same",
           "the message says what was kept, copied and added");

    /* copying over a diff says what it replaced, without two arrows */
    c.items[0].keep = false;
    is_str(copy_outcome(&c, &before, &other, label, NULL, buf, sizeof buf),
           "module 1.2.0 copied (was 1.1.0\xe2\x86\x92" "1.3.0), mcu 2.0\xe2\x86\x92" "2.1 copied, "
           "app 3.0 added, 1 already the same",
           "a diff replaced: the new version, and what it was");

    /* nothing in the other plan */
    ota_plan none = {0};
    copy_compare(&before, &none, &c);
    is_int(c.n, 0, "an empty plan: nothing to compare");
    is_str(copy_outcome(&c, &before, &none, label, NULL, buf, sizeof buf), "no components to copy",
           "and the message says so");

    /* two the same */
    ota_plan same = {0};
    comp(&same, "mcu", 3);
    comp(&same, "os", 6);
    copy_compare(&before, &same, &c);
    is_str(copy_outcome(&c, &before, &same, label, NULL, buf, sizeof buf), "2 already the same",
           "two the same: counted");

    /* a small buffer is cut, never overrun */
    char tiny[16];
    copy_compare(&before, &other, &c);
    copy_outcome(&c, &before, &other, label, NULL, tiny, sizeof tiny);
    is_int((int)strlen(tiny), 15, "a small buffer: cut at its size");
    return tap_done();
}
