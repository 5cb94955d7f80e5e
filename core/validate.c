/* The pure rules of DESIGN.md §1: no database, no disk.  Every refusal names
 * the field and the rule, so the same text reaches otactl, otad and the
 * console unchanged. */
#include <string.h>
#include "internal.h"

const char *const ota_allowed_endings[] = {
    ".bin", ".zip", ".rar", ".pack", ".mini_1", ".mini_2", ".py", ".tar", ".tar.gz",
    ".s19", ".bin_1", ".bin_2",
    ".swu", /* SWUpdate images, for stock hawkBit agents (DDI.md) */
    NULL,
};

/* " .bin .zip ..." for error messages. */
static const char *endings_text(void)
{
    static char buf[160];
    if (!buf[0]) {
        size_t off = 0;
        for (size_t i = 0; ota_allowed_endings[i]; i++)
            off += (size_t)snprintf(buf + off, sizeof buf - off, "%s%s", i ? " " : "",
                                    ota_allowed_endings[i]);
    }
    return buf;
}

static bool has_control(const char *s, bool allow_newline)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (allow_newline && (*p == '\n' || *p == '\t'))
            continue;
        if (*p < 0x20 || *p == 0x7f)
            return true;
    }
    return false;
}

/* Product keys and component names appear in URLs and CSV headers: keep
 * them to a plain ASCII alphabet. */
static int check_ident(const char *field, const char *s, ota_err *e)
{
    size_t n = strlen(s);
    if (n == 0)
        return ota_fail(e, OTA_E_VALIDATION, field, "required");
    if (n > OTA_KEY_MAX)
        return ota_fail(e, OTA_E_VALIDATION, field, "at most %d bytes (got %zu)", OTA_KEY_MAX, n);
    for (const char *p = s; *p; p++) {
        char c = *p;
        bool okc = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '-' || c == '_' || c == '.';
        if (!okc)
            return ota_fail(e, OTA_E_VALIDATION, field,
                            "only letters, digits, '-', '_' and '.' are allowed (\"%s\")", s);
    }
    return 0;
}

/* Versions and device ids come from devices: any UTF-8 without spaces or
 * control characters, within a byte limit. */
static int check_token(const char *field, const char *s, size_t max, ota_err *e)
{
    size_t n = strlen(s);
    if (n == 0)
        return ota_fail(e, OTA_E_VALIDATION, field, "required");
    if (n > max)
        return ota_fail(e, OTA_E_VALIDATION, field, "at most %zu bytes (got %zu)", max, n);
    if (!ota_utf8_valid(s, n))
        return ota_fail(e, OTA_E_VALIDATION, field, "must be valid UTF-8");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= 0x20 || *p == 0x7f)
            return ota_fail(e, OTA_E_VALIDATION, field,
                            "must not contain spaces or control characters");
    return 0;
}

/* Human text (names): 1..max Unicode characters, no control characters. */
static int check_text(const char *field, const char *s, long max, bool required, ota_err *e)
{
    size_t n = strlen(s);
    if (required && n == 0)
        return ota_fail(e, OTA_E_VALIDATION, field, "required");
    long chars = ota_utf8_chars(s, n);
    if (chars < 0)
        return ota_fail(e, OTA_E_VALIDATION, field, "must be valid UTF-8");
    if (chars > max)
        return ota_fail(e, OTA_E_VALIDATION, field, "at most %ld characters (got %ld)", max, chars);
    if (has_control(s, !required))
        return ota_fail(e, OTA_E_VALIDATION, field, "must not contain control characters");
    return 0;
}

int ota_validate_file_name(const char *name, ota_err *e)
{
    size_t n = strlen(name);
    if (n == 0)
        return ota_fail(e, OTA_E_VALIDATION, "files", "file name is required");
    if (n > OTA_FILE_NAME_MAX)
        return ota_fail(e, OTA_E_VALIDATION, "files", "file name at most %d bytes (got %zu)",
                        OTA_FILE_NAME_MAX, n);
    if (!ota_utf8_valid(name, n))
        return ota_fail(e, OTA_E_VALIDATION, "files", "file name must be valid UTF-8");
    if (has_control(name, false))
        return ota_fail(e, OTA_E_VALIDATION, "files", "file name must not contain control characters");
    if (strchr(name, '/') || strchr(name, '\\') || !strcmp(name, "..") || !strcmp(name, "."))
        return ota_fail(e, OTA_E_VALIDATION, "files",
                        "\"%s\": a file name must not contain path parts ('/', '\\', '..')", name);
    for (size_t i = 0; ota_allowed_endings[i]; i++) {
        size_t k = strlen(ota_allowed_endings[i]);
        /* case-sensitive ending, with at least one character before it */
        if (n > k && !strcmp(name + n - k, ota_allowed_endings[i]))
            return 0;
    }
    return ota_fail(e, OTA_E_VALIDATION, "files", "\"%s\": file name must end in one of %s",
                    name, endings_text());
}

