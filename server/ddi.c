/* hawkBit DDI endpoints for standard device agents (SWUpdate's suricatta).
 * Thin like the rest of otad: parse, authorize, call core, encode.
 *
 * Mapping (README "Standard device agents"): tenant = product key,
 * controller id = device id; a poll is a check-in; a deploymentBase is the
 * job the engine offers, one chunk per plan component; feedback moves the
 * job.  What SWUpdate needs (../shared/DDI.md): config.polling.sleep in
 * every poll answer, artifacts with sha1, file names ending in .swu, and
 * feedback answered with 200 exactly (201/204 make it start over). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "ddi.h"
#include "credential.h"

static int poll_seconds = 300;

int ddi_poll_seconds(void) { return poll_seconds; }

int ddi_set_poll(const char *arg, ota_err *e)
{
    char *end;
    errno = 0;
    long v = strtol(arg ? arg : "", &end, 10);
    /* HH:MM:SS caps it below a day; 0 would mean "45 s" to SWUpdate. */
    if (!arg || !*arg || *end || errno || v < 1 || v > 86399)
        return ota_fail(e, OTA_E_BAD_REQUEST, "ddi-poll", "seconds between 1 and 86399 (got '%s')",
                        arg ? arg : "");
    poll_seconds = (int)v;
    return 0;
}

/* ------------------------------------------------------------ the request */
enum ddi_kind {
    K_POLL, K_DEPLOY, K_DEPLOY_FB, K_CANCEL, K_CANCEL_FB, K_CONFIRM_BASE, K_CONFIRM,
    K_CONFIRM_FB, K_CONFIG, K_ARTIFACT
};

typedef struct ddi {
    req *r;
    ota_engine *eng;
    char tenant[OTA_KEY_MAX + 1];
    char device[OTA_DEVICE_ID_MAX + 1];
    enum ddi_kind kind;
    int64_t id;                          /* job, or package for artifacts */
    char file[OTA_FILE_NAME_MAX + 1];
    char base[1024];                     /* absolute URL of the controller */
} ddi;

static MHD_RESULT_T ddi_dispatch(req *r);

/* Reads (polls, downloads) are answered at once, whatever Content-Type an
 * agent sends with them; feedback and configData bodies are read first. */
static const route ddi_read_route = {"GET", "/{tenant}/controller/v1/{id}/...", ddi_dispatch,
                                     OTA_ROLE_VIEWER, RF_PUBLIC};
static const route ddi_body_route = {"POST", "/{tenant}/controller/v1/{id}/...", ddi_dispatch,
                                     OTA_ROLE_VIEWER, RF_PUBLIC | RF_BODY_JSON};

const route *ddi_route(const char *method, const char *path)
{
    const char *s = path[0] == '/' ? strchr(path + 1, '/') : NULL;
    if (!s || s == path + 1 || strncmp(s, "/controller/", 12))
        return NULL;
    bool read = !strcmp(method, "GET") || !strcmp(method, "HEAD") || !strcmp(method, "DELETE");
    return read ? &ddi_read_route : &ddi_body_route;
}

/* Split "/t/controller/v1/id/a/b/c" into segments; returns the count. */
static int split(char *p, char **seg, int max)
{
    int n = 0;
    while (*p == '/')
        p++;
    while (*p) {
        if (n == max)
            return max + 1;
        seg[n++] = p;
        char *s = strchr(p, '/');
        if (!s)
            break;
        *s = 0;
        p = s + 1;
    }
    return n;
}

static int parse_id(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || errno || v <= 0 || s[0] == '+' || s[0] == ' ')
        return -1;
    *out = v;
    return 0;
}

