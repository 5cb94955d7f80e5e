/* push.c: P in the plans list or live status sends a plan of the local
 * engine to a server (client/push.h does the work, as for `otactl plan
 * push`): packages matched by hash or uploaded, the server plan created
 * on the first push and updated with its revision afterwards; a plan
 * changed on the server meanwhile is refused as a conflict, with what
 * differs.  The server's token and TLS settings are resolved by
 * client/profile.h for the URL typed, like otactl's --remote URL; with no
 * token there (none on the command line, in the environment or in a
 * profile for that URL) the console asks for one, shows it as stars, and
 * forgets it after the push.  The server's answers are reported as they
 * are: a token it refuses is "unauthorized", a role too low is said in
 * words (ota_plan_push asks whoami first). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "modal.h"
#include "push.h"
#include "remote.h"

typedef struct push_job {
    int64_t plan_id;
    char url[400];
    char token[1024];            ///< typed at the prompt ("" = resolved as otactl would)
    ota_remote_args ra;          ///< the command line's settings, url = the one typed
    bool sent;                   ///< handed to the worker (the prompt no longer owns it)
    ota_push_result res;
} push_job;

static void job_free(void *ctx)
{
    if (ctx)
        explicit_bzero(ctx, sizeof(push_job));
    free(ctx);
}

/* Worker thread: resolve the server, open it, push, close. */
static int push_run(ota_backend *local, void *ctx, ota_err *e)
{
    push_job *j = ctx;
    ota_remote_conf conf;
    if (j->token[0])
        j->ra.token = j->token;
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
        const char *hint = c->err.code == OTA_E_UNAUTHORIZED
                               ? " (the server did not take the token: P asks for it again)" : "";
        app_msg(a, MSG_ERROR, "Push of plan %lld refused: %s%s%s%s", (long long)j->plan_id, buf,
                hint, diff[0] ? " · server vs local: " : "", diff);
        text_copy(a->last_error, sizeof a->last_error, buf);
        app_dirty(a, D_STATUS);
        return;
    }
    /* the URL last: on a narrow screen it is what gets cut */
    app_msg(a, MSG_OK, "Pushed plan %lld: server plan %lld revision %lld (%s; packages: %d uploaded, %d matched) at %s",
            (long long)j->plan_id, (long long)j->res.remote_id, (long long)j->res.remote_revision,
            j->res.created ? "created" : "updated", j->res.uploaded, j->res.matched, j->url);
}

static void push_send(app *a, push_job *j)
{
    j->sent = true;
    call *c = call_new(-1, push_done, push_run, j, job_free);
    c->other_server = true;   /* its outcome says nothing of the console's backend */
    app_msg(a, MSG_INFO, "Pushing plan %lld to %s… (Esc stops waiting)", (long long)j->plan_id,
            j->url);
    app_submit(a, c);
}

static void token_typed(app *a, const char *text, void *ctx)
{
    push_job *j = ctx;
    if (!*text) {
        app_msg(a, MSG_WARN, "Not pushed: no token given for %s", j->url);
        return;
    }
    text_copy(j->token, sizeof j->token, text);
    push_send(a, j);
}

/* The prompt's free hook: a job handed to the worker is no longer ours. */
static void job_free_unsent(void *ctx)
{
    push_job *j = ctx;
    if (j && !j->sent)
        job_free(j);
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
    /* Where would the token come from?  Nowhere: ask for it. */
    ota_remote_conf conf;
    ota_err e;
    bool have = ota_remote_conf_resolve(&j->ra, &conf, &e) < 0 || conf.token[0];
    ota_remote_conf_clear(&conf);
    if (have) {
        push_send(a, j);   /* or the resolve's refusal, reported by the push */
        return;
    }
    /* short: the prompt line gives its label at most half the width */
    prompt_secret(a, "Server's token (not shown):", token_typed, j, job_free_unsent);
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
