/* remote.h: the console and other servers: pushing a local plan to a
 * server (push.c).  The console's own backend, its connection state and
 * its token's role are conn.h's. */
#ifndef TUI_REMOTE_H
#define TUI_REMOTE_H

#include "profile.h"
#include "tui.h"

/* Push plan id of the local engine to a server: asks for the URL (the
 * token, CA and --insecure come from the command line, the environment
 * or the profile for that URL, as for otactl plan push). */
void push_prompt(app *a, int64_t plan_id);

#endif
