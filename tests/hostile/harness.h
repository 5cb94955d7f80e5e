/* Shared by the hostile-input suite and the crash test: a real otad on a
 * loopback port (started, stopped, killed), a raw HTTP/1.1 client that
 * sends exactly the bytes it is given (no library tidies up a malformed
 * request), and a fingerprint of the database and the blob folder to prove
 * that nothing changed. */
#ifndef OTA_HOSTILE_HARNESS_H
#define OTA_HOSTILE_HARNESS_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>
#include <jansson.h>
#include "../tap.h"

/* Each test uses some of these. */
#define HX_FN static __attribute__((unused))

HX_FN int64_t hx_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------ raw HTTP */
typedef struct hx_resp {
    int status;          /* 0: no answer (connection closed or timed out) */
    bool timed_out;
    char *raw;           /* everything received, NUL-terminated */
    size_t raw_len;
    const char *body;    /* into raw, after the blank line ("" when none) */
    size_t body_len;
} hx_resp;

HX_FN void hx_resp_free(hx_resp *r)
{
    free(r->raw);
    memset(r, 0, sizeof *r);
}

HX_FN int hx_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* Header value from a raw response head (case-insensitive name), or NULL. */
HX_FN const char *hx_header(const hx_resp *r, const char *name, char *buf, size_t len)
{
    if (!r->raw)
        return NULL;
    size_t n = strlen(name);
    const char *end = r->body ? r->body : r->raw + r->raw_len;
    for (const char *p = strstr(r->raw, "\r\n"); p && p < end; p = strstr(p + 2, "\r\n")) {
        const char *h = p + 2;
        if (!strncasecmp(h, name, n) && h[n] == ':') {
            h += n + 1;
            while (*h == ' ')
                h++;
            const char *e = strstr(h, "\r\n");
            size_t k = e ? (size_t)(e - h) : strlen(h);
            if (k >= len)
                k = len - 1;
            memcpy(buf, h, k);
            buf[k] = 0;
            return buf;
        }
    }
    return NULL;
}

HX_FN void hx_parse(hx_resp *r)
{
    r->status = 0;
    r->body = "";
    r->body_len = 0;
    if (r->raw_len >= 12 && !strncmp(r->raw, "HTTP/1.", 7))
        r->status = atoi(r->raw + 9);
    char *sep = r->raw ? strstr(r->raw, "\r\n\r\n") : NULL;
    if (sep) {
        r->body = sep + 4;
        r->body_len = r->raw_len - (size_t)(r->body - r->raw);
    }
}

/* Have we read a whole response (by Content-Length)?  Chunked or
 * close-delimited answers are complete at EOF. */
HX_FN bool hx_complete(hx_resp *r)
{
    char *sep = r->raw ? strstr(r->raw, "\r\n\r\n") : NULL;
    if (!sep)
        return false;
    hx_parse(r);
    char v[32];
    if (r->status == 204 || r->status == 304)
        return true;
    if (!hx_header(r, "Content-Length", v, sizeof v))
        return false;
    return r->body_len >= (size_t)strtoull(v, NULL, 10);
}

/* Send bytes on fd (all of them, unless the server answers or closes
 * first) and read the answer until it is complete, EOF, or timeout_ms.
 * half_close: shut down our side after sending (a truncated request). */
HX_FN int hx_exchange_fd(int fd, const char *req, size_t len, bool half_close, int timeout_ms, hx_resp *out)
{
    memset(out, 0, sizeof out[0]);
    size_t cap = 8192, sent = 0;
    out->raw = malloc(cap);
    if (!out->raw)
        return -1;
    out->raw[0] = 0;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    int64_t deadline = hx_ms() + timeout_ms;
    bool wr_open = true, shut = false;
    for (;;) {
        if (wr_open && sent == len) {
            wr_open = false;
            if (half_close && !shut) {
                shutdown(fd, SHUT_WR);
                shut = true;
            }
        }
        int64_t left = deadline - hx_ms();
        if (left <= 0) {
            out->timed_out = true;
            break;
        }
        struct pollfd p = {fd, POLLIN | (wr_open ? POLLOUT : 0), 0};
        if (poll(&p, 1, (int)left) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p.revents & POLLIN || p.revents & (POLLHUP | POLLERR)) {
            if (out->raw_len + 4096 + 1 > cap) {
                char *nr = realloc(out->raw, cap *= 2);
                if (!nr)
                    break;
                out->raw = nr;
            }
            ssize_t k = recv(fd, out->raw + out->raw_len, cap - out->raw_len - 1, 0);
            if (k > 0) {
                out->raw_len += (size_t)k;
                out->raw[out->raw_len] = 0;
                if (hx_complete(out))
                    break;
                continue;
            }
            if (k == 0 || (errno != EAGAIN && errno != EINTR))
                break;  /* EOF or reset */
        }
        if (wr_open && (p.revents & POLLOUT)) {
            ssize_t k = send(fd, req + sent, len - sent > 65536 ? 65536 : len - sent, MSG_NOSIGNAL);
            if (k > 0)
                sent += (size_t)k;
            else if (k < 0 && errno != EAGAIN && errno != EINTR)
                wr_open = false;  /* the server closed on us: read what it said */
        }
    }
    hx_parse(out);
    return 0;
}