/* Which endpoint; -1 for no such resource, -2 for a wrong method. */
static int route_parse(ddi *d, char **seg, int n)
{
    const char *m = d->r->method;
    bool get = !strcmp(m, "GET") || !strcmp(m, "HEAD"), post = !strcmp(m, "POST");
    if (n < 4 || strcmp(seg[2], "v1"))
        return -1;
    if (n == 4)
        return (d->kind = K_POLL), get ? 0 : -2;
    const char *what = seg[4];
    if (n == 5 && !strcmp(what, "configData"))
        return (d->kind = K_CONFIG), !strcmp(m, "PUT") ? 0 : -2;
    if (n == 5 && !strcmp(what, "confirmationBase"))
        return (d->kind = K_CONFIRM_BASE), get ? 0 : -2;
    if (n == 8 && !strcmp(what, "softwaremodules") && !strcmp(seg[6], "artifacts")) {
        if (parse_id(seg[5], &d->id) < 0 || strlen(seg[7]) > OTA_FILE_NAME_MAX)
            return -1;
        snprintf(d->file, sizeof d->file, "%s", seg[7]);
        return (d->kind = K_ARTIFACT), get ? 0 : -2;
    }
    if ((n != 6 && n != 7) || parse_id(seg[5], &d->id) < 0)
        return -1;
    bool fb = n == 7;
    if (fb && strcmp(seg[6], "feedback"))
        return -1;
    if (!strcmp(what, "deploymentBase"))
        d->kind = fb ? K_DEPLOY_FB : K_DEPLOY;
    else if (!strcmp(what, "cancelAction"))
        d->kind = fb ? K_CANCEL_FB : K_CANCEL;
    else if (!strcmp(what, "confirmationBase"))
        d->kind = fb ? K_CONFIRM_FB : K_CONFIRM;
    else
        return -1;
    return (fb ? post : get) ? 0 : -2;
}

/* ------------------------------------------------------------------ auth */
/* TargetToken (hawkBit's per-target token) is the device's own token;
 * GatewayToken (hawkBit's per-tenant token) is the product's device key,
 * and so is a TargetToken that is not a device token (agents configured
 * before device tokens).  Core judges them for the tenant and the
 * controller id the path names (server/credential.c reads the header), on
 * every DDI request: polls, deployments, feedback, configData, artifact
 * downloads, cancellations. */
static int authorize(ddi *d, const char *controller, ota_err *e)
{
    otad_cred c;
    if (cred_from_authorization(req_header(d->r, MHD_HTTP_HEADER_AUTHORIZATION), &c, e) < 0)
        return -1;
    if (ota_device_authenticate(d->eng, d->tenant, controller, c.key, c.token, NULL, e) < 0) {
        cred_err_field(&c, e);
        return -1;
    }
    snprintf(d->r->who, sizeof d->r->who, "ddi:%s", d->tenant);
    return 0;
}

/* The absolute controller URL the agent will follow (hrefs are used verbatim). */
static void base_url(ddi *d)
{
    const char *host = req_header(d->r, MHD_HTTP_HEADER_HOST);
    const char *scheme = d->r->srv->cfg.tls_cert[0] ? "https" : "http";
    char t[3 * sizeof d->tenant], i[3 * sizeof d->device];
    char *enc[2] = {t, i};
    const char *src[2] = {d->tenant, d->device};
    for (int k = 0; k < 2; k++) {
        char *o = enc[k];
        for (const unsigned char *p = (const unsigned char *)src[k]; *p; p++) {
            if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                strchr("-._~", *p))
                *o++ = (char)*p;
            else
                o += sprintf(o, "%%%02X", *p);
        }
        *o = 0;
    }
    snprintf(d->base, sizeof d->base, "%s://%s/%s/controller/v1/%s", scheme,
             host && *host ? host : "127.0.0.1", t, i);
}

/* ------------------------------------------------------------ lenient JSON */
/* Agents send local times without separators, empty ids, log lines with
 * tabs or stray bytes in details: control characters become spaces and
 * invalid UTF-8 becomes '?', then the text is parsed. */
