/* Device files: a fleet as JSON (the API.md array) or CSV (RFC 4180; a
 * header id,<component>..., optional rsrp and battery columns), read one
 * device at a time.  Pure: no store.  Errors name the place: devices[i] in
 * JSON, line and column in CSV; an id listed twice in one file is refused.
 * Also the id set and the devices[i] field prefix products.c shares. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "internal.h"

/* --------------------------------------------------------------- id set */
static size_t id_hash(const char *s)
{
    size_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

/* 0 added, 1 already there (*prev = where it was), -1 out of memory. */
static int ids_add(devfile_ids *s, const char *id, long where, long *prev)
{
    if (2 * (s->n + 1) > s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 1024;
        struct idslot *nslot = calloc(cap, sizeof *nslot);
        if (!nslot)
            return -1;
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->slot[i].id)
                continue;
            size_t k = id_hash(s->slot[i].id) & (cap - 1);
            while (nslot[k].id)
                k = (k + 1) & (cap - 1);
            nslot[k] = s->slot[i];
        }
        free(s->slot);
        s->slot = nslot;
        s->cap = cap;
    }
    size_t k = id_hash(id) & (s->cap - 1);
    for (; s->slot[k].id; k = (k + 1) & (s->cap - 1))
        if (!strcmp(s->slot[k].id, id)) {
            *prev = s->slot[k].where;
            return 1;
        }
    if (!(s->slot[k].id = strdup(id)))
        return -1;
    s->slot[k].where = where;
    s->n++;
    return 0;
}

void devfile_ids_free(devfile_ids *s)
{
    for (size_t i = 0; i < s->cap; i++)
        free(s->slot[i].id);
    free(s->slot);
    memset(s, 0, sizeof *s);
}

int devfile_ids_check(devfile_ids *s, const char *id, long where, const char *what, const char *field, ota_err *e)
{
    long prev = 0;
    int r = ids_add(s, id, where, &prev);
    if (r < 0)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    if (r == 0)
        return 0;
    char here[40], there[40];
    snprintf(here, sizeof here, what, where);
    snprintf(there, sizeof there, what, prev);
    return ota_fail(e, OTA_E_VALIDATION, field, "%s: device \"%s\" is listed twice (first at %s)", here, id, there);
}

int devfile_refield(ota_err *e, size_t i)
{
    if (e) {
        char f[2 * sizeof e->field];
        snprintf(f, sizeof f, "devices[%zu]%s%s", i, e->field[0] ? "." : "", e->field);
        size_t n = strlen(f) < sizeof e->field ? strlen(f) : sizeof e->field - 1;
        memcpy(e->field, f, n);
        e->field[n] = 0;
    }
    return -1;
}

/* ------------------------------------------------------------------ CSV */
/* RFC 4180 fields (quotes, doubled quotes, CRLF), one record per line. */

typedef struct csv {
    const char *p, *end;
    long line;          /* line where the current record starts, 1-based */
    long at;            /* line of the read position */
    char **cells;       /* cells of the current record (malloc'd) */
    size_t n, cap;
} csv;

static void csv_clear(csv *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->cells[i]);
    c->n = 0;
}

static int csv_push(csv *c, const char *s, size_t len, ota_err *e)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        char **v = realloc(c->cells, cap * sizeof *v);
        if (!v)
            return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
        c->cells = v;
        c->cap = cap;
    }
    char *d = malloc(len + 1);
    if (!d)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    memcpy(d, s, len);
    d[len] = 0;
    c->cells[c->n++] = d;
    return 0;
}

/* Reads one record.  Returns 1 with cells, 0 at end of input, -1 on error.
 * Blank lines are skipped. */
