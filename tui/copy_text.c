/* copy_text.c: the pure part of ^O, copy components from another plan:
 * what differs, and what the copy did in words (see plan_copy.h). */
#include <stdio.h>
#include <string.h>
#include "plan_copy.h"

static int find(const ota_plan *p, const char *component)
{
    for (size_t i = 0; i < p->ncomponents; i++)
        if (!strcmp(p->components[i].component, component))
            return (int)i;
    return -1;
}

void copy_compare(const ota_plan *dst, const ota_plan *src, copy_choice *c)
{
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < src->ncomponents && i < OTA_MAX_COMPONENTS; i++) {
        copy_item *it = &c->items[c->n++];
        it->src = (int)i;
        it->dst = find(dst, src->components[i].component);
        it->kind = it->dst < 0 ? COPY_ADD
                 : dst->components[it->dst].package_id == src->components[i].package_id ? COPY_SAME
                 : COPY_DIFFERS;
        c->ndiffer += it->kind == COPY_DIFFERS;
    }
}

void copy_keep_flags(const copy_choice *c, bool *keep)
{
    for (int i = 0; i < c->n; i++)
        keep[c->items[i].src] = c->items[i].kind == COPY_DIFFERS && c->items[i].keep;
}

/* Appends ", " and a clause to buf. */
static void clause(char *buf, size_t len, size_t *o, const char *fmt, const char *a1, const char *a2,
                   const char *a3)
{
    if (*o >= len)
        return;
    int n = snprintf(buf + *o, len - *o, "%s", *o ? ", " : "");
    if (n > 0)
        *o += (size_t)n;
    if (*o >= len)
        return;
    n = snprintf(buf + *o, len - *o, fmt, a1, a2, a3);
    if (n > 0)
        *o += (size_t)n;
    if (*o >= len)
        *o = len - 1;
}

const char *copy_outcome(const copy_choice *c, const ota_plan *before, const ota_plan *src,
                         copy_label_fn label, void *ctx, char *buf, size_t len)
{
    size_t o = 0;
    int same = 0;
    buf[0] = '\0';
    for (int i = 0; i < c->n; i++) {
        const copy_item *it = &c->items[i];
        const ota_plan_component *s = &src->components[it->src];
        char was[128], now[128];
        label(s->package_id, now, sizeof now, ctx);
        if (it->dst >= 0)
            label(before->components[it->dst].package_id, was, sizeof was, ctx);
        switch (it->kind) {
        case COPY_SAME:
            same++;
            break;
        case COPY_ADD:
            clause(buf, len, &o, "%s %s added", s->component, now, "");
            break;
        case COPY_DIFFERS:
            if (it->keep)
                clause(buf, len, &o, "%s %s kept%s", s->component, was, "");
            else if (strstr(was, "\xe2\x86\x92") || strstr(now, "\xe2\x86\x92"))
                clause(buf, len, &o, "%s %s copied (was %s)", s->component, now, was);
            else
                clause(buf, len, &o, "%s %s\xe2\x86\x92%s copied", s->component, was, now);
            break;
        }
    }
    if (same) {
        char n[32];
        snprintf(n, sizeof n, "%d", same);
        clause(buf, len, &o, "%s already the same", n, "", "");
    }
    if (!o)
        snprintf(buf, len, "no components to copy");
    return buf;
}