static json_t *lenient_json(req *r)
{
    if (!r->body_len)
        return json_object();
    unsigned char *b = malloc(r->body_len);
    if (!b)
        return NULL;
    memcpy(b, r->body, r->body_len);
    size_t n = r->body_len;
    for (size_t i = 0; i < n;) {
        if (b[i] < 0x20) {
            b[i++] = ' ';
            continue;
        }
        if (b[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = 1;
        while (k < 4 && i + k < n && (b[i + k] & 0xc0) == 0x80)
            k++;
        if (ota_utf8_valid((const char *)b + i, k))
            i += k;
        else
            b[i++] = '?';
    }
    json_t *j = json_loadb((const char *)b, n, JSON_DECODE_ANY, NULL);
    free(b);
    if (j && !json_is_object(j)) {
        json_decref(j);
        j = NULL;
    }
    return j;
}

static const char *jstr(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Cut s to at most max bytes, never inside a UTF-8 sequence. */
static void clip_utf8(char *s, size_t max)
{
    size_t n = strlen(s);
    if (n > max)
        n = max;
    while (n && !ota_utf8_valid(s, n))
        n--;
    s[n] = 0;
}

/* Details joined with "; ", each trimmed, cut to fit a job's error text. */
static void details_join(json_t *status, char *out, size_t len)
{
    json_t *d = json_object_get(status, "details");
    size_t n = 0;
    out[0] = 0;
    for (size_t i = 0; json_is_array(d) && i < json_array_size(d); i++) {
        const char *s = json_string_value(json_array_get(d, i));
        if (!s)
            continue;
        while (*s == ' ')
            s++;
        size_t l = strlen(s);
        while (l && s[l - 1] == ' ')
            l--;
        if (!l)
            continue;
        int w = snprintf(out + n, len - n, "%s%.*s", n ? "; " : "", (int)l, s);
        if (w < 0 || (size_t)w >= len - n) {
            n = len - 1;
            break;
        }
        n += (size_t)w;
    }
    out[n] = 0;
    clip_utf8(out, n);
}

/* ------------------------------------------------------------- check-ins */
/* A poll carries no telemetry or versions: the engine keeps what the agent
 * last reported.  configData reports versions one component at a time
 * while the engine replaces the whole set, so the device's other stored
 * versions are added to it. */
static int checkin(ddi *d, const ota_device *known, ota_checkin_req *cr, ota_job_offer *offer, ota_err *e)
{
    memset(offer, 0, sizeof *offer);
    if (known && cr->nversions) {
        for (size_t i = 0; i < known->nversions && cr->nversions < OTA_MAX_COMPONENTS; i++) {
            bool have = false;
            for (size_t k = 0; k < cr->nversions; k++)
                have |= !strcmp(cr->versions[k].component, known->versions[i].component);
            if (!have)
                cr->versions[cr->nversions++] = known->versions[i];
        }
    }
    snprintf(cr->device, sizeof cr->device, "%s", d->device);
    snprintf(cr->product, sizeof cr->product, "%s", d->tenant);
    atomic_fetch_add(&d->r->srv->m.checkins, 1);
    /* a poll that changes nothing is answered without a write transaction */
    int rc = ota_checkin_readonly(d->eng, cr, offer, e);
    if (rc == OTA_CHECKIN_WOULD_WRITE) {
        atomic_fetch_add(&d->r->srv->m.checkin_writes, 1);
        rc = ota_checkin(d->eng, cr, offer, e);
    }
    if (rc < 0)
        return -1;
    if (offer->has_job)
        atomic_fetch_add(&d->r->srv->m.checkin_offers, 1);
    else if (offer->rate_limited)
        atomic_fetch_add(&d->r->srv->m.rate_limited, 1);
    return 0;
}

/* The stored device, if any; a device of another product is not this
 * tenant's to speak for. */
static int device_load(ddi *d, ota_device *dev, bool *known, ota_err *e)
{
    ota_err ge;
    *known = ota_device_get(d->eng, d->device, dev, &ge) == 0;
    if (!*known && ge.code != OTA_E_NOT_FOUND) {
        *e = ge;
        return -1;
    }
    if (*known && strcmp(dev->product, d->tenant))
        return ota_fail(e, OTA_E_NOT_FOUND, "controller", "device %s belongs to another product", d->device);
    return 0;
}

static void link_add(json_t *links, const char *name, const char *href)
{
    json_object_set_new(links, name, json_pack("{s:s}", "href", href));
}

/* Whether the agent must confirm first (confirm mode, not yet confirmed). */
static bool needs_confirmation(const ota_job_offer *o)
{
    return o->mode == OTA_MODE_CONFIRM &&
           ota_job_is_unstarted(o->state);
}

static MHD_RESULT_T h_poll(ddi *d)
{
    ota_err e;
    ota_device dev;
    bool known;
    ota_checkin_req cr;
    memset(&cr, 0, sizeof cr);
    ota_job_offer offer_buf = {0}, *offer = &offer_buf;
    if (device_load(d, &dev, &known, &e) < 0 || checkin(d, known ? &dev : NULL, &cr, offer, &e) < 0) {
        ota_job_offer_free(offer);
        return reply_error(d->r, &e);
    }
    bool has_job = offer->has_job, confirm = needs_confirmation(offer);
    int64_t job = offer->job_id;
    int state = (int)offer->state;
    ota_job_offer_free(offer);
    int64_t cancel = 0;
    json_t *attrs = NULL;
    /* Remember what this agent was shown: only such a job, taken back
     * before it started, earns a cancelAction. */
    bool unstarted = ota_job_is_unstarted(state);
    if ((has_job && unstarted && ota_ddi_offer_note(d->eng, job, &e) < 0) ||
        ota_ddi_cancel_pending(d->eng, d->device, &cancel, &e) < 0 ||
        ota_device_attrs_get(d->eng, d->device, &attrs, &e) < 0)
        return reply_error(d->r, &e);

    int s = poll_seconds;
    char sleep[16], href[1200];
    snprintf(sleep, sizeof sleep, "%02d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    json_t *links = json_object();
    if (cancel) {
        snprintf(href, sizeof href, "%s/cancelAction/%lld", d->base, (long long)cancel);
        link_add(links, "cancelAction", href);
    }
    if (has_job) {
        /* ?c= changes with the job's state, like hawkBit's cache buster */
        snprintf(href, sizeof href, "%s/%s/%lld?c=%d", d->base, confirm ? "confirmationBase" : "deploymentBase",
                 (long long)job, state);
        link_add(links, confirm ? "confirmationBase" : "deploymentBase", href);
    }
    if (!attrs) {
        snprintf(href, sizeof href, "%s/configData", d->base);
        link_add(links, "configData", href);
    }
    json_decref(attrs);
    return reply_json(d->r, 200, json_pack("{s:{s:{s:s}},s:o}", "config", "polling", "sleep", sleep,
                                           "_links", links));
}

/* ------------------------------------------------------------ deployments */
/* The job, refused unless it is this device's. */
static int job_of_device(ddi *d, ota_job_row *row, int64_t *plan, ota_err *e)
{
    if (ota_job_get(d->eng, d->id, plan, row, e) < 0)
        return e->code == OTA_E_NOT_FOUND ? ota_fail(e, OTA_E_NOT_FOUND, "action", "no action %lld for %s",
                                                      (long long)d->id, d->device)
                                          : -1;
    if (strcmp(row->device, d->device))
        return ota_fail(e, OTA_E_NOT_FOUND, "action", "no action %lld for %s", (long long)d->id, d->device);
    return 0;
}

static json_t *artifact_json(ddi *d, int64_t pkg, const ota_file *f)
{
    char href[1600];
    snprintf(href, sizeof href, "%s/softwaremodules/%lld/artifacts/%s", d->base, (long long)pkg, f->name);
    json_t *links = json_object();
    link_add(links, "download-http", href);
    if (d->r->srv->cfg.tls_cert[0])
        link_add(links, "download", href);
    return json_pack("{s:s,s:{s:s,s:s,s:s},s:I,s:o}", "filename", f->name, "hashes", "sha1", f->sha1, "md5",
                     f->md5, "sha256", f->sha256, "size", (json_int_t)f->size, "_links", links);
}

/* One chunk per plan component: part and name = component, version = target. */
static json_t *chunks_json(ddi *d, const ota_plan *p, ota_err *e)
{
    json_t *chunks = json_array();
    for (size_t i = 0; i < p->ncomponents; i++) {
        ota_package pkg;
        int64_t pid = p->components[i].package_id;
        if (ota_package_get(d->eng, pid, &pkg, e) < 0)
            goto fail;
        bool missing = false;
        for (size_t k = 0; k < pkg.nfiles; k++)
            missing |= !pkg.files[k].sha1[0] || !pkg.files[k].md5[0];
        /* stored before SHA-1/MD5 were recorded: fill them in once */
        if (missing && (ota_package_fill_hashes(d->eng, pid, NULL, e) < 0 || ota_package_get(d->eng, pid, &pkg, e) < 0))
            goto fail;
        json_t *arts = json_array();
        for (size_t k = 0; k < pkg.nfiles; k++)
            json_array_append_new(arts, artifact_json(d, pid, &pkg.files[k]));
        json_array_append_new(chunks, json_pack("{s:s,s:s,s:s,s:o}", "part", p->components[i].component, "version",
                                                pkg.meta.target_version, "name", p->components[i].component,
                                                "artifacts", arts));
    }
    return chunks;
fail:
    json_decref(chunks);
    return NULL;
}

/* deploymentBase/{job} and confirmationBase/{job}: the same action under
 * "deployment" or "confirmation". */
static MHD_RESULT_T h_action(ddi *d)
{
    ota_err e;
    ota_job_row row;
    int64_t plan_id;
    ota_plan p;
    if (job_of_device(d, &row, &plan_id, &e) < 0)
        return reply_error(d->r, &e);
    bool confirming = d->kind == K_CONFIRM;
    if (row.state == OTA_JOB_PENDING)
        return reply_fail(d->r, OTA_E_NOT_FOUND, "action", "action %lld is not offered", (long long)d->id);
    ota_plan_init(&p);
    if (ota_plan_get(d->eng, plan_id, &p, &e) < 0)
        return reply_error(d->r, &e);
    bool must_confirm = p.mode == OTA_MODE_CONFIRM &&
                        ota_job_is_unstarted(row.state);
    if (!confirming && must_confirm) {
        ota_plan_free(&p);
        return reply_fail(d->r, OTA_E_NOT_FOUND, "action", "action %lld waits for confirmation", (long long)d->id);
    }
    json_t *chunks = chunks_json(d, &p, &e);
    const char *how = p.mode == OTA_MODE_SILENT ? "forced" : "attempt";
    ota_plan_free(&p);
    if (!chunks)
        return reply_error(d->r, &e);
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)d->id);
    json_t *body = json_pack("{s:s,s:{s:s,s:s,s:o}}", "id", id, confirming ? "confirmation" : "deployment",
                             "download", how, "update", how, "chunks", chunks);
    json_object_set_new(body, "actionHistory",
                        json_pack("{s:s,s:[]}", "status", ota_job_state_str(row.state), "messages"));
    return reply_json(d->r, 200, body);
}

/* confirmationBase: hawkBit's entry point of the confirmation flow. */
static MHD_RESULT_T h_confirm_base(ddi *d)
{
    ota_err e;
    ota_device dev;
    bool known;
    ota_checkin_req cr;
    memset(&cr, 0, sizeof cr);
    ota_job_offer offer_buf = {0}, *offer = &offer_buf;
    if (device_load(d, &dev, &known, &e) < 0 || checkin(d, known ? &dev : NULL, &cr, offer, &e) < 0) {
        ota_job_offer_free(offer);
        return reply_error(d->r, &e);
    }
    json_t *links = json_object();
    if (offer->has_job && needs_confirmation(offer)) {
        char href[1200];
        snprintf(href, sizeof href, "%s/confirmationBase/%lld?c=%d", d->base, (long long)offer->job_id,
                 (int)offer->state);
        link_add(links, "confirmationBase", href);
    }
    ota_job_offer_free(offer);
    return reply_json(d->r, 200, json_pack("{s:{s:b},s:o}", "autoConfirm", "active", 0, "_links", links));
}

/* -------------------------------------------------------------- feedback */
/* Move the job toward `to`, stepping through the states the engine needs
 * (an agent may skip reporting them).  A feedback that does not move the
 * job forward (duplicate, late, out of order) changes nothing. */
static int job_step(ddi *d, ota_job_state to, int progress, const char *error_text, ota_err *e)
{
    for (int guard = 0; guard < 4; guard++) {
        ota_job_row row;
        int64_t plan;
        if (ota_job_get(d->eng, d->id, &plan, &row, e) < 0)
            return -1;
        ota_job_state cur = row.state;
        ota_job_state next = ota_job_step_toward(cur, to);
        if (next == OTA_JOB__COUNT)
            return 0;
        ota_err re;
        int rc = ota_job_report(d->eng, d->id, d->device, next, next == to ? progress : 0,
                                next == OTA_JOB_FAILED ? error_text : NULL, &re);
        if (rc < 0 && re.code == OTA_E_INVALID_TRANSITION && to == OTA_JOB_FAILED &&
            ota_job_step_toward(cur, OTA_JOB_DOWNLOADING) == OTA_JOB_DOWNLOADING) {
            /* failing straight from offered: go through downloading */
            rc = ota_job_report(d->eng, d->id, d->device, OTA_JOB_DOWNLOADING, 0, NULL, &re);
            if (rc == 0)
                continue;
        }
        if (rc < 0) {
            if (re.code == OTA_E_INVALID_TRANSITION || re.code == OTA_E_NOT_FOUND ||
                re.code == OTA_E_CONFLICT || re.code == OTA_E_VALIDATION) {
                otad_log(LOG_INFO, "ddi: %s action %lld: feedback ignored: %s", d->device, (long long)d->id,
                         re.message);
                return 0;
            }
            *e = re;
            return -1;
        }
        if (next == to)
            return 0;
    }
    return 0;
}

static bool ci_has(const char *s, const char *needle) { return s && strcasestr(s, needle); }

/* "proceeding" reaches installing once a detail says something is
 * installed (SWUpdate: "Installed Chunk.", "All Chunks Installed."). */
static bool says_installed(json_t *status)
{
    json_t *d = json_object_get(status, "details");
    for (size_t i = 0; json_is_array(d) && i < json_array_size(d); i++) {
        const char *s = json_string_value(json_array_get(d, i));
        if (ci_has(s, "installed") && !ci_has(s, "not installed") && !ci_has(s, "fail"))
            return true;
    }
    return false;
}

static int progress_of(json_t *status)
{
    json_t *pr = json_object_get(json_object_get(status, "result"), "progress");
    json_int_t cnt = json_integer_value(json_object_get(pr, "cnt"));
    json_int_t of = json_integer_value(json_object_get(pr, "of"));
    return of > 0 && cnt >= 0 && cnt <= of ? (int)(cnt * 100 / of) : 0;
}

static MHD_RESULT_T h_deploy_feedback(ddi *d)
{
    ota_err e;
    ota_job_row row;
    int64_t plan;
    if (job_of_device(d, &row, &plan, &e) < 0)
        return reply_error(d->r, &e);
    json_t *j = lenient_json(d->r);
    if (!j)
        return reply_fail(d->r, OTA_E_BAD_REQUEST, NULL, "feedback: not a JSON object");
    json_t *status = json_object_get(j, "status");
    const char *exec = jstr(status, "execution");
    const char *fin = jstr(json_object_get(status, "result"), "finished");
    char details[250], err[300];
    details_join(status, details, sizeof details);
    int rc = 0;
    if (!exec) {
        rc = 0;  /* nothing we understand: acknowledged, changes nothing */
    } else if (!strcmp(exec, "proceeding") || !strcmp(exec, "download") || !strcmp(exec, "downloaded")) {
        bool inst = !strcmp(exec, "proceeding") && says_installed(status);
        rc = job_step(d, inst ? OTA_JOB_INSTALLING : OTA_JOB_DOWNLOADING, inst ? 0 : progress_of(status), NULL, &e);
    } else if (!strcmp(exec, "closed") && fin && !strcmp(fin, "success")) {
        rc = job_step(d, OTA_JOB_SUCCEEDED, 100, NULL, &e);
    } else if (!strcmp(exec, "closed") && fin && !strcmp(fin, "failure")) {
        rc = job_step(d, OTA_JOB_FAILED, 0, details[0] ? details : "failed on the device", &e);
    } else if (!strcmp(exec, "rejected") || !strcmp(exec, "canceled")) {
        snprintf(err, sizeof err, "%s by the device%s%s", exec, details[0] ? ": " : "", details);
        clip_utf8(err, sizeof details - 1);  /* within a job's error text */
        rc = job_step(d, OTA_JOB_FAILED, 0, err, &e);
    }
    json_decref(j);
    if (rc < 0)
        return reply_error(d->r, &e);
    return reply_empty(d->r, 200);
}

/* ------------------------------------------------------------ cancellation */
static MHD_RESULT_T h_cancel(ddi *d)
{
    ota_err e;
    int64_t pending = 0;
    if (ota_ddi_cancel_pending(d->eng, d->device, &pending, &e) < 0)
        return reply_error(d->r, &e);
    if (pending != d->id)
        return reply_fail(d->r, OTA_E_NOT_FOUND, "action", "no cancellation %lld for %s", (long long)d->id,
                          d->device);
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)d->id);
    return reply_json(d->r, 200, json_pack("{s:s,s:{s:s}}", "id", id, "cancelAction", "stopId", id));
}