HX_FN int hx_exchange(int port, const char *req, size_t len, int timeout_ms, hx_resp *out)
{
    int fd = hx_connect(port);
    if (fd < 0) {
        memset(out, 0, sizeof *out);
        return -1;
    }
    int rc = hx_exchange_fd(fd, req, len, false, timeout_ms, out);
    close(fd);
    return rc;
}

/* A well-formed request: method, path, extra header lines ("K: v\r\n"...),
 * body (may hold NUL bytes).  Connection: close keeps every case alone. */
HX_FN int hx_request(int port, const char *method, const char *path, const char *headers, const char *body,
                      size_t blen, int timeout_ms, hx_resp *out)
{
    size_t cap = strlen(method) + strlen(path) + (headers ? strlen(headers) : 0) + blen + 200;
    char *buf = malloc(cap);
    if (!buf)
        return -1;
    int n = snprintf(buf, cap, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s", method, path,
                     headers ? headers : "");
    if (body)
        n += snprintf(buf + n, cap - (size_t)n, "Content-Length: %zu\r\n", blen);
    n += snprintf(buf + n, cap - (size_t)n, "\r\n");
    if (body) {
        memcpy(buf + n, body, blen);
        n += (int)blen;
    }
    int rc = hx_exchange(port, buf, (size_t)n, timeout_ms, out);
    free(buf);
    return rc;
}

/* The body as JSON (NULL when it is not). */
HX_FN json_t *hx_json(const hx_resp *r)
{
    if (!r->body_len)
        return NULL;
    return json_loadb(r->body, r->body_len, 0, NULL);
}

/* GET /healthz answers 200 {"ok":true}. */
HX_FN bool hx_healthy(int port)
{
    hx_resp r;
    hx_request(port, "GET", "/healthz", NULL, NULL, 0, 5000, &r);
    json_t *j = hx_json(&r);
    bool ok = r.status == 200 && j && json_is_true(json_object_get(j, "ok"));
    json_decref(j);
    hx_resp_free(&r);
    return ok;
}

/* ------------------------------------------------------------- otad */
typedef struct hx_otad {
    pid_t pid;
    int port;
    char bin[1024];
    char conf[1024];
    char log[1024];
} hx_otad;

HX_FN const char *hx_builddir(void)
{
    const char *b = getenv("OTA_BUILDDIR");
    return b && *b ? b : ".";
}

/* Start otad with a config file; wait (bounded) until its log says where
 * it listens.  Returns 0 and fills o->pid, o->port. */
HX_FN int hx_otad_start(hx_otad *o)
{
    FILE *lf = fopen(o->log, "a");
    if (!lf)
        return -1;
    long start = ftell(lf);
    fclose(lf);
    o->pid = fork();
    if (o->pid < 0)
        return -1;
    if (o->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);  /* never outlives the test */
        if (getppid() == 1)
            _exit(127);
        int fd = open(o->log, O_WRONLY | O_APPEND | O_CREAT, 0644);
        dup2(fd, 2);
        int nul = open("/dev/null", O_RDWR);
        dup2(nul, 0);
        dup2(nul, 1);
        execl(o->bin, o->bin, "--config", o->conf, (char *)NULL);
        _exit(127);
    }
    tap_child(o->pid, 1);
    int64_t deadline = hx_ms() + 20000;
    while (hx_ms() < deadline) {
        FILE *f = fopen(o->log, "r");
        if (f) {
            fseek(f, start, SEEK_SET);
            char line[2048];
            while (fgets(line, sizeof line, f)) {
                char *p = strstr(line, "listening on http://");
                char *c = p ? strchr(p + 20, ':') : NULL;
                if (c) {
                    o->port = atoi(c + 1);
                    fclose(f);
                    return o->port > 0 ? 0 : -1;
                }
            }
            fclose(f);
        }
        int st;
        if (waitpid(o->pid, &st, WNOHANG) == o->pid) {
            tap_child(o->pid, 0);
            o->pid = 0;
            return -1;  /* it died: the log says why */
        }
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);  /* polling for a condition, bounded above */
    }
    return -1;
}

/* Signal otad and reap it; returns its wait status. */
HX_FN int hx_otad_stop(hx_otad *o, int sig)
{
    int st = 0;
    if (o->pid > 0) {
        kill(o->pid, sig);
        waitpid(o->pid, &st, 0);
        tap_child(o->pid, 0);
    }
    o->pid = 0;
    return st;
}

