/* push.c: P in the plans list or live status sends a plan of the local
 * engine to a server (client/push.h does the work, as for `otactl plan
 * push`): packages matched by hash or uploaded, the server plan created
 * on the first push and updated with its revision afterwards; a plan
 * changed on the server meanwhile is refused as a conflict, with what
 * differs.  The server's token and TLS settings are resolved by
 * client/profile.h for the URL typed, like otactl's --remote URL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "modal.h"
#include "push.h"
#include "remote.h"

typedef struct push_job {
    int64_t plan_id;
    char url[400];
    ota_remote_args ra;          ///< the command line's settings, url = the one typed
    ota_push_result res;
} push_job;

/* Worker thread: resolve the server, open it, push, close. */
static int push_run(ota_backend *local, void *ctx, ota_err *e)
{
    push_job *j = ctx;
    ota_remote_conf conf;
    if (ota_remote_conf_resolve(&j->ra, &conf, e) < 0)
        return -1;
    ota_backend *remote = ota_remote_conf_open(&conf, e);
    ota_remote_conf_clear(&conf);
    if (!remote)
        return -1;
    int rc = ota_plan_push(local, j->plan_id, remote, j->url, &j->res, e);
    ota_backend_close(remote);
    return rc;
}

static void push_done(app *a, call *c)
{
    push_job *j = c->ctx;
    if (c->rc) {
        /* the server is not our backend: its failures say nothing about
         * the console's connection, so no app_error() */
        char buf[600], diff[sizeof j->res.diff];
        ota_err_format(&c->err, buf, sizeof buf);
        text_copy(diff, sizeof diff, j->res.diff);
        for (char *p = diff; *p; p++)
            if (*p == '\n')
                *p = p[1] ? ';' : '\0';
        app_msg(a, MSG_ERROR, "Push of plan %lld refused: %s%s%s", (long long)j->plan_id, buf,
                diff[0] ? " · server vs local: " : "", diff);
        text_copy(a->last_error, sizeof a->last_error, buf);
        app_dirty(a, D_STATUS);
        return;
    }
    /* the URL last: on a narrow screen it is what gets cut */
    app_msg(a, MSG_OK, "Pushed plan %lld: server plan %lld revision %lld (%s; packages: %d uploaded, %d matched) at %s",
            (long long)j->plan_id, (long long)j->res.remote_id, (long long)j->res.remote_revision,
            j->res.created ? "created" : "updated", j->res.uploaded, j->res.matched, j->url);
}

static void push_typed(app *a, const char *text, void *ctx)
{
    int64_t id = *(int64_t *)ctx;
    if (!*text) {
        app_msg(a, MSG_WARN, "Not pushed: no server URL given");
        return;
    }
    text_copy(a->push_url, sizeof a->push_url, text);
    push_job *j = calloc(1, sizeof *j);
    if (!j)
        abort();
    j->plan_id = id;
    text_copy(j->url, sizeof j->url, text);
    if (a->rargs)
        j->ra = *a->rargs;
    j->ra.url = j->url;
    j->ra.profile = NULL;
    app_submit(a, call_new(-1, push_done, push_run, j, free));
    app_msg(a, MSG_INFO, "Pushing plan %lld to %s… (Esc stops waiting)", (long long)id, j->url);
}

void push_prompt(app *a, int64_t plan_id)
{
    if (!ota_backend_local_engine(a->be)) {
        app_msg(a, MSG_WARN, "Push sends a plan of the local engine to a server; this console is on %s",
                a->be->where);
        return;
    }
    if (!plan_id) {
        app_msg(a, MSG_WARN, "No plan selected");
        return;
    }
    if (!a->push_url[0]) {
        /* the profile otactl would use by default, if there is one */
        const char *ep = getenv("OTA_PROFILE");
        ota_remote_args pa = {.profile = ep && *ep ? ep : "default"};
        ota_remote_conf conf;
        ota_err e;
        if (ota_remote_conf_resolve(&pa, &conf, &e) == 0) {
            text_copy(a->push_url, sizeof a->push_url, conf.url);
            ota_remote_conf_clear(&conf);
        }
    }
    int64_t *id = malloc(sizeof *id);
    if (!id)
        abort();
    *id = plan_id;
    char q[200];
    snprintf(q, sizeof q, "Push plan %lld to server URL:", (long long)plan_id);
    prompt_text(a, q, a->push_url, false, push_typed, id, free);
}