static MHD_RESULT_T h_cancel_feedback(ddi *d)
{
    ota_err e;
    ota_job_row row;
    int64_t plan;
    if (job_of_device(d, &row, &plan, &e) < 0)
        return reply_error(d->r, &e);
    json_t *j = lenient_json(d->r);
    if (!j)
        return reply_fail(d->r, OTA_E_BAD_REQUEST, NULL, "feedback: not a JSON object");
    const char *exec = jstr(json_object_get(j, "status"), "execution");
    bool final = exec && (!strcmp(exec, "closed") || !strcmp(exec, "rejected") || !strcmp(exec, "canceled"));
    json_decref(j);
    /* A repeated acknowledgement finds nothing pending: still fine. */
    if (final && ota_ddi_cancel_ack(d->eng, d->device, d->id, &e) < 0 && e.code != OTA_E_NOT_FOUND)
        return reply_error(d->r, &e);
    return reply_empty(d->r, 200);
}

/* ----------------------------------------------------------- confirmation */
static MHD_RESULT_T h_confirm_feedback(ddi *d)
{
    ota_err e;
    ota_job_row row;
    int64_t plan;
    if (job_of_device(d, &row, &plan, &e) < 0)
        return reply_error(d->r, &e);
    json_t *j = lenient_json(d->r);
    if (!j)
        return reply_fail(d->r, OTA_E_BAD_REQUEST, NULL, "feedback: not a JSON object");
    const char *c = jstr(j, "confirmation");
    bool yes = c && !strcasecmp(c, "confirmed");
    json_decref(j);
    /* "denied" leaves the action waiting, as in hawkBit: the user may
     * still accept it later. */
    if (yes && ota_job_is_unstarted(row.state) &&
        ota_job_confirm(d->eng, d->id, d->device, &e) < 0 && e.code != OTA_E_INVALID_TRANSITION)
        return reply_error(d->r, &e);
    return reply_empty(d->r, 200);
}