int ota_validate_file_size(const char *name, uint64_t size, ota_err *e)
{
    if (size > OTA_MAX_FILE_SIZE)
        return ota_fail(e, OTA_E_TOO_LARGE, "files",
                        "\"%s\": at most %llu bytes (100 MiB) per file (got %llu)", name,
                        (unsigned long long)OTA_MAX_FILE_SIZE, (unsigned long long)size);
    if (size == 0)
        return ota_fail(e, OTA_E_VALIDATION, "files", "\"%s\": a file must not be empty", name);
    return 0;
}

int ota_validate_file_count(size_t n, ota_err *e)
{
    if (n == 0)
        return ota_fail(e, OTA_E_VALIDATION, "files", "at least 1 file per package (got 0)");
    if (n > OTA_MAX_FILES) {
        char field[32];
        snprintf(field, sizeof field, "files[%d]", OTA_MAX_FILES);
        return ota_fail(e, OTA_E_VALIDATION, field, "at most %d files per package (got %zu)",
                        OTA_MAX_FILES, n);
    }
    return 0;
}

int ota_validate_package_meta(const ota_package_meta *m, ota_err *e)
{
    if (check_ident("component", m->component, e) < 0)
        return -1;
    if (m->kind != OTA_KIND_FULL && m->kind != OTA_KIND_DIFF)
        return ota_fail(e, OTA_E_VALIDATION, "kind", "must be full or diff");
    if (check_token("target_version", m->target_version, OTA_KEY_MAX, e) < 0)
        return -1;
    if (m->kind == OTA_KIND_FULL && m->source_version[0])
        return ota_fail(e, OTA_E_VALIDATION, "source_version",
                        "a full package has no source version (got \"%s\")", m->source_version);
    if (m->kind == OTA_KIND_DIFF) {
        if (!m->source_version[0])
            return ota_fail(e, OTA_E_VALIDATION, "source_version", "required for a diff package");
        if (check_token("source_version", m->source_version, OTA_KEY_MAX, e) < 0)
            return -1;
        if (!strcmp(m->source_version, m->target_version))
            return ota_fail(e, OTA_E_VALIDATION, "source_version",
                            "must differ from target_version (both \"%s\")", m->target_version);
    }
    return check_text("remark", m->remark, OTA_REMARK_MAX_CHARS, false, e);
}

int ota_validate_product(const ota_product *p, ota_err *e)
{
    if (check_ident("key", p->key, e) < 0)
        return -1;
    return check_text("name", p->name, OTA_NAME_MAX_CHARS, true, e);
}

int ota_validate_device_id(const char *id, ota_err *e)
{
    return check_token("id", id, OTA_DEVICE_ID_MAX, e);
}

/* Re-label a failure of a sub-check with an indexed field ("blacklist[3]"). */
static int refield(ota_err *e, const char *fmt, const char *list, size_t i, const char *sub)
{
    if (e) {
        char f[sizeof e->field];
        snprintf(f, sizeof f, fmt, list, i, sub);
        snprintf(e->field, sizeof e->field, "%s", f);
    }
    return -1;
}

static int check_device_list(const char *field, const ota_strlist *l, ota_err *e)
{
    for (size_t i = 0; i < l->n; i++)
        if (ota_validate_device_id(l->v[i], e) < 0)
            return refield(e, "%s[%zu]%s", field, i, "");
    return 0;
}