static int csv_next(csv *c, ota_err *e)
{
    csv_clear(c);
    while (c->p < c->end && (*c->p == '\n' || *c->p == '\r')) {
        if (*c->p == '\n')
            c->at++;
        c->p++;
    }
    c->line = c->at;
    if (c->p >= c->end)
        return 0;
    char *tmp = NULL;
    size_t tlen = 0, tcap = 0;
    for (;;) {
        size_t col = c->n + 1;
        tlen = 0;
        if (c->p < c->end && *c->p == '"') {
            c->p++;
            for (;;) {
                if (c->p >= c->end) {
                    free(tmp);
                    return ota_fail(e, OTA_E_VALIDATION, "file",
                                    "line %ld, column %zu: unterminated quoted field", c->line, col);
                }
                char ch = *c->p++;
                if (ch == '"') {
                    if (c->p < c->end && *c->p == '"')
                        c->p++;
                    else
                        break;
                } else if (ch == '\n') {
                    c->at++;
                }
                if (tlen + 1 >= tcap) {
                    tcap = tcap ? tcap * 2 : 64;
                    char *t = realloc(tmp, tcap);
                    if (!t) {
                        free(tmp);
                        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
                    }
                    tmp = t;
                }
                tmp[tlen++] = ch;
            }
            if (c->p < c->end && *c->p != ',' && *c->p != '\n' && *c->p != '\r') {
                free(tmp);
                return ota_fail(e, OTA_E_VALIDATION, "file",
                                "line %ld, column %zu: text after a closing quote", c->at, col);
            }
            if (csv_push(c, tmp ? tmp : "", tlen, e) < 0) {
                free(tmp);
                return -1;
            }
        } else {
            const char *s = c->p;
            while (c->p < c->end && *c->p != ',' && *c->p != '\n' && *c->p != '\r') {
                if (*c->p == '"') {
                    free(tmp);
                    return ota_fail(e, OTA_E_VALIDATION, "file",
                                    "line %ld, column %zu: a quote inside an unquoted field", c->at, col);
                }
                c->p++;
            }
            if (csv_push(c, s, (size_t)(c->p - s), e) < 0) {
                free(tmp);
                return -1;
            }
        }
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            continue;
        }
        break;
    }
    free(tmp);
    if (c->p < c->end && *c->p == '\r')
        c->p++;
    if (c->p < c->end && *c->p == '\n') {
        c->p++;
        c->at++;
    }
    return 1;
}

enum { COL_ID, COL_COMPONENT, COL_RSRP, COL_BATTERY };

static int csv_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

static int csv_header(csv *c, int *kinds, size_t *ncols, ota_err *e)
{
    int r = csv_next(c, e);
    if (r <= 0)
        return r < 0 ? -1 : ota_fail(e, OTA_E_VALIDATION, "file", "line 1: the header row is missing");
    if (strcmp(c->cells[0], "id"))
        return ota_fail(e, OTA_E_VALIDATION, "file", "line %ld, column 1: the first column must be \"id\" (got \"%s\")",
                        c->line, c->cells[0]);
    if (c->n > OTA_MAX_COMPONENTS + 3)
        return ota_fail(e, OTA_E_VALIDATION, "file", "line %ld: at most %d component columns (got %zu columns)",
                        c->line, OTA_MAX_COMPONENTS, c->n);
    size_t ncomp = 0;
    for (size_t i = 0; i < c->n; i++) {
        const char *h = c->cells[i];
        kinds[i] = i == 0 ? COL_ID : !strcmp(h, "rsrp") ? COL_RSRP : !strcmp(h, "battery") ? COL_BATTERY
                                                                                             : COL_COMPONENT;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(c->cells[j], h))
                return ota_fail(e, OTA_E_VALIDATION, "file", "line %ld, column %zu: column \"%s\" appears twice",
                                c->line, i + 1, h);
        if (kinds[i] != COL_COMPONENT)
            continue;
        ota_package_meta m = {.kind = OTA_KIND_FULL, .target_version = "1"};
        snprintf(m.component, sizeof m.component, "%.*s", OTA_KEY_MAX, h);
        if (strlen(h) > OTA_KEY_MAX || ota_validate_package_meta(&m, e) < 0)
            return ota_fail(e, OTA_E_VALIDATION, "file",
                            "line %ld, column %zu: \"%.64s\" is not a valid component name", c->line, i + 1, h);
        if (++ncomp > OTA_MAX_COMPONENTS)
            return ota_fail(e, OTA_E_VALIDATION, "file", "line %ld: at most %d component columns",
                            c->line, OTA_MAX_COMPONENTS);
    }
    *ncols = c->n;
    return 0;
}

