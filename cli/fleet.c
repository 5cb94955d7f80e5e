/* Fleet generator: any number of devices with a fixed seed, written as the
 * device CSV that "device import" reads, so the same fleet can be loaded
 * into the local engine or pushed to a server through the backend.
 *
 * A device's row depends only on (seed, index): ids are <prefix>-NNNNNN,
 * each component's version is drawn by weight from the spec, RSRP is
 * mostly -65..-110 dBm with a weak tail, battery mostly healthy with ~12%
 * below 20%, so previews show deferrals. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "otactl.h"

/* splitmix64: tiny, fast, and the same on every platform */
uint64_t fleet_mix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

int fleet_parse_versions(const char *spec, fleet_comp *out, size_t *n, ota_err *e)
{
    *n = 0;
    char *dup = strdup(spec), *s1 = NULL;
    int rc = 0;
    for (char *comp = strtok_r(dup, ",", &s1); comp && rc == 0; comp = strtok_r(NULL, ",", &s1)) {
        char *eq = strchr(comp, '=');
        if (!eq || eq == comp || *n == FLEET_MAX_COMPONENTS || (size_t)(eq - comp) > OTA_KEY_MAX) {
            rc = ota_fail(e, OTA_E_BAD_REQUEST, "versions",
                          "\"%s\": expected COMPONENT=V[:WEIGHT]|V..., at most %d components", comp,
                          FLEET_MAX_COMPONENTS);
            break;
        }
        *eq = '\0';
        fleet_comp *fc = &out[(*n)++];
        memset(fc, 0, sizeof *fc);
        snprintf(fc->name, sizeof fc->name, "%s", comp);
        char *s2 = NULL;
        for (char *v = strtok_r(eq + 1, "|", &s2); v && rc == 0; v = strtok_r(NULL, "|", &s2)) {
            char *colon = strchr(v, ':');
            long w = 1;
            if (colon) {
                *colon = '\0';
                char *end;
                w = strtol(colon + 1, &end, 10);
                if (*end || w < 1 || w > 1000)
                    w = -1;
            }
            if (!*v || strlen(v) > OTA_KEY_MAX || w < 0 || fc->n == FLEET_MAX_VERSIONS) {
                rc = ota_fail(e, OTA_E_BAD_REQUEST, "versions", "%s: bad version \"%s\" (at most %d versions, "
                              "weights 1..1000)", fc->name, v, FLEET_MAX_VERSIONS);
                break;
            }
            snprintf(fc->versions[fc->n], sizeof fc->versions[0], "%s", v);
            fc->weights[fc->n++] = (int)w;
            fc->total += (int)w;
        }
        if (rc == 0 && !fc->n)
            rc = ota_fail(e, OTA_E_BAD_REQUEST, "versions", "%s: no versions given", fc->name);
    }
    free(dup);
    return rc;
}

static const char *pick(const fleet_comp *fc, uint64_t r)
{
    int x = (int)(r % (uint64_t)fc->total);
    for (int i = 0; i < fc->n; i++) {
        if (x < fc->weights[i])
            return fc->versions[i];
        x -= fc->weights[i];
    }
    return fc->versions[fc->n - 1];
}

int fleet_write_csv(FILE *f, const char *prefix, size_t n, uint64_t seed, const fleet_comp *comps,
                    size_t ncomps)
{
    fputs("id", f);
    for (size_t k = 0; k < ncomps; k++)
        fprintf(f, ",%s", comps[k].name);
    fputs(",rsrp,battery\n", f);
    for (size_t i = 0; i < n; i++) {
        uint64_t s = seed * 0x100000001b3ULL ^ (uint64_t)i * 0x9e3779b97f4a7c15ULL;
        fprintf(f, "%s-%06zu", prefix, i + 1);
        for (size_t k = 0; k < ncomps; k++)
            fprintf(f, ",%s", pick(&comps[k], fleet_mix(&s)));
        uint64_t r = fleet_mix(&s);
        int rsrp = -65 - (int)(r % 46);                 /* -65 .. -110 */
        if ((r >> 16) % 10 == 0)
            rsrp -= 5 + (int)((r >> 24) % 20);          /* a weak tail down to -134 */
        uint64_t q = fleet_mix(&s);
        int battery = q % 100 < 12 ? 3 + (int)((q >> 8) % 17) : 20 + (int)((q >> 8) % 81);
        fprintf(f, ",%d,%d\n", rsrp, battery);
    }
    return ferror(f) ? -1 : 0;
}

