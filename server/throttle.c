/* Failed authentications throttled per source address, for every kind of
 * credential (management tokens, device keys, device tokens).  A window of
 * auth_fail_window seconds opens at an address's first failure; the
 * auth_fail_limit-th failure inside it throttles the address until the
 * window ends: every request from it that needs authentication is answered
 * 429 rate_limited with Retry-After (the seconds left), whatever credential
 * it carries; then counting starts afresh.  Successes do not reset the
 * count.  Time is the engine's clock, so tests move it by hand.
 *
 * The table has a fixed size (bounded memory under a flood of addresses):
 * a keyed hash (SipHash, random key per start, so no one can aim at a
 * bucket) picks a bucket of WAYS slots; an address not in its bucket takes
 * a free or expired slot, else the oldest window that is not throttled,
 * else the oldest.  Buckets are guarded by striped mutexes: otad answers
 * on several threads. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "otad.h"

#define WAYS 8
#define STRIPES 64

typedef struct slot {
    throttle_addr a;
    int64_t start;      /* the window's first failure */
    uint32_t count;     /* failures in the window */
    bool used;
    bool throttled;     /* the limit was reached in this window */
} slot;

struct throttle {
    pthread_mutex_t mu[STRIPES];
    size_t nbuckets;    /* a power of two */
    int limit, window;
    unsigned char key[crypto_shorthash_KEYBYTES];
    atomic_bool any;    /* a failure was ever counted: until then nothing to look up */
    atomic_ulong tracked, evicted;
    slot *slots;        /* nbuckets * WAYS */
};

/* ------------------------------------------------------------- the kinds */
static const char *const kind_names[TK__COUNT] = {"token", "device_key", "device_token"};

const char *throttle_kind_str(throttle_kind k) { return (unsigned)k < TK__COUNT ? kind_names[k] : "?"; }

static bool scheme_is(const char *a, const char *scheme)
{
    size_t n = strlen(scheme);
    return a && !strncasecmp(a, scheme, n) && (a[n] == ' ' || a[n] == 0);
}

throttle_kind throttle_kind_of(unsigned route_flags, const char *authorization, const char *device_key,
                               const char *device_token)
{
    if (device_token && *device_token)
        return TK_DEVICE_TOKEN;
    if (route_flags & RF_DEVICE)  /* the device API checks X-Device-Key */
        return TK_DEVICE_KEY;
    if (scheme_is(authorization, "TargetToken"))
        return TK_DEVICE_TOKEN;
    if (scheme_is(authorization, "GatewayToken"))
        return TK_DEVICE_KEY;
    if (scheme_is(authorization, "Bearer"))
        return TK_TOKEN;
    if (device_key && *device_key)
        return TK_DEVICE_KEY;
    /* nothing usable sent: DDI (public to auth_check, its handler checks)
     * speaks for devices, the rest is the management API */
    return (route_flags & RF_PUBLIC) ? TK_DEVICE_KEY : TK_TOKEN;
}

/* ------------------------------------------------------------ addresses */
int throttle_addr_from(const struct sockaddr *sa, throttle_addr *out)
{
    memset(out, 0, sizeof *out);
    if (!sa)
        return -1;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        out->b[10] = out->b[11] = 0xff;
        memcpy(out->b + 12, &in->sin_addr, 4);
        return 0;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (!memcmp(in6->sin6_addr.s6_addr, mapped, 12))  /* an IPv4 client on an IPv6 socket */
            memcpy(out->b, in6->sin6_addr.s6_addr, 16);
        else
            memcpy(out->b, in6->sin6_addr.s6_addr, 8);  /* its /64 */
        return 0;
    }
    return -1;
}

static bool addr_is_v4(const throttle_addr *a)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return !memcmp(a->b, mapped, 12);
}

const char *throttle_addr_text(const throttle_addr *a, char *buf, size_t len)
{
    char t[INET6_ADDRSTRLEN];
    if (addr_is_v4(a))
        snprintf(buf, len, "%s", inet_ntop(AF_INET, a->b + 12, t, sizeof t) ? t : "?");
    else
        snprintf(buf, len, "%s/64", inet_ntop(AF_INET6, a->b, t, sizeof t) ? t : "?");
    return buf;
}

/* ---------------------------------------------------------------- table */
throttle *throttle_new(size_t slots, int limit, int window)
{
    if (sodium_init() < 0 || limit < 1 || window < 1)
        return NULL;
    size_t nb = 1;
    while (nb * WAYS < slots && nb < ((size_t)1 << 24))
        nb <<= 1;
    throttle *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->slots = calloc(nb * WAYS, sizeof *t->slots);
    if (!t->slots) {
        free(t);
        return NULL;
    }
    for (int i = 0; i < STRIPES; i++)
        pthread_mutex_init(&t->mu[i], NULL);
    t->nbuckets = nb;
    t->limit = limit;
    t->window = window;
    crypto_shorthash_keygen(t->key);
    return t;
}