/* One data record into d; errors name the line, column and header. */
static int csv_device(csv *c, const int *kinds, char **head, size_t ncols, ota_device *d, ota_err *e)
{
    if (c->n != ncols)
        return ota_fail(e, OTA_E_VALIDATION, "file", "line %ld: expected %zu columns (got %zu)",
                        c->line, ncols, c->n);
    for (size_t i = 0; i < ncols; i++) {
        const char *v = c->cells[i];
        int bad = 0;
        switch (kinds[i]) {
        case COL_ID:
            bad = strlen(v) > OTA_DEVICE_ID_MAX || ota_validate_device_id(v, e) < 0;
            if (!bad)
                snprintf(d->id, sizeof d->id, "%s", v);
            break;
        case COL_RSRP:
            if (*v) {
                bad = csv_int(v, -200, 0, &d->rsrp) < 0;
                d->has_rsrp = !bad;
                if (bad)
                    ota_fail(e, OTA_E_VALIDATION, "", "must be an integer between -200 and 0 (got \"%.40s\")", v);
            }
            break;
        case COL_BATTERY:
            if (*v) {
                bad = csv_int(v, 0, 100, &d->battery) < 0;
                d->has_battery = !bad;
                if (bad)
                    ota_fail(e, OTA_E_VALIDATION, "", "must be an integer between 0 and 100 (got \"%.40s\")", v);
            }
            break;
        default:
            if (!*v)
                break; /* no version of this component on this device */
            if (strlen(v) > OTA_KEY_MAX) {
                bad = 1;
                ota_fail(e, OTA_E_VALIDATION, "", "a version has at most %d bytes (got %zu)", OTA_KEY_MAX, strlen(v));
                break;
            }
            ota_version *ver = &d->versions[d->nversions++];
            snprintf(ver->component, sizeof ver->component, "%s", head[i]);
            snprintf(ver->version, sizeof ver->version, "%s", v);
            ota_package_meta m = {.kind = OTA_KIND_FULL};
            snprintf(m.component, sizeof m.component, "%s", head[i]);
            snprintf(m.target_version, sizeof m.target_version, "%s", v);
            bad = ota_validate_package_meta(&m, e) < 0;
        }
        if (bad) {
            char msg[sizeof e->message];
            snprintf(msg, sizeof msg, "%s", e ? e->message : "");
            return ota_fail(e, OTA_E_VALIDATION, "file", "line %ld, column %zu (%s): %s", c->line, i + 1,
                            head[i], msg);
        }
    }
    return 0;
}

/* ------------------------------------------------------------- the file */
#define IMPORT_FILE_MAX (1024L * 1024 * 1024)

static char *slurp(const char *path, size_t *len, ota_err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        ota_fail(e, OTA_E_IO, "file", "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (cap - n < 65536) {
            cap = cap ? cap * 2 : 1 << 20;
            if (cap > (size_t)IMPORT_FILE_MAX + 65536) {
                ota_fail(e, OTA_E_TOO_LARGE, "file", "%s: at most 1 GiB", path);
                goto fail;
            }
            char *b = realloc(buf, cap + 1);
            if (!b) {
                ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
                goto fail;
            }
            buf = b;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        ota_fail(e, OTA_E_IO, "file", "cannot read %s", path);
        goto fail;
    }
    fclose(f);
    buf[n] = 0;
    *len = n;
    return buf;
fail:
    fclose(f);
    free(buf);
    return NULL;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcasecmp(s + n - k, suffix);
}

/* --------------------------------------------------------------- reader */
struct ota_devfile {
    bool json;
    const char *text;
    size_t len;
    char *owned;            /* ota_devfile_open_file: the file's bytes */
    bool started;           /* parsed (JSON) or header read (CSV) */
    devfile_ids seen;
    /* JSON: the whole array, the next item */
    json_t *root;
    size_t i;
    /* CSV: the reader, the header, a record read by more, not yet decoded */
    csv c;
    int kinds[OTA_MAX_COMPONENTS + 3];
    char *head[OTA_MAX_COMPONENTS + 3];
    size_t ncols;
    bool pending;
};

