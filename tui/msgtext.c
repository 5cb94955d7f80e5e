/* msgtext.c: errors in words and hint bars that drop whole hints (see
 * msgtext.h). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "msgtext.h"
#include "text.h"

const char *field_words(const char *f, char *buf, size_t len)
{
    size_t o = 0;
    if (!len)
        return buf;
    for (const char *p = f; *p && o + 1 < len; p++) {
        if (*p == '_' || *p == '.') {
            if (o && buf[o - 1] != ' ')
                buf[o++] = ' ';
        } else if (*p == '[') {
            /* a list index, shown counting from 1 */
            char *end;
            long i = strtol(p + 1, &end, 10);
            if (*end == ']' && end > p + 1) {
                int k = snprintf(buf + o, len - o, "%s%ld", o && buf[o - 1] != ' ' ? " " : "", i + 1);
                o = k > 0 && (size_t)k < len - o ? o + (size_t)k : len - 1;
                p = end;
            } else {
                buf[o++] = *p;
            }
        } else {
            buf[o++] = *p;
        }
    }
    while (o && buf[o - 1] == ' ')
        o--;
    buf[o] = '\0';
    return buf;
}

static bool is_method(const char *w, size_t n)
{
    static const char *const m[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"};
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
        if (strlen(m[i]) == n && !memcmp(m[i], w, n))
            return true;
    return false;
}

/* s without API routes: "answered HTTP 500 to GET /api/v1/plans/6" ->
 * "answered HTTP 500"; "DELETE /api/v1/packages/{} needs the operator
 * role" -> "needs the operator role".  A route is a word starting with
 * "/api/", or any path after an HTTP method; a file path is kept. */
static void drop_routes(const char *s, char *out, size_t len)
{
    enum { MAXW = 128 };
    const char *w[MAXW];
    size_t n[MAXW];
    int nw = 0;
    for (const char *p = s; *p && nw < MAXW;) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        w[nw] = p;
        while (*p && *p != ' ')
            p++;
        n[nw] = (size_t)(p - w[nw]);
        nw++;
    }
    bool skip[MAXW] = {false};
    for (int i = 0; i < nw; i++) {
        bool api = n[i] > 5 && !memcmp(w[i], "/api/", 5);
        bool method = is_method(w[i], n[i]) && i + 1 < nw && w[i + 1][0] == '/';
        if (method)
            skip[i] = skip[i + 1] = true;
        if (api)
            skip[i] = true;
        if ((method || api) && i > 0 && n[i - 1] == 2 && !memcmp(w[i - 1], "to", 2))
            skip[i - 1] = true;
    }
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; i < nw; i++) {
        if (skip[i])
            continue;
        if (o && o + 1 < len)
            out[o++] = ' ';
        size_t k = n[i] < len - o - 1 ? n[i] : len - o - 1;
        memcpy(out + o, w[i], k);
        o += k;
        out[o] = '\0';
    }
}

const char *field_msg(const ota_err *e, char *buf, size_t len)
{
    char msg[sizeof e->message];
    drop_routes(e->message, msg, sizeof msg);
    if (e->field[0] && strncmp(msg, e->field, strlen(e->field)))
        snprintf(buf, len, "%s: %s", e->field, msg);
    else
        snprintf(buf, len, "%s", msg);
    return buf;
}

const char *err_words(const char *doing, const ota_err *e, char *buf, size_t len)
{
    char msg[sizeof e->message], fw[sizeof e->field * 2], why[sizeof e->message + 200];
    drop_routes(e->message, msg, sizeof msg);
    const char *kind = "";
    switch (e->code) {
    case OTA_E_INTERNAL: kind = "internal error: "; break;
    case OTA_E_IO:       kind = "disk or file error: "; break;
    default: break;
    }
    /* the field matters when a value was refused, and only when the
     * message does not already say which one */
    bool value = e->code == OTA_E_VALIDATION || e->code == OTA_E_BAD_REQUEST ||
                 e->code == OTA_E_TOO_LARGE || e->code == OTA_E_CONFLICT;
    field_words(e->field, fw, sizeof fw);
    bool named = !fw[0] || !strcmp(e->field, "id") || !strcmp(e->field, "state") ||
                 strstr(msg, e->field) || strstr(msg, fw);
    if (value && !named)
        snprintf(why, sizeof why, "%s%s: %s", kind, fw, msg);
    else
        snprintf(why, sizeof why, "%s%s", kind, msg[0] ? msg : ota_code_str(e->code));
    if (doing && *doing)
        snprintf(buf, len, "%s: %s", doing, why);
    else
        snprintf(buf, len, "%s", why);
    return buf;
}

const char *plural_s(long n)
{
    return n == 1 ? "" : "s";
}

int hints_fit(const hint *h, int n, int width, char *out, size_t len)
{
    bool keep[HINTS_MAX * 2];
    int kept = 0;
    if (n > (int)(sizeof keep / sizeof keep[0]))
        n = (int)(sizeof keep / sizeof keep[0]);
    for (int i = 0; i < n; i++)
        kept += keep[i] = h[i].text && h[i].text[0];
    for (;;) {
        int w = 0, k = 0;
        for (int i = 0; i < n; i++)
            if (keep[i])
                w += (k++ ? 3 : 0) + text_width(h[i].text);   /* " · " is 3 columns */
        if (w <= width || kept == 0)
            break;
        int drop = -1;
        for (int i = 0; i < n; i++)
            if (keep[i] && (drop < 0 || h[i].prio <= h[drop].prio))
                drop = i;
        keep[drop] = false;
        kept--;
    }
    size_t o = 0;
    if (len)
        out[0] = '\0';
    for (int i = 0, k = 0; i < n; i++)
        if (keep[i]) {
            int m = snprintf(out + o, len - o, "%s%s", k++ ? " · " : "", h[i].text);
            if (m < 0 || (size_t)m >= len - o)
                break;
            o += (size_t)m;
        }
    return kept;
}

void hint_text(hintbar *b, const char *text, int prio)
{
    if (b->n >= HINTS_MAX)
        return;
    text_copy(b->text[b->n], sizeof b->text[0], text);
    b->h[b->n].text = b->text[b->n];
    b->h[b->n].prio = prio;
    b->n++;
}

void hint_key(hintbar *b, tui_action act, const char *label)
{
    char k[16], t[64];
    snprintf(t, sizeof t, "%s %s", keys_for(act, k, sizeof k), label);
    hint_text(b, t, keys_prio(act));
}

const char *hint_done(hintbar *b, int width)
{
    hints_fit(b->h, b->n, width, b->out, sizeof b->out);
    return b->out;
}
