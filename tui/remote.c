/* remote.c: what the console learns about a remote backend beyond the
 * backend interface: the role of its token, for the status bar
 * ("remote: https://ota.example.com (operator)").
 *
 * Asked once at start with GET /api/v1/whoami, which any valid token may
 * read (a plain read: nothing lands in the audit trail).  401 shows as
 * "token refused"; a server too old to know whoami shows no role.  Runs on
 * the worker thread. */
#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "remote.h"
#include "tui.h"

typedef struct probe {
    ota_remote_conf conf;   ///< url, token, TLS settings (token wiped after use)
    char body[2048];
    size_t nbody;
    char role[32];          ///< answer: "admin", "operator", "viewer", "token refused", ""
} probe;

static size_t probe_write(char *p, size_t size, size_t n, void *arg)
{
    probe *pr = arg;
    size_t len = size * n, room = sizeof pr->body - 1 - pr->nbody;
    memcpy(pr->body + pr->nbody, p, len < room ? len : room);
    pr->nbody += len < room ? len : room;
    pr->body[pr->nbody] = '\0';
    return len;
}

/* {"name":...,"role":"operator"} -> "operator" (a role otad knows, else nothing) */
static void role_from_answer(const char *body, char *out, size_t len)
{
    json_t *j = json_loads(body, 0, NULL);
    const char *role = json_string_value(json_object_get(j, "role"));
    ota_role r;
    if (role && ota_role_parse(role, &r) == 0)
        snprintf(out, len, "%s", ota_role_str(r));
    json_decref(j);
}

static int probe_run(ota_backend *b, void *ctx, ota_err *e)
{
    (void)b, (void)e;
    probe *pr = ctx;
    char url[512], auth[1100];
    CURL *h = curl_easy_init();
    if (!h)
        goto out;
    snprintf(url, sizeof url, "%s/api/v1/whoami", pr->conf.url);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", pr->conf.token);
    struct curl_slist *hd = curl_slist_append(NULL, auth);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, probe_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, pr);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (pr->conf.cacert[0])
        curl_easy_setopt(h, CURLOPT_CAINFO, pr->conf.cacert);
    if (pr->conf.insecure) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    long status = 0;
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (status == 200)
        role_from_answer(pr->body, pr->role, sizeof pr->role);
    else if (status == 401)
        snprintf(pr->role, sizeof pr->role, "token refused");
    sodium_memzero(auth, sizeof auth);
    curl_slist_free_all(hd);
    curl_easy_cleanup(h);
out:
    ota_remote_conf_clear(&pr->conf);
    return 0;
}

static void probe_done(app *a, call *c)
{
    probe *pr = c->ctx;
    if (pr->role[0] && strcmp(pr->role, a->role)) {
        text_copy(a->role, sizeof a->role, pr->role);
        app_dirty(a, D_STATUS);
    }
}

void remote_role_probe(app *a, const ota_remote_conf *conf)
{
    probe *pr = calloc(1, sizeof *pr);
    if (!pr)
        abort();
    pr->conf = *conf;
    app_submit(a, call_new(-1, probe_done, probe_run, pr, free));
}
