/* roles.c: which deed each action of a pane runs, and what the console
 * does with the token's role (see roles.h).  The roles themselves are
 * core's (OTA_DEEDS); this table only says what a key sends. */
#include <stdio.h>
#include "msgtext.h"
#include "roles.h"

static const struct { pane_id pane; tui_action act; ota_deed deed; } runs[] = {
    {PANE_PACKAGES, ACT_NEW, OTA_DEED_PACKAGE_CREATE},
    {PANE_PACKAGES, ACT_VERIFY, OTA_DEED_PACKAGE_VERIFY},
    {PANE_PACKAGES, ACT_DELETE, OTA_DEED_PACKAGE_DELETE},
    {PANE_PACKAGE_FORM, ACT_SAVE, OTA_DEED_PACKAGE_CREATE},
    {PANE_PLANS, ACT_NEW, OTA_DEED_PLAN_CREATE},
    {PANE_PLANS, ACT_DELETE, OTA_DEED_PLAN_DELETE},
    {PANE_PLANS, ACT_ACTIVATE, OTA_DEED_PLAN_ACTIVATE},
    {PANE_PLANS, ACT_PAUSE, OTA_DEED_PLAN_PAUSE},
    {PANE_PLANS, ACT_RESUME, OTA_DEED_PLAN_RESUME},
    {PANE_PLANS, ACT_TERMINATE, OTA_DEED_PLAN_TERMINATE},
    {PANE_PLANS, ACT_ADVANCE, OTA_DEED_PLAN_ADVANCE},
    {PANE_PLAN_STATUS, ACT_DELETE, OTA_DEED_PLAN_DELETE},
    {PANE_PLAN_STATUS, ACT_ACTIVATE, OTA_DEED_PLAN_ACTIVATE},
    {PANE_PLAN_STATUS, ACT_PAUSE, OTA_DEED_PLAN_PAUSE},
    {PANE_PLAN_STATUS, ACT_RESUME, OTA_DEED_PLAN_RESUME},
    {PANE_PLAN_STATUS, ACT_TERMINATE, OTA_DEED_PLAN_TERMINATE},
    {PANE_PLAN_STATUS, ACT_ADVANCE, OTA_DEED_PLAN_ADVANCE},
    {PANE_PLAN_EDITOR, ACT_SAVE, OTA_DEED_PLAN_EDIT},
    {PANE_PLAN_EDITOR, ACT_COPY_FROM, OTA_DEED_PLAN_EDIT},
    {PANE_PLAN_STATUS, ACT_TOKEN_ISSUE, OTA_DEED_DEVICE_TOKEN_ISSUE},
    {PANE_PLAN_STATUS, ACT_TOKEN_REVOKE, OTA_DEED_DEVICE_TOKEN_REVOKE},
};

ota_deed role_deed(pane_id p, tui_action act)
{
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++)
        if (runs[i].pane == p && runs[i].act == act)
            return runs[i].deed;
    return OTA_DEED_READ;
}

bool role_may(const app *a, ota_deed d)
{
    return !a->role_known || ota_role_may(a->may_role, d);
}

int role_refuse(app *a, ota_deed d)
{
    char buf[300];
    app_msg(a, MSG_WARN, "%s", ota_deed_refusal(d, a->token_name, a->may_role, buf, sizeof buf));
    return H_HANDLED;
}

bool role_gate(app *a, pane_id p, tui_action act)
{
    ota_deed d = role_deed(p, act);
    if (role_may(a, d))
        return true;
    role_refuse(a, d);
    return false;
}

bool role_short(const app *a, tui_action act, ota_role *needs)
{
    bool runs_somewhere = false;
    ota_role least = OTA_ROLE_ADMIN;
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        if (runs[i].act != act)
            continue;
        if (role_may(a, runs[i].deed))
            return false;
        runs_somewhere = true;
        if (ota_deed_role(runs[i].deed) < least)
            least = ota_deed_role(runs[i].deed);
    }
    if (runs_somewhere && needs)
        *needs = least;
    return runs_somewhere;
}

typedef struct keep_ctx { const app *a; pane_id pane; } keep_ctx;

static bool keep_allowed(tui_action act, void *ud)
{
    const keep_ctx *k = ud;
    return role_may(k->a, role_deed(k->pane, act));
}

/* hint_key's filter: the current pane's hints the role allows. */
static bool hint_allowed(tui_action act, void *ud)
{
    const app *a = ud;
    return !a->role_known || a->may_role == OTA_ROLE_ADMIN || role_may(a, role_deed(a->pane, act));
}

void role_hints_install(app *a)
{
    hints_set_keep(hint_allowed, a);
}

const char *role_hints(app *a, const char *hint, char *buf, size_t len)
{
    if (!hint || !a->role_known || a->may_role == OTA_ROLE_ADMIN)
        return hint;
    const pane_ops *po = app_pane(a, a->pane);
    int scopes = (po->scopes ? po->scopes(a) : 0) | SC_GLOBAL;
    keep_ctx k = {a, a->pane};
    return hints_keep(hint, scopes, keep_allowed, &k, buf, len);
}