/* ------------------------------------------------------------- configData */
static bool int_text(json_t *v, long lo, long hi, int *out)
{
    char buf[32];
    const char *s = buf;
    if (json_is_integer(v))
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(buf, sizeof buf, "%.0f", json_real_value(v));
    else if (json_is_string(v))
        s = json_string_value(v);
    else
        return false;
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    while (*end == ' ' || *end == '%')
        end++;
    if (end == s || *end || errno || x < lo || x > hi)
        return false;
    *out = (int)(x < 0 ? x - 0.5 : x + 0.5);
    return true;
}

/* Sort one configData entry: telemetry, a version, or an attribute. */
static void config_entry(const char *k, json_t *v, ota_checkin_req *cr, json_t *attrs)
{
    if (!strcmp(k, "battery") && int_text(v, OTA_BATTERY_MIN, OTA_BATTERY_MAX, &cr->battery)) {
        cr->has_battery = true;
        return;
    }
    if (!strcmp(k, "rsrp") && int_text(v, -200, 0, &cr->rsrp)) {
        cr->has_rsrp = true;
        return;
    }
    const char *s = json_string_value(v);
    if (!strncmp(k, "version.", 8) && s) {
        const char *comp = k + 8;
        size_t cl = strlen(comp), vl = strlen(s);
        if (cl && cl <= OTA_KEY_MAX && vl && vl <= OTA_KEY_MAX && cr->nversions < OTA_MAX_COMPONENTS) {
            ota_version *ver = &cr->versions[cr->nversions++];
            snprintf(ver->component, sizeof ver->component, "%s", comp);
            snprintf(ver->version, sizeof ver->version, "%s", s);
            return;
        }
    }
    if (s) {
        json_object_set(attrs, k, v);
    } else if (!json_is_null(v)) {
        char *t = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        if (t)
            json_object_set_new(attrs, k, json_string(t));
        free(t);
    }
}