int fleet_import(ota_backend *b, const char *product, const char *prefix, size_t n, uint64_t seed,
                 const char *versions, ota_import_result *res, ota_err *e)
{
    fleet_comp comps[FLEET_MAX_COMPONENTS];
    size_t ncomps;
    if (fleet_parse_versions(versions, comps, &ncomps, e) < 0)
        return -1;
    const char *tmpdir = getenv("TMPDIR");
    char dir[PATH_MAX], path[PATH_MAX + 32];
    snprintf(dir, sizeof dir, "%s/otactl-fleet-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    if (!mkdtemp(dir))
        return ota_fail(e, OTA_E_IO, NULL, "cannot create a temporary folder: %s", strerror(errno));
    snprintf(path, sizeof path, "%s/fleet.csv", dir);
    FILE *f = fopen(path, "w");
    int rc = -1;
    if (!f)
        ota_fail(e, OTA_E_IO, NULL, "cannot write %s: %s", path, strerror(errno));
    else if (fleet_write_csv(f, prefix, n, seed, comps, ncomps) < 0 || fclose(f) != 0)
        ota_fail(e, OTA_E_IO, NULL, "cannot write %s", path);
    else
        rc = b->ops->device_import(b, product, path, res, e);
    unlink(path);
    rmdir(dir);
    return rc;
}

/* "EC600N-meter" -> "ec600n-meter": the default id prefix */
static void default_prefix(const char *product, char *out, size_t len)
{
    size_t i = 0;
    for (; product[i] && i + 1 < len && i < 40; i++) {
        char ch = product[i];
        out[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a')
               : ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-') ? ch : '-';
    }
    out[i] = '\0';
}

#define FLEET_DEFAULT_VERSIONS "module=1.0.0:3|1.1.0:6|1.2.0:1,mcu=2.0:4|2.1:6"

int cmd_fleet_generate(cli *c, int argc, char **argv)
{
    cli_opt opts[] = {OPT("seed", true), OPT("prefix", true), OPT("versions", true), OPT("out", true), OPT_END};
    char *pos[2];
    int n;
    long count, seed = 1;
    if (cli_args(c, argc, argv, opts, pos, &n, 2, 2) < 0 ||
        cli_parse_int(c, pos[1], "N", 1, 10000000, &count) < 0 ||
        (opts[0].set && cli_parse_int(c, opts[0].val, "--seed", 0, LONG_MAX, &seed) < 0))
        return CLI_USAGE;
    char prefix[48];
    if (opts[1].set) {
        if (!*opts[1].val || strlen(opts[1].val) > 40)
            return cli_usage(c, "--prefix: 1 to 40 characters");
        snprintf(prefix, sizeof prefix, "%s", opts[1].val);
    } else {
        default_prefix(pos[0], prefix, sizeof prefix);
    }
    const char *versions = opts[2].set ? opts[2].val : FLEET_DEFAULT_VERSIONS;
    ota_err e = {0};
    if (opts[3].set) {  /* only write the CSV */
        fleet_comp comps[FLEET_MAX_COMPONENTS];
        size_t ncomps;
        if (fleet_parse_versions(versions, comps, &ncomps, &e) < 0)
            return cli_fail(&e);
        FILE *f = fopen(opts[3].val, "w");
        if (!f)
            return cli_refuse(OTA_E_IO, "out", "cannot write %s: %s", opts[3].val, strerror(errno));
        int bad = fleet_write_csv(f, prefix, (size_t)count, (uint64_t)seed, comps, ncomps) < 0;
        if (fclose(f) != 0 || bad)
            return cli_refuse(OTA_E_IO, "out", "cannot write %s", opts[3].val);
        printf("wrote %ld devices to %s\n", count, opts[3].val);
        return CLI_OK;
    }
    ota_backend *b = cli_backend(c);
    if (!b)
        return CLI_REFUSED;
    ota_engine *eng = ota_backend_local_engine(b);
    if (eng && !opts[1].set && !opts[2].set) {
        /* the engine's own generator: dev-NNNNNN, one transaction, fastest */
        if (ota_fleet_generate(eng, pos[0], count, (uint64_t)seed, &e) < 0)
            return cli_fail(&e);
        if (c->json)
            cli_print_json(json_pack("{s:s, s:I, s:I}", "product", pos[0], "devices", (json_int_t)count,
                                     "seed", (json_int_t)seed));
        else
            printf("generated %ld devices for %s (dev-000001 ..., seed %ld)\n", count, pos[0], seed);
        return CLI_OK;
    }
    ota_import_result r = {0};
    if (fleet_import(b, pos[0], prefix, (size_t)count, (uint64_t)seed, versions, &r, &e) < 0)
        return cli_fail(&e);
    if (c->json)
        cli_print_json(ota_json_import_result(&r));
    else
        printf("generated %ld devices for %s (%s-000001 ..., seed %ld): %zu added, %zu updated\n", count, pos[0],
               prefix, seed, r.added, r.updated);
    return CLI_OK;
}
