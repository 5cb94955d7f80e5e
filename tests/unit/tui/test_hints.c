/* Hint lines filtered by action (tui/roles_hints.c): a hint's key is found
 * in the key table within the pane's scopes, the hints whose action is
 * refused are dropped with their separators, and hints naming no action
 * stay; plus the console's deeds (tui/roles.c's table is not linked here:
 * the predicate stands for it). */
#include <string.h>
#include "../../tap.h"
#include "../../../tui/roles.h"

static bool no_writes(tui_action act, void *ud)
{
    (void)ud;
    return act != ACT_NEW && act != ACT_VERIFY && act != ACT_DELETE && act != ACT_SAVE;
}

static bool keep_all(tui_action act, void *ud) { (void)act, (void)ud; return true; }

int main(void)
{
    char buf[256];
    is_int(hint_action("d", SC_PKG), ACT_DELETE, "d in the packages: delete");
    is_int(hint_action("a", SC_PLAN), ACT_ACTIVATE, "a in the plans: activate");
    is_int(hint_action("a", SC_IDS), ACT_ADD, "a in an id list: add");
    is_int(hint_action("Enter", SC_MOVE), ACT_OPEN, "Enter by its name");
    is_int(hint_action("^S", SC_FORM), ACT_SAVE, "^S by its name");
    is_int(hint_action("k", SC_MOVE), ACT_UP, "an alternative key");
    is_int(hint_action("d", SC_GLOBAL), ACT_NONE, "outside its scopes: nothing");
    is_int(hint_action("Up/Down", SC_MOVE), ACT_NONE, "not a key name: nothing");

    const char *pkgs = "Enter details · n new · v verify · d delete · / filter · s sort · ? help · q quit";
    int scopes = SC_GLOBAL | SC_MOVE | SC_LIST | SC_PKG;
    is_str(hints_keep(pkgs, scopes, no_writes, NULL, buf, sizeof buf),
           "Enter details · / filter · s sort · ? help · q quit", "the writes are gone, the rest kept in order");
    is_str(hints_keep(pkgs, scopes, keep_all, NULL, buf, sizeof buf), pkgs, "all allowed: unchanged");
    is_str(hints_keep("n new · d delete", scopes, no_writes, NULL, buf, sizeof buf), "",
           "all refused: empty, no stray separator");
    is_str(hints_keep("d delete · Up/Down scroll", scopes, no_writes, NULL, buf, sizeof buf),
           "Up/Down scroll", "a hint naming no action stays");
    is_str(hints_keep("", scopes, no_writes, NULL, buf, sizeof buf), "", "an empty line stays empty");
    char small[16];
    hints_keep(pkgs, scopes, no_writes, NULL, small, sizeof small);
    is_str(small, "Enter details", "a short buffer takes whole hints only");

    /* core's table behind the console's refusals */
    ok(!ota_role_may(OTA_ROLE_VIEWER, OTA_DEED_PACKAGE_DELETE), "a viewer may not delete a package");
    ok(ota_role_may(OTA_ROLE_OPERATOR, OTA_DEED_PACKAGE_DELETE), "an operator may");
    ok(!ota_role_may(OTA_ROLE_OPERATOR, OTA_DEED_PRODUCT_ADD), "an operator may not add a product");
    ok(ota_role_may(OTA_ROLE_VIEWER, OTA_DEED_READ), "everyone reads");
    is_int(ota_action_deed(OTA_ACT_PAUSE), OTA_DEED_PLAN_PAUSE, "a plan action's deed");
    is_str(ota_deed_refusal(OTA_DEED_PACKAGE_DELETE, "vic", OTA_ROLE_VIEWER, buf, sizeof buf),
           "Deleting a package needs the operator role; your token 'vic' is a viewer", "the words");
    is_str(ota_deed_refusal(OTA_DEED_TOKEN_ADMIN, "olga", OTA_ROLE_OPERATOR, buf, sizeof buf),
           "Managing tokens needs the admin role; your token 'olga' is an operator", "an operator");
    return tap_done();
}
