/* The failed-authentication table of otad (server/throttle.c) on its own:
 * the window's edges, one start of throttling per window, addresses as
 * keys (IPv4, IPv6 by /64), bounded memory under a flood of addresses
 * (the oldest window goes first, a throttled address last), the kind of a
 * refused credential, and counting from several threads at once.  Time is
 * given by the test: nothing sleeps. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include "../../tap.h"
#include "../../../server/throttle.h"
#include "../../../server/otad.h"

static throttle_addr v4(const char *s)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    inet_pton(AF_INET, s, &sa.sin_addr);
    throttle_addr a;
    throttle_addr_from((struct sockaddr *)&sa, &a);
    return a;
}

static throttle_addr v6(const char *s)
{
    struct sockaddr_in6 sa = {.sin6_family = AF_INET6};
    inet_pton(AF_INET6, s, &sa.sin6_addr);
    throttle_addr a;
    throttle_addr_from((struct sockaddr *)&sa, &a);
    return a;
}

static throttle_addr nth(unsigned i)  /* 10.x.y.z */
{
    char s[32];
    snprintf(s, sizeof s, "10.%u.%u.%u", (i >> 16) & 255, (i >> 8) & 255, i & 255);
    return v4(s);
}

static void test_addresses(void)
{
    char t[64];
    throttle_addr a = v4("192.0.2.7");
    is_str(throttle_addr_text(&a, t, sizeof t), "192.0.2.7", "IPv4 shown as itself");
    throttle_addr m = v6("::ffff:192.0.2.7");
    ok(!memcmp(a.b, m.b, 16), "an IPv4 client on an IPv6 socket is the same key as over IPv4");
    throttle_addr x = v6("2001:db8:1:2::5"), y = v6("2001:db8:1:2:ffff::6"), z = v6("2001:db8:1:3::5");
    ok(!memcmp(x.b, y.b, 16), "IPv6: two hosts of one /64 are one key");
    ok(memcmp(x.b, z.b, 16) != 0, "IPv6: another /64 is another key");
    is_str(throttle_addr_text(&x, t, sizeof t), "2001:db8:1:2::/64", "IPv6 shown as its /64");
    struct sockaddr un = {.sa_family = AF_UNIX};
    ok(throttle_addr_from(&un, &a) == -1, "a socket that is neither IPv4 nor IPv6 has no key");
}

static void test_window(void)
{
    throttle *t = throttle_new(64, 3, 60);
    ok(t != NULL, "a table of 64 slots, 3 failures in 60 s");
    throttle_addr a = v4("192.0.2.1"), b = v4("192.0.2.2");
    is_int(throttle_wait(t, &a, 1000), 0, "an address never seen is not throttled");
    int64_t until = -1;
    ok(!throttle_fail(t, &a, 1000, &until) && !throttle_fail(t, &a, 1010, &until), "two failures: not yet");
    is_int(until, -1, "until untouched while not throttling");
    is_int(throttle_wait(t, &a, 1010), 0, "two failures: still let through");
    ok(throttle_fail(t, &a, 1059, &until), "the third within the window starts throttling");
    is_int(until, 1060, "throttled until the window opened by the first failure ends");
    is_int(throttle_wait(t, &a, 1059), 1, "one second before the window's end: wait 1");
    is_int(throttle_wait(t, &b, 1059), 0, "another address is not throttled");
    ok(!throttle_fail(t, &a, 1059, NULL), "a failure while throttled does not start it again");
    is_int(throttle_wait(t, &a, 1060), 0, "at the window's end: let through");
    ok(!throttle_fail(t, &a, 1060, NULL), "a failure after the window opens a new one (count 1)");
    ok(!throttle_fail(t, &a, 1061, NULL), "count 2");
    ok(throttle_fail(t, &a, 1119, &until) && until == 1120, "count 3 in the new window: throttled until 1120");
    is_int(throttle_wait(t, &a, 1061), 59, "Retry-After is the seconds left in the window");

    /* failures spread wider than the window never throttle */
    throttle_addr c = v4("192.0.2.3");
    bool any = false;
    for (int i = 0; i < 10; i++)
        any |= throttle_fail(t, &c, 2000 + i * 30, NULL);
    ok(!any, "one failure every 30 s with 3 per 60 s: counting starts afresh each window");
    /* all at once */
    throttle_addr d = v4("192.0.2.4");
    throttle_fail(t, &d, 3000, NULL);
    throttle_fail(t, &d, 3000, NULL);
    ok(throttle_fail(t, &d, 3000, NULL), "three at once: throttled");
    is_int(throttle_wait(t, &d, 3000), 60, "for the whole window");
    is_int(throttle_wait(t, &d, 2999), 0, "a clock gone back before the window does not keep it throttled");
    throttle_free(t);
    ok(throttle_new(64, 0, 60) == NULL && throttle_new(64, 3, 0) == NULL, "limit and window must be positive");
}

