/* plan_copy.h: ^O in the plan editor, copy components from another plan
 * (plan_copy.c): pick the plan; for each component it has in another
 * version than this plan, ask whether to keep this plan's or copy the
 * other's; then say what changed.  The comparison and the sentence that
 * says what changed are pure (copy_text.c, tests/unit/tui/test_copy.c);
 * the rule of the copy itself is core's ota_plan_merge_components. */
#ifndef TUI_PLAN_COPY_H
#define TUI_PLAN_COPY_H

#include <stdbool.h>
#include <stddef.h>
#include "ota.h"

/* ------------------------------------------------ pure (copy_text.c) */
typedef enum { COPY_ADD, COPY_SAME, COPY_DIFFERS } copy_kind;
typedef struct copy_item {
    int src, dst;           ///< component indexes in the source and this plan (-1: not there)
    copy_kind kind;
    bool keep;              ///< COPY_DIFFERS: keep this plan's version
} copy_item;
typedef struct copy_choice {
    copy_item items[OTA_MAX_COMPONENTS];   ///< one per source component, in its order
    int n, ndiffer;
} copy_choice;

/* What copying src's components into dst would do, component by
 * component (keep false everywhere: the operator decides). */
void copy_compare(const ota_plan *dst, const ota_plan *src, copy_choice *c);
/* The keep flags by source component, for ota_plan_merge_components. */
void copy_keep_flags(const copy_choice *c, bool *keep);
/* A package's version as the editor shows it: "2.1", or "1.1.0→1.3.0" for
 * a diff; the console passes one that looks packages up. */
typedef const char *(*copy_label_fn)(int64_t package_id, char *buf, size_t len, void *ctx);
/* What the copy did, in words, from the components before it (before),
 * the source and the choices: "module 1.1.0→1.3.0 kept, mcu 2.0→2.1
 * copied, app 3.0 added, 1 already the same". */
const char *copy_outcome(const copy_choice *c, const ota_plan *before, const ota_plan *src,
                         copy_label_fn label, void *ctx, char *buf, size_t len);

/* ------------------------------------------ the console (plan_copy.c) */
struct app;
/* ^O: copy into w (the editor's working copy); changed(a) after a copy. */
void copy_start(struct app *a, ota_plan *w, void (*changed)(struct app *a));
/* The editor closes: release what the copy holds. */
void copy_done(void);

#endif
