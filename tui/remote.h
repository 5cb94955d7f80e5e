/* remote.h: the console and servers: the role of a remote backend's token
 * (remote.c) and pushing a local plan to a server (push.c). */
#ifndef TUI_REMOTE_H
#define TUI_REMOTE_H

#include "profile.h"
#include "tui.h"

/* Learns the token's role in the background; a->role is set when known. */
void remote_role_probe(app *a, const ota_remote_conf *conf);

/* Push plan id of the local engine to a server: asks for the URL (the
 * token, CA and --insecure come from the command line, the environment
 * or the profile for that URL, as for otactl plan push). */
void push_prompt(app *a, int64_t plan_id);

#endif