static MHD_RESULT_T h_config(ddi *d)
{
    ota_err e;
    json_t *j = lenient_json(d->r);
    if (!j)
        return reply_fail(d->r, OTA_E_BAD_REQUEST, NULL, "configData: not a JSON object");
    json_t *data = json_object_get(j, "data");
    ota_checkin_req cr;
    memset(&cr, 0, sizeof cr);
    json_t *attrs = json_object();
    const char *k;
    json_t *v;
    if (json_is_object(data))
        json_object_foreach(data, k, v)
            config_entry(k, v, &cr, attrs);
    json_decref(j);
    ota_device dev;
    bool known;
    ota_job_offer offer_buf = {0}, *offer = &offer_buf;
    int rc = device_load(d, &dev, &known, &e);
    if (rc == 0)
        rc = checkin(d, known ? &dev : NULL, &cr, offer, &e);
    if (rc == 0)
        rc = ota_device_attrs_merge(d->eng, d->device, attrs, &e);
    ota_job_offer_free(offer);
    json_decref(attrs);
    if (rc < 0)
        return reply_error(d->r, &e);
    return reply_empty(d->r, 200);
}

/* -------------------------------------------------------------- artifacts */
/* The bytes are served by the package file download (HEAD, Range, ETag,
 * blob verified against its SHA-256) once the module is known to be one a
 * plan of this product uses. */