static int check_plan_components(const ota_plan *p, ota_err *e)
{
    if (p->ncomponents == 0)
        return ota_fail(e, OTA_E_VALIDATION, "components", "at least 1 component per plan (got 0)");
    if (p->ncomponents > OTA_MAX_COMPONENTS)
        return ota_fail(e, OTA_E_VALIDATION, "components", "at most %d components per plan (got %zu)",
                        OTA_MAX_COMPONENTS, p->ncomponents);
    for (size_t i = 0; i < p->ncomponents; i++) {
        const ota_plan_component *c = &p->components[i];
        if (check_ident("component", c->component, e) < 0)
            return refield(e, "%s[%zu].%s", "components", i, "component");
        for (size_t j = 0; j < i; j++)
            if (!strcmp(p->components[j].component, c->component))
                return ota_fail(e, OTA_E_VALIDATION, "components",
                                "each component at most once (\"%s\" at %zu and %zu)",
                                c->component, j, i);
        if (c->package_id <= 0) {
            ota_fail(e, OTA_E_VALIDATION, "", "a package is required for component \"%s\"",
                     c->component);
            return refield(e, "%s[%zu].%s", "components", i, "package_id");
        }
    }
    return 0;
}

/* ------------------------------------------- staged rollouts, maintenance */
static int check_percent(const char *field, int v, ota_err *e)
{
    if (v < 0 || v > 100)
        return ota_fail(e, OTA_E_VALIDATION, field, "between 0 and 100 %% (got %d)", v);
    return 0;
}

static int check_wave(const ota_rollout *r, size_t i, ota_err *e)
{
    const ota_wave_size *w = &r->waves[i];
    char f[48];
    snprintf(f, sizeof f, "rollout.waves[%zu].size", i);
    if (w->percent && (w->value <= 0 || w->value > 100))
        return ota_fail(e, OTA_E_VALIDATION, f, "a percentage is 0 < N <= 100 (got %lld%%)",
                        (long long)w->value);
    if (!w->percent && w->value < 1)
        return ota_fail(e, OTA_E_VALIDATION, f, "a device count is at least 1 (got %lld)",
                        (long long)w->value);
    /* a percentage and a count are not compared: which is larger depends on the fleet */
    for (size_t j = i; j-- > 0;)
        if (r->waves[j].percent == w->percent) {
            if (r->waves[j].value >= w->value)
                return ota_fail(e, OTA_E_VALIDATION, f,
                                "sizes strictly increase (wave %zu is %lld%s, wave %zu is %lld%s)", j,
                                (long long)r->waves[j].value, w->percent ? "%" : "", i,
                                (long long)w->value, w->percent ? "%" : "");
            break;
        }
    bool last = i + 1 == r->nwaves;
    if (last && !(w->percent && w->value == 100))
        return ota_fail(e, OTA_E_VALIDATION, f, "the last wave is \"100%%\"");
    return 0;
}

int ota_validate_rollout(const ota_rollout *r, ota_err *e)
{
    if (r->nwaves < 1 || r->nwaves > OTA_MAX_WAVES)
        return ota_fail(e, OTA_E_VALIDATION, "rollout.waves", "between 1 and %d waves (got %zu)",
                        OTA_MAX_WAVES, r->nwaves);
    for (size_t i = 0; i < r->nwaves; i++)
        if (check_wave(r, i, e) < 0)
            return -1;
    if (check_percent("rollout.success_threshold", r->success_threshold, e) < 0 ||
        check_percent("rollout.failure_threshold", r->failure_threshold, e) < 0)
        return -1;
    if (r->min_finished < 0)
        return ota_fail(e, OTA_E_VALIDATION, "rollout.min_finished", "at least 0 (got %lld)",
                        (long long)r->min_finished);
    if (r->soak_seconds < 0)
        return ota_fail(e, OTA_E_VALIDATION, "rollout.soak_seconds", "at least 0 (got %lld)",
                        (long long)r->soak_seconds);
    if (r->advance != OTA_ADVANCE_AUTO && r->advance != OTA_ADVANCE_MANUAL)
        return ota_fail(e, OTA_E_VALIDATION, "rollout.advance", "must be auto or manual");
    if (r->on_failure != OTA_ON_FAILURE_PAUSE && r->on_failure != OTA_ON_FAILURE_TERMINATE &&
        r->on_failure != OTA_ON_FAILURE_ROLLBACK)
        return ota_fail(e, OTA_E_VALIDATION, "rollout.on_failure", "must be pause, terminate or rollback");
    if (r->max_offers_per_minute < 0)
        return ota_fail(e, OTA_E_VALIDATION, "rollout.max_offers_per_minute", "at least 0 (got %lld)",
                        (long long)r->max_offers_per_minute);
    return 0;
}

/* The zone: an IANA name that tzdata knows (core/tz.c says why not). */
static int check_tz(const char *tz, ota_err *e)
{
    ota_tz *z = ota_tz_load(tz, e);
    if (!z)
        return -1;
    ota_tz_free(z);
    return 0;
}

