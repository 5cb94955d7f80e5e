/* otactl helpers: argument numbers, JSON and table output, file input. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "otactl.h"

int cli_parse_id(cli *c, const char *s, const char *what, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < 1 || s[0] == '+' || s[0] == ' ')
        return cli_usage(c, "%s must be a positive integer (got \"%s\")", what, s), -1;
    *out = v;
    return 0;
}

int cli_parse_int(cli *c, const char *s, const char *what, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return cli_usage(c, "%s must be an integer from %ld to %ld (got \"%s\")", what, lo, hi, s), -1;
    *out = v;
    return 0;
}

int cli_parse_double(cli *c, const char *s, const char *what, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi)
        return cli_usage(c, "%s must be a number from %g to %g (got \"%s\")", what, lo, hi, s), -1;
    *out = v;
    return 0;
}

int cli_page(cli *c, cli_opt *opts, ota_page_req *pg)
{
    memset(pg, 0, sizeof *pg);
    cli_opt *l = cli_opt_get(opts, "limit"), *cur = cli_opt_get(opts, "cursor");
    long v;
    if (l && l->set) {
        if (cli_parse_int(c, l->val, "--limit", 1, OTA_LIST_MAX, &v) < 0)
            return -1;
        pg->limit = (int)v;
    }
    if (cur && cur->set) {
        if (strlen(cur->val) >= sizeof pg->cursor)
            return cli_usage(c, "--cursor is too long"), -1;
        snprintf(pg->cursor, sizeof pg->cursor, "%s", cur->val);
    }
    return 0;
}

void cli_print_json(json_t *j)
{
    if (!j) {
        fputs("otactl: internal: out of memory\n", stderr);
        return;
    }
    json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
    json_decref(j);
}

void cli_print_page(json_t *items, const char *next)
{
    cli_print_json(ota_json_page(items, next));
}

const char *cli_time(int64_t t, char *buf, size_t len)
{
    if (!t)
        snprintf(buf, len, "-");
    else
        ota_time_format(t, buf, len);
    return buf;
}

const char *cli_size(uint64_t n, char *buf, size_t len)
{
    if (n < 1024)
        snprintf(buf, len, "%" PRIu64 " B", n);
    else if (n < 1024 * 1024)
        snprintf(buf, len, "%.1f KiB", n / 1024.0);
    else
        snprintf(buf, len, "%.1f MiB", n / 1048576.0);
    return buf;
}

/* ------------------------------------------------------------- tables */

/* Columns of terminal a code point takes: East Asian wide and fullwidth
 * forms take two, combining marks none.  Locale independent on purpose:
 * output is the same under LANG=C as under a UTF-8 locale. */
static int cp_width(unsigned cp)
{
    if (cp == 0 || (cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f))
        return 0;
    if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0x303e) ||
        (cp >= 0x3041 && cp <= 0x33ff) || (cp >= 0x3400 && cp <= 0x4dbf) ||
        (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xa000 && cp <= 0xa4cf) ||
        (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
        (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
        (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) ||
        (cp >= 0x20000 && cp <= 0x3fffd))
        return 2;
    return 1;
}

int cli_display_width(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    int w = 0;
    while (*p) {
        unsigned cp = *p;
        int k = cp < 0x80 ? 0 : (cp & 0xe0) == 0xc0 ? 1 : (cp & 0xf0) == 0xe0 ? 2 : (cp & 0xf8) == 0xf0 ? 3 : 0;
        if (k)
            cp &= 0x3f >> k;
        p++;
        for (int i = 0; i < k && (*p & 0xc0) == 0x80; i++, p++)
            cp = (cp << 6) | (*p & 0x3f);
        w += cp_width(cp);
    }
    return w;
}

static void table_add(cli_table *t, const char *s)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->cells = realloc(t->cells, t->cap * sizeof *t->cells);
        if (!t->cells) {
            fputs("otactl: out of memory\n", stderr);
            exit(CLI_REFUSED);
        }
    }
    t->cells[t->n++] = strdup(s ? s : "");
}

void table_init(cli_table *t, int ncols, ...)
{
    memset(t, 0, sizeof *t);
    t->ncols = ncols;
    va_list ap;
    va_start(ap, ncols);
    for (int i = 0; i < ncols; i++)
        table_add(t, va_arg(ap, const char *));
    va_end(ap);
}

void table_row(cli_table *t, ...)
{
    va_list ap;
    va_start(ap, t);
    for (int i = 0; i < t->ncols; i++)
        table_add(t, va_arg(ap, const char *));
    va_end(ap);
}

void table_print(cli_table *t)
{
    int *w = calloc((size_t)t->ncols, sizeof *w);
    for (size_t i = 0; w && i < t->n; i++) {
        int cw = cli_display_width(t->cells[i]);
        if (cw > w[i % t->ncols])
            w[i % t->ncols] = cw;
    }
    for (size_t i = 0; w && i < t->n; i++) {
        int col = (int)(i % t->ncols);
        fputs(t->cells[i], stdout);
        if (col == t->ncols - 1)
            fputc('\n', stdout);
        else
            printf("%*s", w[col] - cli_display_width(t->cells[i]) + 2, "");
    }
    for (size_t i = 0; i < t->n; i++)
        free(t->cells[i]);
    free(t->cells);
    free(w);
    memset(t, 0, sizeof *t);
}

/* --------------------------------------------------------------- input */

#define CLI_FILE_MAX (64u * 1024 * 1024)

char *cli_read_file(const char *path, size_t *len, ota_err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        ota_fail(e, OTA_E_NOT_FOUND, "file", "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        ota_fail(e, OTA_E_BAD_REQUEST, "file", "%s is not a regular file", path);
        return NULL;
    }
    if ((uint64_t)st.st_size > CLI_FILE_MAX) {
        fclose(f);
        ota_fail(e, OTA_E_TOO_LARGE, "file", "%s: at most %u bytes", path, CLI_FILE_MAX);
        return NULL;
    }
    char *buf = malloc((size_t)st.st_size + 1);
    size_t n = buf ? fread(buf, 1, (size_t)st.st_size, f) : 0;
    bool bad = !buf || ferror(f) || n != (size_t)st.st_size;
    fclose(f);
    if (bad) {
        free(buf);
        ota_fail(e, OTA_E_IO, "file", "cannot read %s", path);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

json_t *cli_load_json(const char *path, ota_err *e)
{
    size_t len;
    char *buf = cli_read_file(path, &len, e);
    if (!buf)
        return NULL;
    json_t *j = ota_json_parse(buf, len, e);
    free(buf);
    if (!j) {
        /* name the file: "body" means nothing on a command line */
        char msg[sizeof e->message];
        snprintf(msg, sizeof msg, "%s", e->message);
        snprintf(e->field, sizeof e->field, "file");
        if (snprintf(e->message, sizeof e->message, "%.200s: %s", path, msg) >= (int)sizeof e->message)
            e->message[sizeof e->message - 1] = '\0';
    }
    return j;
}

const char *cli_fixtures_dir(void)
{
    static char dir[4096];
    const char *env = getenv("OTA_FIXTURES");
    if (env && *env)
        return env;
#ifdef OTA_PKGDATADIR
    snprintf(dir, sizeof dir, "%s/demo", OTA_PKGDATADIR);
    char probe[4200];
    snprintf(probe, sizeof probe, "%s/products.json", dir);
    if (access(probe, R_OK) == 0)
        return dir;
#endif
    snprintf(dir, sizeof dir, "%s/fixtures/demo", OTA_SRCDIR);
    return dir;
}