static MHD_RESULT_T h_artifact(ddi *d)
{
    if (!ota_ddi_package_of_product(d->eng, d->tenant, d->id))
        return reply_fail(d->r, OTA_E_NOT_FOUND, "softwaremodule", "no software module %lld for %s",
                          (long long)d->id, d->tenant);
    snprintf(d->r->params[0], sizeof d->r->params[0], "%lld", (long long)d->id);
    snprintf(d->r->params[1], sizeof d->r->params[1], "%s", d->file);
    d->r->nparams = 2;
    return h_package_file(d->r);
}

/* --------------------------------------------------------------- dispatch */
static MHD_RESULT_T ddi_dispatch(req *r)
{
    ddi d;
    memset(&d, 0, sizeof d);
    d.r = r;
    d.eng = r->srv->eng;
    char path[sizeof r->path];
    snprintf(path, sizeof path, "%s", r->path);
    char *seg[9];
    int n = split(path, seg, 8);
    int rc = n > 8 ? -1 : route_parse(&d, seg, n);
    if (rc == -1)
        return reply_fail(r, OTA_E_NOT_FOUND, NULL, "no such resource: %s", r->path);
    if (rc == -2)
        return reply_fail(r, OTA_E_METHOD, NULL, "%s is not allowed on %s", r->method, r->path);
    ota_err e;
    if (strlen(seg[0]) > OTA_KEY_MAX)
        return reply_fail(r, OTA_E_UNAUTHORIZED, "tenant", "unknown tenant");
    snprintf(d.tenant, sizeof d.tenant, "%s", seg[0]);
    if (authorize(&d, seg[3], &e) < 0)
        return reply_error(r, &e);
    if (ota_validate_device_id(seg[3], &e) < 0)
        return reply_error(r, &e);
    snprintf(d.device, sizeof d.device, "%s", seg[3]);
    base_url(&d);
    switch (d.kind) {
    case K_POLL: return h_poll(&d);
    case K_DEPLOY: return h_action(&d);
    case K_CONFIRM: return h_action(&d);
    case K_DEPLOY_FB: return h_deploy_feedback(&d);
    case K_CANCEL: return h_cancel(&d);
    case K_CANCEL_FB: return h_cancel_feedback(&d);
    case K_CONFIRM_BASE: return h_confirm_base(&d);
    case K_CONFIRM_FB: return h_confirm_feedback(&d);
    case K_CONFIG: return h_config(&d);
    case K_ARTIFACT: return h_artifact(&d);
    }
    return reply_fail(r, OTA_E_NOT_FOUND, NULL, "no such resource: %s", r->path);
}