/* `otad token create --role ROLE --name NAME` on db: the secret. */
HX_FN int hx_token(const char *otad_bin, const char *conf, const char *role, const char *name, char *out,
                    size_t len)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' token create --config '%s' --role %s --name %s 2>&1", otad_bin, conf, role,
             name);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    char line[1024];
    out[0] = 0;
    while (fgets(line, sizeof line, p))
        if (line[0] != '#') {
            size_t k = strcspn(line, "\r\n");
            if (k >= len)
                k = len - 1;
            memcpy(out, line, k);
            out[k] = 0;
        }
    int st = pclose(p);
    return st == 0 && out[0] ? 0 : -1;
}

/* ------------------------------------------------------- fingerprints */
/* Every row of every table, hashed in rowid order (FNV-1a), plus counts. */
typedef struct hx_dbprint {
    uint64_t hash;
    long rows;
    char detail[1024];  /* "table=rows ..." for diagnostics */
    int ntables;
    char tname[64][48];
    uint64_t thash[64];
} hx_dbprint;

/* Names of the tables whose content differs between a and b, into buf. */
HX_FN const char *hx_db_diff(const hx_dbprint *a, const hx_dbprint *b, char *buf, size_t len)
{
    buf[0] = 0;
    for (int i = 0; i < b->ntables; i++) {
        bool same = false;
        for (int k = 0; k < a->ntables; k++)
            if (!strcmp(a->tname[k], b->tname[i]))
                same = a->thash[k] == b->thash[i];
        if (!same) {
            size_t n = strlen(buf);
            snprintf(buf + n, len - n, "%s%s", n ? "," : "", b->tname[i]);
        }
    }
    return buf;
}

HX_FN uint64_t hx_fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

HX_FN int hx_db_print(const char *db, hx_dbprint *out)
{
    memset(out, 0, sizeof *out);
    out->hash = 1469598103934665603ULL;
    sqlite3 *h;
    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(h);
        return -1;
    }
    sqlite3_busy_timeout(h, 5000);
    sqlite3_stmt *tabs;
    int rc = -1;
    if (sqlite3_prepare_v2(h, "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name", -1, &tabs,
                           NULL) != SQLITE_OK)
        goto out;
    while (sqlite3_step(tabs) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(tabs, 0);
        /* The audit trail records refusals by design (issue 9): a refused
         * request adds an audit row and nothing else. */
        if (!strcmp(t, "audit"))
            continue;
        char sql[300];
        if (!strcmp(t, "sqlite_sequence"))  /* audit's AUTOINCREMENT counter moves too */
            snprintf(sql, sizeof sql, "SELECT * FROM sqlite_sequence WHERE name <> 'audit' ORDER BY rowid");
        else
            snprintf(sql, sizeof sql, "SELECT * FROM \"%s\" ORDER BY rowid", t);
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
            snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"", t);
            if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
                continue;
        }
        long n = 0;
        uint64_t th = hx_fnv(1469598103934665603ULL, t, strlen(t) + 1);
        while (sqlite3_step(st) == SQLITE_ROW) {
            n++;
            for (int c = 0; c < sqlite3_column_count(st); c++) {
                int ty = sqlite3_column_type(st, c);
                th = hx_fnv(th, &ty, sizeof ty);
                const void *b = sqlite3_column_blob(st, c);
                th = hx_fnv(th, b ? b : "", (size_t)sqlite3_column_bytes(st, c));
            }
        }
        sqlite3_finalize(st);
        if (out->ntables < 64) {
            snprintf(out->tname[out->ntables], sizeof out->tname[0], "%s", t);
            out->thash[out->ntables++] = th;
        }
        out->hash = hx_fnv(out->hash, &th, sizeof th);
        out->rows += n;
        size_t dl = strlen(out->detail);
        snprintf(out->detail + dl, sizeof out->detail - dl, "%s%s=%ld", dl ? " " : "", t, n);
    }
    sqlite3_finalize(tabs);
    rc = 0;
out:
    sqlite3_close(h);
    return rc;
}

/* Files under the blob folder (temporary ones included): count and names. */
static uint64_t hx_tree_hash;
static long hx_tree_count;
HX_FN int hx_tree_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
    (void)f;
    if (flag == FTW_F) {
        hx_tree_count++;
        hx_tree_hash = hx_fnv(hx_tree_hash, p, strlen(p) + 1);
        hx_tree_hash = hx_fnv(hx_tree_hash, &sb->st_size, sizeof sb->st_size);
    }
    return 0;
}

HX_FN uint64_t hx_tree_print(const char *dir, long *count)
{
    hx_tree_hash = 1469598103934665603ULL;
    hx_tree_count = 0;
    nftw(dir, hx_tree_one, 16, FTW_PHYS);
    if (count)
        *count = hx_tree_count;
    return hx_tree_hash;
}

HX_FN int hx_rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
    (void)sb; (void)flag; (void)f;
    remove(p);
    return 0;
}

/* Removes a test's folder; OTA_KEEP_TMP=1 keeps it to look at. */
HX_FN void hx_rmrf(const char *dir)
{
    const char *keep = getenv("OTA_KEEP_TMP");
    if (keep && *keep) {
        printf("# kept %s (OTA_KEEP_TMP)\n", dir);
        return;
    }
    nftw(dir, hx_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