int ota_validate_maintenance(const ota_maintenance *m, ota_err *e)
{
    if (check_tz(m->timezone, e) < 0)
        return -1;
    if (m->nwindows < 1 || m->nwindows > OTA_MAX_MW_WINDOWS)
        return ota_fail(e, OTA_E_VALIDATION, "maintenance.windows", "between 1 and %d windows (got %zu)",
                        OTA_MAX_MW_WINDOWS, m->nwindows);
    for (size_t i = 0; i < m->nwindows; i++) {
        const ota_mw_window *w = &m->windows[i];
        char f[48];
        if (!(w->days & OTA_DAYS_ALL) || (w->days & ~(unsigned)OTA_DAYS_ALL)) {
            snprintf(f, sizeof f, "maintenance.windows[%zu].days", i);
            return ota_fail(e, OTA_E_VALIDATION, f, "at least one day of mon..sun");
        }
        if (w->start < 0 || w->start > 1439) {
            snprintf(f, sizeof f, "maintenance.windows[%zu].start", i);
            return ota_fail(e, OTA_E_VALIDATION, f, "a time 00:00..23:59");
        }
        if (w->end < 0 || w->end > 1439) {
            snprintf(f, sizeof f, "maintenance.windows[%zu].end", i);
            return ota_fail(e, OTA_E_VALIDATION, f, "a time 00:00..23:59");
        }
    }
    return 0;
}

int ota_validate_plan(const ota_plan *p, ota_err *e)
{
    if (check_text("name", p->name, OTA_NAME_MAX_CHARS, true, e) < 0)
        return -1;
    if (check_ident("product", p->product, e) < 0)
        return -1;
    if (p->mode != OTA_MODE_CONFIRM && p->mode != OTA_MODE_SILENT)
        return ota_fail(e, OTA_E_VALIDATION, "mode", "must be confirm or silent");
    if (p->retries < 0 || p->retries > 10)
        return ota_fail(e, OTA_E_VALIDATION, "strategy.retries", "between 0 and 10 (got %d)",
                        p->retries);
    if (p->min_rsrp < OTA_RSRP_MIN || p->min_rsrp > OTA_RSRP_MAX)
        return ota_fail(e, OTA_E_VALIDATION, "strategy.min_rsrp", "between %d and %d dBm (got %d)",
                        OTA_RSRP_MIN, OTA_RSRP_MAX, p->min_rsrp);
    if (p->min_battery < OTA_BATTERY_MIN || p->min_battery > OTA_BATTERY_MAX)
        return ota_fail(e, OTA_E_VALIDATION, "strategy.min_battery", "between %d and %d %% (got %d)",
                        OTA_BATTERY_MIN, OTA_BATTERY_MAX, p->min_battery);
    if (p->window_start <= 0 || p->window_end <= 0)
        return ota_fail(e, OTA_E_VALIDATION, "window", "start and end are required");
    if (p->window_start >= p->window_end)
        return ota_fail(e, OTA_E_VALIDATION, "window", "start must be before end");
    if (p->job_timeout < 1 || p->job_timeout > 30 * 86400)
        return ota_fail(e, OTA_E_VALIDATION, "job_timeout",
                        "between 1 second and 30 days (got %lld)", (long long)p->job_timeout);
    if (p->required_signatures < 0 || p->required_signatures > OTA_SIG_MAX)
        return ota_fail(e, OTA_E_VALIDATION, "required_signatures", "between 0 and %d (got %d)", OTA_SIG_MAX,
                        p->required_signatures);
    if (p->retry_interval_seconds < 0 || p->retry_interval_seconds > OTA_RETRY_INTERVAL_MAX)
        return ota_fail(e, OTA_E_VALIDATION, "strategy.retry_interval_seconds",
                        "between 0 and %d seconds (30 days) (got %lld)", OTA_RETRY_INTERVAL_MAX,
                        (long long)p->retry_interval_seconds);
    if (p->has_rollout && ota_validate_rollout(&p->rollout, e) < 0)
        return -1;
    if (p->has_maintenance && ota_validate_maintenance(&p->maintenance, e) < 0)
        return -1;
    if (check_device_list("blacklist", &p->blacklist, e) < 0 ||
        check_device_list("whitelist", &p->whitelist, e) < 0)
        return -1;
    return check_plan_components(p, e);
}
