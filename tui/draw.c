/* draw.c: drawing helpers.  Every helper writes every cell of the area it
 * owns (padding with spaces) instead of erasing first, so ncurses sends
 * only the cells that really changed. */
#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "modal.h"
#include "tui.h"

int key_char(int key)
{
    if (key >= KEY_CHAR_SHIFT)
        return key - KEY_CHAR_SHIFT;
    if (key >= KEY_MIN)   /* KEY_*, and codes ncurses gives extended keys */
        return -1;
    return key;
}

size_t utf8_put(char *o, uint32_t c)
{
    if (c < 0x80) { o[0] = (char)c; return 1; }
    if (c < 0x800) { o[0] = (char)(0xc0 | c >> 6); o[1] = (char)(0x80 | (c & 0x3f)); return 2; }
    if (c < 0x10000) {
        o[0] = (char)(0xe0 | c >> 12); o[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        o[2] = (char)(0x80 | (c & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | c >> 18); o[1] = (char)(0x80 | ((c >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((c >> 6) & 0x3f)); o[3] = (char)(0x80 | (c & 0x3f));
    return 4;
}

void draw_text(int y, int x, int w, int el, const char *s)
{
    char buf[2048];
    if (w <= 0)
        return;
    text_fit(s ? s : "", w, 1, buf, sizeof buf);
    if (text_ascii()) {   /* a terminal that is not UTF-8: same columns, ASCII */
        char plain[sizeof buf];
        text_ascii_fit(buf, plain, sizeof plain);
        memcpy(buf, plain, sizeof buf);
    }
    attrset(theme_attr(el));
    mvaddstr(y, x, buf);
    attrset(theme_attr(EL_NORMAL));
}

void draw_textf(int y, int x, int w, int el, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    draw_text(y, x, w, el, buf);
}

int draw_wrap(int y, int x, int w, int el, const char *s, int indent, int max)
{
    enum { MAXL = 64 };
    size_t st[MAXL], ln[MAXL];
    if (w <= 0 || max <= 0)
        return 0;
    if (max > MAXL)
        max = MAXL;
    if (indent < 0 || indent >= w)
        indent = 0;
    int n = text_wrap(s, w, indent, st, ln, MAXL), rows = n < max ? n : max;
    for (int i = 0; i < rows; i++) {
        char line[2048];
        int xi = i ? x + indent : x, wi = i ? w - indent : w;
        if (i == rows - 1 && n > rows) {
            /* cut: the rest on this row, ending in an ellipsis */
            text_copy(line, sizeof line, s + st[i]);
            for (char *p = line; *p; p++)
                if (*p == '\n')
                    *p = ' ';
        } else {
            size_t k = ln[i] < sizeof line - 1 ? ln[i] : sizeof line - 1;
            memcpy(line, s + st[i], k);
            line[k] = '\0';
        }
        if (i)
            draw_text(y + i, x, indent, el, "");
        draw_text(y + i, xi, wi, el, line);
    }
    return rows;
}

int wrap_rows(const char *s, int w, int indent)
{
    return text_wrap(s, w, indent, NULL, NULL, 0);
}

void draw_fill(rect r, int el)
{
    for (int i = 0; i < r.h; i++)
        draw_text(r.y + i, r.x, r.w, el, "");
}

void draw_bar(int y, int x, int w, long ok, long failed, long total)
{
    if (w <= 0)
        return;
    int nok = total > 0 ? (int)((double)ok * w / total) : 0;
    int nfail = total > 0 ? (int)((double)failed * w / total) : 0;
    if (failed > 0 && nfail == 0)
        nfail = 1;   /* any failure must be visible */
    if (nok + nfail > w)
        nok = w - nfail;
    /* Distinct characters as well as colours, for monochrome terminals. */
    char buf[1024];
    int o = 0;
    for (int i = 0; i < nok && o < 1000; i++) buf[o++] = '#';
    buf[o] = 0;
    draw_text(y, x, nok, EL_BAR_DONE, buf);
    o = 0;
    for (int i = 0; i < nfail && o < 1000; i++) buf[o++] = '!';
    buf[o] = 0;
    draw_text(y, x + nok, nfail, EL_BAR_FAIL, buf);
    o = 0;
    for (int i = nok + nfail; i < w && o < 1000; i++) buf[o++] = '.';
    buf[o] = 0;
    draw_text(y, x + nok + nfail, w - nok - nfail, EL_BAR_TODO, buf);
}

/* 3-row digits from box-drawing characters. */
static const char *const big_font[13][3] = {
    {"┌─┐", "│ │", "└─┘"}, {" ┐ ", " │ ", " ┴ "}, {"┌─┐", "┌─┘", "└─┘"},
    {"┌─┐", " ─┤", "└─┘"}, {"┐ ┐", "└─┤", "  ┘"}, {"┌─┐", "└─┐", "└─┘"},
    {"┌─┐", "├─┐", "└─┘"}, {"┌─┐", "  │", "  ┘"}, {"┌─┐", "├─┤", "└─┘"},
    {"┌─┐", "└─┤", "└─┘"}, {"   ", "   ", " ∙ "}, {"   ", " ∕ ", "   "},
    {"o ∕", " ∕ ", "∕ o"},
};

static int big_index(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c == '.') return 10;
    if (c == '/') return 11;
    if (c == '%') return 12;
    return -1;
}

int big_width(const char *digits)
{
    int w = 0;
    for (const char *p = digits; *p; p++)
        if (big_index(*p) >= 0)
            w += 3;
    return w;
}

int draw_big(int y, int x, int w, int el, const char *digits)
{
    int bw = big_width(digits);
    if (bw > w) {   /* too narrow: plain digits */
        draw_text(y, x, w, el, "");
        draw_text(y + 1, x, w, el, digits);
        draw_text(y + 2, x, w, el, "");
        return w;
    }
    for (int row = 0; row < 3; row++) {
        char buf[512] = "";
        for (const char *p = digits; *p; p++) {
            int i = big_index(*p);
            if (i >= 0 && strlen(buf) + 16 < sizeof buf)
                strcat(buf, big_font[i][row]);
        }
        draw_text(y + row, x, w, el, buf);
    }
    return bw;
}

int state_el(ota_plan_state s)
{
    switch (s) {
    case OTA_PLAN_ACTIVE: case OTA_PLAN_UPGRADING: return EL_STATE_LIVE;
    case OTA_PLAN_PAUSED: return EL_STATE_PAUSED;
    case OTA_PLAN_TERMINATED: case OTA_PLAN_ENDED: return EL_STATE_FINAL;
    default: return EL_NORMAL;
    }
}

void draw_tabs(app *a)
{
    static const struct { pane_id p; const char *label; } tabs[] = {
        {PANE_PACKAGES, "1 Packages"}, {PANE_PLANS, "2 Plans"},
        {PANE_PLAN_STATUS, "3 Live status"}, {PANE_HELP, "? Help"}};
    rect r = a->lay.tabs;
    int x = r.x;
    if (a->dashboard_mode) {
        draw_text(r.y, x, r.w, EL_TAB_ACTIVE, " otaconsole dashboard");
        return;
    }
    for (size_t i = 0; i < sizeof tabs / sizeof tabs[0]; i++) {
        bool on = tabs[i].p == a->pane ||
                  (tabs[i].p == PANE_PACKAGES && a->pane == PANE_PACKAGE_FORM) ||
                  (tabs[i].p == PANE_PLANS && a->pane == PANE_PLAN_EDITOR);
        char buf[64];
        snprintf(buf, sizeof buf, " %s ", tabs[i].label);
        int w = text_width(buf);
        draw_text(r.y, x, w, on ? EL_TAB_ACTIVE : EL_TAB, buf);
        x += w;
        draw_text(r.y, x, 1, EL_TAB, " ");
        x += 1;
    }
    const pane_ops *po = app_pane(a, a->pane);
    char right[128];
    snprintf(right, sizeof right, "%s  otaconsole ", po->title);
    int rw = text_width(right);
    if (x + rw > r.w)
        rw = r.w - x;
    draw_text(r.y, x, r.w - x - rw, EL_TAB, "");
    draw_text(r.y, r.w - rw, rw, EL_TAB, right);
}

/* Rows the message takes: 1 on the line, or the popup's (a title and the
 * wrapped text ending on the message line), at most half the body. */
int msg_popup_rows(const app *a)
{
    if (a->msg_kind == MSG_NONE ||
        (a->modal && a->modal->kind != MODAL_PICKER && a->modal->kind != MODAL_NOTICE))
        return 0;   /* the line is the modal's */
    int n = wrap_rows(a->msg, a->lay.msg.w, 0);
    if (n <= 1)
        return n;
    int max = a->lay.body.h / 2;
    return n + 1 < max ? n + 1 : max;
}

void draw_msgline(app *a)
{
    static const int el[] = {EL_MESSAGE, EL_MESSAGE, EL_OK, EL_WARN, EL_ERROR};
    static const char *const kind[] = {"Message", "Message", "Done", "Warning", "Error"};
    rect r = a->lay.msg;
    if (a->modal && a->modal->kind != MODAL_PICKER && a->modal->kind != MODAL_NOTICE) {
        modal_draw_line(a, r);
        return;
    }
    int rows = msg_popup_rows(a);
    if (rows > 1) {
        /* longer than the line: a wrapped popup over the body's last rows,
         * ending on the message line, so nothing of it is cut */
        int top = r.y - (rows - 1);
        char title[128];
        snprintf(title, sizeof title, " %s · Esc closes it, m shows it again", kind[a->msg_kind]);
        draw_text(top, r.x, r.w, EL_HEADER, title);
        draw_wrap(top + 1, r.x, r.w, el[a->msg_kind], a->msg, 0, rows - 1);
        return;
    }
    if (rows == 1) {
        draw_text(r.y, r.x, r.w, el[a->msg_kind], a->msg);
        return;
    }
    const pane_ops *po = app_pane(a, a->pane);
    draw_text(r.y, r.x, r.w, EL_DIM, po->hint ? po->hint(a) : "");
}

void draw_status(app *a)
{
    rect r = a->lay.status;
    static const char *const spin[] = {"|", "/", "-", "\\"};
    char left[768], conn[128];
    int x = r.x;
    if (a->be->insecure) {
        draw_text(r.y, x, 10, EL_INSECURE, " INSECURE ");
        x += 10;
    }
    if (a->conn == CONN_DOWN) {
        char t[32];
        time_t s = (time_t)a->conn_down_since;
        struct tm tm;
        localtime_r(&s, &tm);
        strftime(t, sizeof t, "%H:%M:%S", &tm);
        snprintf(conn, sizeof conn, "offline since %s, retrying", t);
    } else {
        text_copy(conn, sizeof conn, a->conn == CONN_OK ? "connected" : "connecting");
    }
    char role[48] = "";
    if (a->role[0])
        snprintf(role, sizeof role, " (%s)", a->role);
    snprintf(left, sizeof left, " %s %s%s | %s%s", a->spinner >= 0 ? spin[a->spinner % 4] : " ",
             a->be->where, role, conn, a->last_error[0] ? " | last error: " : "");
    int lw = text_width(left);
    if (lw > r.w - x)
        lw = r.w - x;
    draw_text(r.y, x, lw, a->conn == CONN_DOWN ? EL_STATUS_ERROR : EL_STATUS, left);
    x += lw;
    /* the error colour only under an error: an empty tail is status bar */
    draw_text(r.y, x, r.w - x, a->last_error[0] ? EL_STATUS_ERROR : EL_STATUS, a->last_error);
}

void draw_small(app *a)
{
    char buf[256], lines[8][256];
    layout_small_message(&a->lay, buf, sizeof buf);
    rect r = a->lay.body;
    /* Word-wrapped onto the middle rows, so "80x24" is readable even on a
     * terminal narrower than the message (the message is ASCII). */
    int n = 0;
    for (char *p = buf; *p && n < 8;) {
        while (*p == ' ')
            p++;
        int len = (int)strlen(p), cut = len;
        if (len > r.w) {
            cut = r.w;
            while (cut > 0 && p[cut] != ' ')
                cut--;
            if (cut == 0)
                cut = r.w > 0 ? r.w : len;
        }
        snprintf(lines[n++], sizeof lines[0], "%.*s", cut, p);
        p += cut;
    }
    int top = (r.h - n) / 2;
    for (int y = 0; y < r.h; y++) {
        int i = y - top;
        draw_text(y, 0, r.w, i >= 0 && i < n ? EL_WARN : EL_NORMAL, i >= 0 && i < n ? lines[i] : "");
    }
}

int list_move(listview *lv, tui_action act, int height)
{
    int old = lv->sel;
    int page = height > 1 ? height - 1 : 1;
    switch (act) {
    case ACT_UP:        lv->sel--; break;
    case ACT_DOWN:      lv->sel++; break;
    case ACT_PAGE_UP:   lv->sel -= page; break;
    case ACT_PAGE_DOWN: lv->sel += page; break;
    case ACT_TOP:       lv->sel = 0; break;
    case ACT_BOTTOM:    lv->sel = lv->n - 1; break;
    default: return H_IGNORED;
    }
    list_clamp(lv, height);
    return lv->sel != old ? H_REDRAW : H_HANDLED;
}

void list_clamp(listview *lv, int height)
{
    if (lv->sel >= lv->n)
        lv->sel = lv->n - 1;
    if (lv->sel < 0)
        lv->sel = 0;
    if (height < 1)
        height = 1;
    if (lv->sel < lv->top)
        lv->top = lv->sel;
    if (lv->sel >= lv->top + height)
        lv->top = lv->sel - height + 1;
    if (lv->top > lv->n - height)
        lv->top = lv->n - height;
    if (lv->top < 0)
        lv->top = 0;
}

const char *fmt_size(uint64_t b, char *buf, size_t len)
{
    if (b < 1024)
        snprintf(buf, len, "%llu B", (unsigned long long)b);
    else if (b < 1024 * 1024)
        snprintf(buf, len, "%.1f KiB", b / 1024.0);
    else if (b < 1024ULL * 1024 * 1024)
        snprintf(buf, len, "%.1f MiB", b / 1048576.0);
    else
        snprintf(buf, len, "%.1f GiB", b / 1073741824.0);
    return buf;
}

const char *fmt_local(int64_t t, char *buf, size_t len)
{
    if (t == 0) {
        snprintf(buf, len, "-");
        return buf;
    }
    time_t s = (time_t)t;
    struct tm tm;
    localtime_r(&s, &tm);
    strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
    return buf;
}

const char *fmt_zone(int64_t t, char *buf, size_t len)
{
    time_t s = (time_t)t;
    struct tm tm;
    char z[16], off[16];
    localtime_r(&s, &tm);
    strftime(z, sizeof z, "%Z", &tm);
    strftime(off, sizeof off, "%z", &tm);   /* +0800 */
    snprintf(buf, len, "%s (UTC%.3s:%.2s)", z, off, off + 3);
    return buf;
}

int parse_local(const char *s, int64_t *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(s, "%Y-%m-%d %H:%M", &tm);
    if (!end)
        return -1;
    while (*end == ' ')
        end++;
    if (*end)
        return -1;
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    if (t == (time_t)-1)
        return -1;
    *out = (int64_t)t;
    return 0;
}

const char *fmt_duration(int64_t s, char *buf, size_t len)
{
    if (s < 0)
        s = 0;
    if (s >= 86400)
        snprintf(buf, len, "%lldd %lldh", (long long)(s / 86400), (long long)(s % 86400 / 3600));
    else if (s >= 3600)
        snprintf(buf, len, "%lldh %lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
    else if (s >= 60)
        snprintf(buf, len, "%lldm", (long long)(s / 60));
    else
        snprintf(buf, len, "<1m");
    return buf;
}