/* The format the name's ending says: JSON (true) or CSV. */
static int devfile_format(const char *name, bool *json, ota_err *e)
{
    *json = ends_with(name, ".json");
    if (!*json && !ends_with(name, ".csv"))
        return ota_fail(e, OTA_E_UNSUPPORTED_MEDIA, "file", "%s: a device file ends in .json or .csv", name);
    return 0;
}

int ota_devfile_open(const char *name, const char *text, size_t len, ota_devfile **out, ota_err *e)
{
    *out = NULL;
    bool json;
    if (devfile_format(name, &json, e) < 0)
        return -1;
    ota_devfile *f = malloc(sizeof *f);
    if (!f)
        return ota_fail(e, OTA_E_INTERNAL, NULL, "out of memory");
    *f = (ota_devfile){.json = json, .text = text, .len = len};
    f->c = (csv){.p = text, .end = text + len, .line = 1, .at = 1};
    if (!json && len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
        f->c.p += 3; /* UTF-8 byte order mark from spreadsheet exports */
    *out = f;
    return 0;
}

int ota_devfile_open_file(const char *path, ota_devfile **out, ota_err *e)
{
    *out = NULL;
    bool json;
    if (devfile_format(path, &json, e) < 0)
        return -1;
    size_t len;
    char *text = slurp(path, &len, e);
    if (!text)
        return -1;
    if (ota_devfile_open(path, text, len, out, e) < 0) {
        free(text);
        return -1;
    }
    (*out)->owned = text;
    return 0;
}

static int json_start(ota_devfile *f, ota_err *e)
{
    if (!(f->root = ota_json_parse(f->text, f->len, e))) {
        if (e)
            snprintf(e->field, sizeof e->field, "file");
        return -1;
    }
    if (!json_is_array(f->root))
        return ota_fail(e, OTA_E_BAD_REQUEST, "file", "a device file holds a JSON array of devices");
    return 0;
}

static int csv_start(ota_devfile *f, ota_err *e)
{
    if (csv_header(&f->c, f->kinds, &f->ncols, e) < 0)
        return -1;
    for (size_t i = 0; i < f->ncols; i++) {
        f->head[i] = f->c.cells[i];
        f->c.cells[i] = NULL; /* keep the header names */
    }
    f->c.n = 0;
    return 0;
}

int ota_devfile_more(ota_devfile *f, ota_err *e)
{
    if (!f->started) {
        f->started = true;
        if ((f->json ? json_start(f, e) : csv_start(f, e)) < 0)
            return -1;
    }
    if (f->json)
        return f->i < json_array_size(f->root);
    if (!f->pending) {
        int r = csv_next(&f->c, e);
        if (r <= 0)
            return r;
        f->pending = true;
    }
    return 1;
}

int ota_devfile_next(ota_devfile *f, ota_device *out, ota_err *e)
{
    int r = ota_devfile_more(f, e);
    if (r <= 0)
        return r;
    if (f->json) {
        size_t i = f->i++;
        if (ota_device_from_json(json_array_get(f->root, i), out, e) < 0)
            return devfile_refield(e, i);
        return devfile_ids_check(&f->seen, out->id, (long)i, "devices[%ld]", "file", e) < 0 ? -1 : 1;
    }
    f->pending = false;
    memset(out, 0, sizeof *out);
    if (csv_device(&f->c, f->kinds, f->head, f->ncols, out, e) < 0 ||
        devfile_ids_check(&f->seen, out->id, f->c.line, "line %ld", "file", e) < 0)
        return -1;
    return 1;
}

void ota_devfile_close(ota_devfile *f)
{
    if (!f)
        return;
    devfile_ids_free(&f->seen);
    json_decref(f->root);
    csv_clear(&f->c);
    free(f->c.cells);
    for (size_t i = 0; i < f->ncols; i++)
        free(f->head[i]);
    free(f->owned);
    free(f);
}
