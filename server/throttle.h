/* Failed authentications throttled per source address (server/throttle.c):
 * the table (pure: the caller gives the time) and the two calls of the
 * request path (http.c). */
#ifndef OTAD_THROTTLE_H
#define OTAD_THROTTLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define THROTTLE_LIMIT_DEFAULT 20    /* auth_fail_limit: failures ... */
#define THROTTLE_WINDOW_DEFAULT 60   /* ... within auth_fail_window seconds */
#define THROTTLE_SLOTS 8192          /* addresses tracked at once (~256 KiB) */

/* The credential a refused request sent, for ota_auth_failures_total{kind}. */
typedef enum { TK_TOKEN = 0, TK_DEVICE_KEY, TK_DEVICE_TOKEN, TK__COUNT } throttle_kind;
const char *throttle_kind_str(throttle_kind k);  /* "token" "device_key" "device_token" */

/* route_flags: the route's RF_* (device routes: RF_DEVICE; DDI: RF_PUBLIC);
 * the three headers as sent (NULL when absent). */
throttle_kind throttle_kind_of(unsigned route_flags, const char *authorization, const char *device_key,
                               const char *device_token);

/* An address as the table keys it: IPv4 as an IPv4-mapped IPv6 address,
 * IPv6 by its /64 network (one host usually holds a whole /64). */
typedef struct throttle_addr { uint8_t b[16]; } throttle_addr;
int throttle_addr_from(const struct sockaddr *sa, throttle_addr *out);  /* -1: not IPv4/IPv6 */
/* "192.0.2.7" or "2001:db8:1:2::/64" (buf >= 64 bytes). */
const char *throttle_addr_text(const throttle_addr *a, char *buf, size_t len);

typedef struct throttle throttle;

/* slots: addresses kept at once (rounded up to a power of two, at least
 * 8); limit failures within window seconds throttle an address.  NULL
 * when out of memory. */
throttle *throttle_new(size_t slots, int limit, int window);
void throttle_free(throttle *t);

/* Seconds until address a may try again (1..window), 0 when it is not
 * throttled at now. */
int64_t throttle_wait(throttle *t, const throttle_addr *a, int64_t now);

/* Count one failure of a at now.  True when this failure started the
 * address's throttling (once per window: the caller logs it); then *until
 * (may be NULL) is when its window ends. */
bool throttle_fail(throttle *t, const throttle_addr *a, int64_t now, int64_t *until);

/* Addresses tracked now and slots taken over from another address so far. */
void throttle_stats(throttle *t, size_t *tracked, uint64_t *evicted);

/* ---------------------------------------------------------- request path */
struct req;
struct ota_err;
/* Before authenticating: a request from a throttled address is refused:
 * e filled (rate_limited), r->retry_after set; true.  Not for routes with
 * RF_UNTHROTTLED (/healthz, /metrics). */
bool throttle_refuse(struct req *r, struct ota_err *e);
/* A request answered 401: one failure of its address and kind. */
void throttle_note_401(struct req *r);

#endif