static void test_flood(void)
{
    throttle *t = throttle_new(64, 3, 60);
    throttle_addr a = v4("192.0.2.9");
    for (int i = 0; i < 3; i++)
        throttle_fail(t, &a, 100, NULL);
    is_int(throttle_wait(t, &a, 100), 60, "an address throttled before the flood");
    /* 100,000 addresses, one failure each, each a second later than the last */
    for (unsigned i = 0; i < 100000; i++) {
        throttle_addr x = nth(i);
        throttle_fail(t, &x, 101 + i / 2000, NULL);
    }
    size_t tracked;
    uint64_t evicted;
    throttle_stats(t, &tracked, &evicted);
    ok(tracked <= 64, "100,000 addresses: at most 64 tracked (%zu)", tracked);
    ok(evicted > 0, "slots were taken over (%llu)", (unsigned long long)evicted);
    is_int(throttle_wait(t, &a, 150), 10, "the throttled address survived the flood (not-throttled windows go first)");
    /* the newest windows were kept, the oldest went: two more failures
     * throttle the last address of the flood, not the first */
    throttle_addr first = nth(0), last = nth(99999);
    /* the last first: the first's return may take over a slot of the last's
     * bucket (the bucket a key falls in changes with each start's hash key) */
    throttle_fail(t, &last, 150, NULL);
    ok(throttle_fail(t, &last, 150, NULL), "the flood's last address was kept: its third failure throttles");
    throttle_fail(t, &first, 150, NULL);
    ok(!throttle_fail(t, &first, 150, NULL), "the flood's first address was evicted: its count started again");

    /* a flood of addresses that all get throttled: still bounded, the
     * oldest throttled window goes */
    for (unsigned i = 0; i < 5000; i++) {
        throttle_addr x = nth(200000 + i);
        for (int k = 0; k < 3; k++)
            throttle_fail(t, &x, 155, NULL);
    }
    throttle_stats(t, &tracked, NULL);
    ok(tracked <= 64, "5,000 throttled addresses: still at most 64 tracked (%zu)", tracked);
    is_int(throttle_wait(t, &a, 155), 0, "the oldest throttled window made room");
    throttle_addr recent = nth(200000 + 4999);
    is_int(throttle_wait(t, &recent, 155), 60, "the newest throttled address is held");
    throttle_free(t);
}

static void test_kinds(void)
{
    is_str(throttle_kind_str(TK_TOKEN), "token", "kind names: token");
    is_str(throttle_kind_str(TK_DEVICE_KEY), "device_key", "device_key");
    is_str(throttle_kind_str(TK_DEVICE_TOKEN), "device_token", "device_token");
    is_int(throttle_kind_of(0, "Bearer x", NULL, NULL), TK_TOKEN, "management route, Bearer: token");
    is_int(throttle_kind_of(0, NULL, NULL, NULL), TK_TOKEN, "management route, nothing sent: token");
    is_int(throttle_kind_of(RF_DEVICE, NULL, "k", NULL), TK_DEVICE_KEY, "device API, X-Device-Key: device_key");
    is_int(throttle_kind_of(RF_DEVICE, "Bearer x", "k", NULL), TK_DEVICE_KEY, "device API checks the key, not a Bearer");
    is_int(throttle_kind_of(RF_DEVICE, NULL, "k", "otd_x"), TK_DEVICE_TOKEN, "X-Device-Token: device_token");
    is_int(throttle_kind_of(RF_DOWNLOAD, NULL, "k", NULL), TK_DEVICE_KEY, "download with a device key: device_key");
    is_int(throttle_kind_of(RF_DOWNLOAD, "Bearer x", "k", NULL), TK_TOKEN, "download with a Bearer: token");
    is_int(throttle_kind_of(RF_PUBLIC, "GatewayToken k", NULL, NULL), TK_DEVICE_KEY, "DDI GatewayToken: device_key");
    is_int(throttle_kind_of(RF_PUBLIC, "targettoken t", NULL, NULL), TK_DEVICE_TOKEN, "DDI TargetToken (any case): device_token");
    is_int(throttle_kind_of(RF_PUBLIC, NULL, NULL, NULL), TK_DEVICE_KEY, "DDI, nothing sent: device_key");
    is_int(throttle_kind_of(0, "Bearerx", NULL, NULL), TK_TOKEN, "a scheme is a whole word");
}

/* Four threads fail the same address 250 times each at one instant:
 * throttling starts exactly once, at the 1000th. */
static throttle *shared;
static atomic_int starts;
static void *hammer(void *arg)
{
    (void)arg;
    throttle_addr a = v4("198.51.100.1");
    for (int i = 0; i < 250; i++) {
        throttle_addr other = nth((unsigned)i);
        throttle_fail(shared, &other, 500, NULL);
        if (throttle_fail(shared, &a, 500, NULL))
            atomic_fetch_add(&starts, 1);
        throttle_wait(shared, &a, 500);
    }
    return NULL;
}

static void test_threads(void)
{
    shared = throttle_new(4096, 1000, 60);
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, hammer, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    is_int(atomic_load(&starts), 1, "four threads, 1,000 failures: throttling started once");
    throttle_addr a = v4("198.51.100.1");
    is_int(throttle_wait(shared, &a, 500), 60, "and the address is throttled");
    throttle_free(shared);
}

int main(void)
{
    test_addresses();
    test_window();
    test_flood();
    test_kinds();
    test_threads();
    return tap_done();
}