void throttle_free(throttle *t)
{
    if (!t)
        return;
    for (int i = 0; i < STRIPES; i++)
        pthread_mutex_destroy(&t->mu[i]);
    free(t->slots);
    free(t);
}

static size_t bucket_of(const throttle *t, const throttle_addr *a)
{
    uint64_t h;
    crypto_shorthash((unsigned char *)&h, a->b, sizeof a->b, t->key);
    return (size_t)(h & (t->nbuckets - 1));
}

/* A window that has passed (or lies ahead: the clock went back) counts
 * nothing any more. */
static bool expired(const throttle *t, const slot *s, int64_t now)
{
    return now < s->start || now - s->start >= t->window;
}

static slot *find(slot *b, const throttle_addr *a)
{
    for (int i = 0; i < WAYS; i++)
        if (b[i].used && !memcmp(b[i].a.b, a->b, sizeof a->b))
            return &b[i];
    return NULL;
}

/* The slot a new address takes in bucket b. */
static slot *victim(throttle *t, slot *b, int64_t now)
{
    slot *old = NULL, *old_thr = NULL;
    for (int i = 0; i < WAYS; i++) {
        slot *s = &b[i];
        if (!s->used || expired(t, s, now))
            return s;
        slot **o = s->throttled ? &old_thr : &old;
        if (!*o || s->start < (*o)->start)
            *o = s;
    }
    atomic_fetch_add(&t->evicted, 1);
    return old ? old : old_thr;
}

int64_t throttle_wait(throttle *t, const throttle_addr *a, int64_t now)
{
    if (!atomic_load_explicit(&t->any, memory_order_relaxed))
        return 0;
    size_t bi = bucket_of(t, a);
    pthread_mutex_t *mu = &t->mu[bi % STRIPES];
    int64_t wait = 0;
    pthread_mutex_lock(mu);
    slot *s = find(&t->slots[bi * WAYS], a);
    if (s && s->throttled && !expired(t, s, now))
        wait = s->start + t->window - now;
    pthread_mutex_unlock(mu);
    return wait;
}

bool throttle_fail(throttle *t, const throttle_addr *a, int64_t now, int64_t *until)
{
    size_t bi = bucket_of(t, a);
    pthread_mutex_t *mu = &t->mu[bi % STRIPES];
    bool started = false;
    atomic_store(&t->any, true);
    pthread_mutex_lock(mu);
    slot *b = &t->slots[bi * WAYS], *s = find(b, a);
    if (!s) {
        s = victim(t, b, now);
        if (!s->used)
            atomic_fetch_add(&t->tracked, 1);
        *s = (slot){.a = *a, .used = true, .start = now};
    } else if (expired(t, s, now)) {
        *s = (slot){.a = *a, .used = true, .start = now};
    }
    if (s->count < UINT32_MAX)
        s->count++;
    if (s->count >= (uint32_t)t->limit && !s->throttled) {
        s->throttled = started = true;
        if (until)
            *until = s->start + t->window;
    }
    pthread_mutex_unlock(mu);
    return started;
}

void throttle_stats(throttle *t, size_t *tracked, uint64_t *evicted)
{
    if (tracked)
        *tracked = atomic_load(&t->tracked);
    if (evicted)
        *evicted = atomic_load(&t->evicted);
}

/* --------------------------------------------------------- request path */
static bool req_addr(req *r, throttle_addr *a)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    return ci && throttle_addr_from(ci->client_addr, a) == 0;
}

/* (not http.c's req_header: the unit test links this file alone) */
static const char *header(req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

bool throttle_refuse(req *r, ota_err *e)
{
    otad *s = r->srv;
    throttle_addr a;
    if (!s->thr || (r->route->flags & RF_UNTHROTTLED) || !req_addr(r, &a))
        return false;
    int64_t wait = throttle_wait(s->thr, &a, ota_engine_now(s->eng));
    if (!wait)
        return false;
    atomic_fetch_add(&s->m.auth_throttled, 1);
    r->retry_after = wait;
    char at[64];
    ota_fail(e, OTA_E_RATE_LIMITED, NULL, "too many failed authentications from %s; try again in %lld s",
             throttle_addr_text(&a, at, sizeof at), (long long)wait);
    return true;
}

void throttle_note_401(req *r)
{
    otad *s = r->srv;
    throttle_kind k = throttle_kind_of(r->route ? r->route->flags : 0, header(r, MHD_HTTP_HEADER_AUTHORIZATION),
                                       header(r, "X-Device-Key"), header(r, "X-Device-Token"));
    atomic_fetch_add(&s->m.auth_failures[k], 1);
    throttle_addr a;
    int64_t until = 0;
    if (!s->thr || !req_addr(r, &a) || !throttle_fail(s->thr, &a, ota_engine_now(s->eng), &until))
        return;
    char at[64], t[32];
    otad_log(LOG_WARN, "auth: throttling %s: %d failed authentications within %d s; "
             "requests that need authentication are answered 429 until %s",
             throttle_addr_text(&a, at, sizeof at), s->thr->limit, s->thr->window,
             ota_time_format(until, t, sizeof t));
}
