/* The cache of loaded time zones its owner keeps, and the list of zone
 * names (tzdata.zi) for the console's picker. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

#define TZ_FIELD "maintenance.timezone"

/* ----------------------------------------------------------------- cache */
/* Open addressing on an FNV-1a hash, grown at half full; entries are never
 * removed, so a zone handed out stays valid until the cache is freed. */
struct tz_entry {
    uint32_t hash;
    ota_tz *tz;          /* NULL: a remembered refusal */
    ota_err err;
    char name[OTA_TZ_NAME_MAX + 1];
};

struct ota_tz_cache {
    pthread_mutex_t mu;
    struct tz_entry **slot;
    size_t cap, n, refused;
};

#define TZ_CACHE_REFUSED_MAX 256 /* unknown names remembered; more are looked up each time */

static uint32_t fnv1a(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

ota_tz_cache *ota_tz_cache_new(void)
{
    ota_tz_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->cap = 64;
    c->slot = calloc(c->cap, sizeof *c->slot);
    if (!c->slot) {
        free(c);
        return NULL;
    }
    pthread_mutex_init(&c->mu, NULL);
    return c;
}

void ota_tz_cache_free(ota_tz_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->cap; i++)
        if (c->slot[i]) {
            ota_tz_free(c->slot[i]->tz);
            free(c->slot[i]);
        }
    free(c->slot);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static struct tz_entry **cache_find(struct tz_entry **slot, size_t cap, uint32_t h, const char *name)
{
    for (size_t i = h & (cap - 1);; i = (i + 1) & (cap - 1))
        if (!slot[i] || (slot[i]->hash == h && !strcmp(slot[i]->name, name)))
            return &slot[i];
}

static int cache_grow(ota_tz_cache *c)
{
    size_t cap = c->cap * 2;
    struct tz_entry **slot = calloc(cap, sizeof *slot);
    if (!slot)
        return -1;
    for (size_t i = 0; i < c->cap; i++)
        if (c->slot[i])
            *cache_find(slot, cap, c->slot[i]->hash, c->slot[i]->name) = c->slot[i];
    free(c->slot);
    c->slot = slot, c->cap = cap;
    return 0;
}

const ota_tz *ota_tz_cache_get(ota_tz_cache *c, const char *name, ota_err *e)
{
    if (!c) {
        ota_fail(e, OTA_E_INTERNAL, TZ_FIELD, "no time zone cache");
        return NULL;
    }
    if (ota_tz_name_check(name, e) < 0)
        return NULL; /* refused without I/O: never stored */
    uint32_t h = fnv1a(name);
    pthread_mutex_lock(&c->mu);
    struct tz_entry **at = cache_find(c->slot, c->cap, h, name), *en = *at;
    if (!en) {
        /* A miss reads the file under the lock: each zone is read once. */
        ota_err err = {0};
        ota_tz *tz = ota_tz_load(name, &err);
        bool keep = tz || (err.code == OTA_E_VALIDATION && c->refused < TZ_CACHE_REFUSED_MAX);
        if (keep && (c->n + 1) * 2 > c->cap && cache_grow(c) == 0)
            at = cache_find(c->slot, c->cap, h, name);
        if (keep && (c->n + 1) * 2 <= c->cap && (en = calloc(1, sizeof *en))) {
            en->hash = h, en->tz = tz, en->err = err;
            snprintf(en->name, sizeof en->name, "%s", name);
            *at = en;
            c->n++;
            c->refused += !tz;
        } else {
            pthread_mutex_unlock(&c->mu);
            if (tz) {
                ota_tz_free(tz);
                ota_fail(e, OTA_E_INTERNAL, TZ_FIELD, "out of memory caching time zone \"%s\"", name);
            } else if (e)
                *e = err;
            return NULL;
        }
    }
    pthread_mutex_unlock(&c->mu);
    if (!en->tz && e)
        *e = en->err;
    return en->tz;
}

/* ------------------------------------------------------------ zone names */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void ota_tz_names_free(char **names, size_t n)
{
    for (size_t i = 0; names && i < n; i++)
        free(names[i]);
    free(names);
}

/* tzdata.zi, the compact form zic reads (Debian's tzdata ships it): a zone
 * is "Z NAME ...", a link "L TARGET NAME". */
int ota_tz_names(char ***names, size_t *n, ota_err *e)
{
    *names = NULL, *n = 0;
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/tzdata.zi", tz_dir()) >= sizeof path)
        return ota_fail(e, OTA_E_IO, TZ_FIELD, "the tzdata folder's path is too long");
    FILE *f = fopen(path, "re");
    if (!f)
        return ota_fail(e, OTA_E_IO, TZ_FIELD, "cannot read %s (Debian package tzdata): %s", path,
                        strerror(errno));
    char **v = NULL, *line = NULL;
    size_t cap = 0, count = 0, linecap = 0;
    int rc = 0;
    while (getline(&line, &linecap, f) > 0) {
        if ((line[0] != 'Z' && line[0] != 'L') || line[1] != ' ')
            continue;
        char *save = NULL, *tok = strtok_r(line + 2, " \t\n", &save);
        if (tok && line[0] == 'L')
            tok = strtok_r(NULL, " \t\n", &save);
        if (!tok || ota_tz_name_check(tok, NULL) < 0)
            continue;
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 512;
            char **nv = realloc(v, ncap * sizeof *nv);
            if (!nv) {
                rc = -1;
                break;
            }
            v = nv, cap = ncap;
        }
        if (!(v[count] = strdup(tok))) {
            rc = -1;
            break;
        }
        count++;
    }
    bool read_err = ferror(f);
    free(line);
    fclose(f);
    if (rc < 0 || read_err) {
        ota_tz_names_free(v, count);
        return rc < 0 ? ota_fail(e, OTA_E_INTERNAL, TZ_FIELD, "out of memory listing time zones")
                      : ota_fail(e, OTA_E_IO, TZ_FIELD, "cannot read %s", path);
    }
    if (count == 0) {
        free(v);
        return ota_fail(e, OTA_E_IO, TZ_FIELD, "%s names no time zone", path);
    }
    qsort(v, count, sizeof *v, cmp_str);
    size_t out = 1;
    for (size_t i = 1; i < count; i++) {
        if (!strcmp(v[i], v[out - 1]))
            free(v[i]);
        else
            v[out++] = v[i];
    }
    *names = v, *n = out;
    return 0;
}
