/* roles.h: the console offers only what its token's role allows.
 *
 * Who may do what is core's (OTA_DEEDS in ota.h, the table otad's routes
 * enforce); the console adds only which deed each action of a pane runs
 * (roles.c).  The role is what whoami said (conn.c; the local engine is
 * admin); until it is known everything is offered and the backend decides.
 * A refused key says who may do it in plain words and sends nothing; hint
 * lines lose the hints the role does not allow (roles_hints.c, pure); the
 * help greys them and names the role they need. */
#ifndef TUI_ROLES_H
#define TUI_ROLES_H

#include <stdbool.h>
#include <stddef.h>
#include "ota.h"
#include "tui.h"

/* The deed act runs in pane p (OTA_DEED_READ for reads and moving about). */
ota_deed role_deed(pane_id p, tui_action act);
/* The token may do d (true while its role is not known yet). */
bool role_may(const app *a, ota_deed d);
/* "Deleting a package needs the operator role; your token 'vic' is a
 * viewer" on the message line; returns H_HANDLED. */
int role_refuse(app *a, ota_deed d);
/* Before an action runs: true when allowed, else the refusal is shown. */
bool role_gate(app *a, pane_id p, tui_action act);
/* The least role act needs in any pane it runs in, when the token's role
 * allows none of them (the help greys such keys); false when allowed. */
bool role_short(const app *a, tui_action act, ota_role *needs);
/* Make hint_key (msgtext.h) leave out what the role does not allow, before
 * the bar is fitted to its width. */
void role_hints_install(app *a);
/* The pane's hint line without the hints its role does not allow (for
 * hint lines not built with hint_key). */
const char *role_hints(app *a, const char *hint, char *buf, size_t len);

/* ---------------------------------------------------- roles_hints.c */
/* The action a hint's key names in the scopes ("d" in SC_PKG: ACT_DELETE;
 * "Enter": ACT_OPEN; "^S": ACT_SAVE), ACT_NONE when no binding has it. */
tui_action hint_action(const char *key, int scopes);
/* Copies the hint line ("n new · d delete · ? help": hints separated by
 * " · ", each starting with its key) without the hints whose action keep()
 * refuses; hints whose key names no action stay. */
const char *hints_keep(const char *hint, int scopes, bool (*keep)(tui_action act, void *ud),
                       void *ud, char *out, size_t len);

#endif
