/* Signed packages: the canonical manifest byte for byte, key files (mode
 * 0600, refused when others can read them), signatures attached and
 * checked against a trusted folder (valid, untrusted, revoked, invalid
 * after tampering, wrong key), the plan policy at activation, and the
 * signatures in a device's job offer. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "fixture.h"

static ota_engine *eng;
static char dir[256], keys[300], trusted[300];
static ota_fake_clock fc = {.t = 1800000000};
static ota_err e;

static int64_t package(const char *component, const char *target, const char *content)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s-%s.bin", dir, component, target);
    FILE *f = fopen(path, "w");
    fputs(content, f);
    fclose(f);
    ota_package_meta m = {.kind = OTA_KIND_FULL};
    snprintf(m.component, sizeof m.component, "%s", component);
    snprintf(m.target_version, sizeof m.target_version, "%s", target);
    const char *paths[1] = {path};
    ota_package p;
    if (ota_package_create(eng, &m, paths, 1, &p, &e) < 0) {
        printf("# package: %s\n", e.message);
        return 0;
    }
    return p.id;
}

static void test_manifest(void)
{
    ota_package p = {.id = 9};
    strcpy(p.meta.component, "mod\"ule\\");
    p.meta.kind = OTA_KIND_DIFF;
    strcpy(p.meta.target_version, "1.2.0");
    strcpy(p.meta.source_version, "1.1.0");
    strcpy(p.meta.remark, "not signed");
    p.nfiles = 2;
    strcpy(p.files[0].name, "z\x01模组.bin");
    p.files[0].size = 104857600;
    memset(p.files[0].sha256, 'a', 64);
    strcpy(p.files[1].name, "app.tar.gz");
    memset(p.files[1].sha256, '0', 64);
    size_t len;
    char *m = ota_manifest(&p, &len);
    is_str(m, "{\"component\":\"mod\\\"ule\\\\\",\"files\":[{\"name\":\"app.tar.gz\",\"sha256\":\""
              "0000000000000000000000000000000000000000000000000000000000000000\",\"size\":0},"
              "{\"name\":\"z\\u0001模组.bin\",\"sha256\":\""
              "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"size\":104857600}],"
              "\"format\":\"otaconsole-manifest-v1\",\"kind\":\"diff\",\"source_version\":\"1.1.0\","
              "\"target_version\":\"1.2.0\"}",
           "manifest: sorted keys and files, no white space, escapes, UTF-8 as is, remark and id left out");
    is_int(len, strlen(m), "manifest length");
    free(m);
    p.meta.source_version[0] = 0;
    m = ota_manifest(&p, NULL);
    ok(m && strstr(m, "\"source_version\":null,"), "no source version is null");
    free(m);
}

static void test_keys(void)
{
    char sp[4096], pp[4096];
    ok_call(ota_key_generate("alice", keys, sp, pp, &e), &e, "key generate alice");
    struct stat st;
    ok(stat(sp, &st) == 0 && (st.st_mode & 0777) == 0600, "secret key file is mode 0600");
    ok(stat(pp, &st) == 0 && (st.st_mode & 0777) == 0644, "public key file is mode 0644");
    fails_with(ota_key_generate("alice", keys, sp, pp, &e), &e, OTA_E_CONFLICT, "a second alice is refused");
    fails_with(ota_key_generate("../evil", keys, sp, pp, &e), &e, OTA_E_VALIDATION, "a key name with a path");
    ok_call(ota_key_generate("bob", keys, sp, pp, &e), &e, "key generate bob");
    ok_call(ota_key_generate("carol", keys, sp, pp, &e), &e, "key generate carol");

    ota_sign_key k, pk;
    snprintf(sp, sizeof sp, "%s/alice.key", keys);
    ok_call(ota_key_load_secret(sp, &k, &e), &e, "load alice's secret key");
    snprintf(pp, sizeof pp, "%s/alice.pub", keys);
    ok_call(ota_key_load_public(pp, &pk, &e), &e, "load alice's public key");
    ok(!strcmp(k.key_id, pk.key_id) && !memcmp(k.pk, pk.pk, 32) && !strcmp(k.name, "alice"),
       "secret and public key agree (id %s)", k.key_id);
    ota_key_wipe(&k);

    chmod(sp, 0644);
    fails_with(ota_key_load_secret(sp, &k, &e), &e, OTA_E_FORBIDDEN, "a secret key file of mode 0644 is refused");
    ok(strstr(e.message, "chmod 600") != NULL, "the refusal says how to fix it: %s", e.message);
    chmod(sp, 0600);
    fails_with(ota_key_load_secret(pp, &k, &e), &e, OTA_E_FORBIDDEN, "a public key file is no secret key (0644)");
    char junk[400];
    snprintf(junk, sizeof junk, "%s/junk.key", keys);
    FILE *f = fopen(junk, "w");
    fputs("otaconsole-ed25519 secret junk AAAA\n", f);
    fclose(f);
    chmod(junk, 0600);
    fails_with(ota_key_load_secret(junk, &k, &e), &e, OTA_E_VALIDATION, "a damaged secret key file is refused");
}

static void trust(const char *name)
{
    char from[600], to[600];
    snprintf(from, sizeof from, "%s/%s.pub", keys, name);
    snprintf(to, sizeof to, "%s/%s.pub", trusted, name);
    FILE *in = fopen(from, "r"), *out = fopen(to, "w");
    int c;
    while ((c = fgetc(in)) != EOF)
        fputc(c, out);
    fclose(in);
    fclose(out);
}

static int sign_with(int64_t id, const char *name, ota_signature *sig)
{
    char sp[600];
    snprintf(sp, sizeof sp, "%s/%s.key", keys, name);
    ota_sign_key k;
    ota_package p;
    if (ota_key_load_secret(sp, &k, &e) < 0 || ota_package_get(eng, id, &p, &e) < 0 ||
        ota_package_sign_make(&p, &k, sig, &e) < 0)
        return -1;
    ota_key_wipe(&k);
    return ota_package_sign_add(eng, id, sig, NULL, &e);
}

static ota_trust_report check(int64_t id)
{
    ota_package p;
    ota_trust_report r = {0};
    if (ota_package_get(eng, id, &p, &e) < 0 || ota_package_check_signatures(&p, trusted, &r, &e) < 0)
        printf("# check: %s\n", e.message);
    return r;
}

static void test_signatures(void)
{
    int64_t id = package("module", "1.2.0", "firmware one\n");
    ota_signature sa, sb, sc;
    ok_call(sign_with(id, "alice", &sa), &e, "alice signs package %lld", (long long)id);
    ok_call(sign_with(id, "bob", &sb), &e, "bob signs too (several signatures)");
    fails_with(sign_with(id, "alice", &sa), &e, OTA_E_CONFLICT, "alice signing twice is a conflict");

    ota_package p;
    ok_call(ota_package_get(eng, id, &p, &e), &e, "get");
    ok(p.nsignatures == 2 && !strcmp(p.signatures[0].signer, "alice") && !strcmp(p.signatures[1].signer, "bob"),
       "the package carries both signatures");

    /* A signature of another package, or by a key other than the one sent. */
    int64_t other = package("module", "1.3.0", "firmware two\n");
    sc = sa;
    fails_with(ota_package_sign_add(eng, other, &sc, NULL, &e), &e, OTA_E_VALIDATION,
               "alice's signature of package %lld does not fit package %lld", (long long)id, (long long)other);
    sc = sb;
    snprintf(sc.public_key, sizeof sc.public_key, "%s", sa.public_key);
    fails_with(ota_package_sign_add(eng, other, &sc, NULL, &e), &e, OTA_E_VALIDATION,
               "a key id that is not the public key's is refused");
    sc = sa;
    sc.signature[10] = sc.signature[10] == 'A' ? 'B' : 'A';
    snprintf(sc.key_id, sizeof sc.key_id, "%s", sa.key_id);
    fails_with(ota_package_sign_add(eng, id + 100, &sc, NULL, &e), &e, OTA_E_NOT_FOUND, "no such package");

    ota_trust_report r = check(id);
    char buf[600];
    is_str(ota_trust_summary(&r, buf, sizeof buf), "untrusted", "with an empty trusted folder nobody is trusted");
    ok(r.n == 2 && r.sigs[0].status == OTA_SIG_UNTRUSTED && strstr(r.sigs[0].detail, "not in the trusted"),
       "untrusted: %s", r.sigs[0].detail);
    trust("alice");
    r = check(id);
    is_str(ota_trust_summary(&r, buf, sizeof buf), "signed", "alice trusted: signed");
    is_str(buf, "signed by alice", "says who signed");
    is_int(r.nvalid, 1, "one valid signature from a trusted key");
    trust("bob");
    r = check(id);
    ota_trust_summary(&r, buf, sizeof buf);
    is_str(buf, "signed by alice, bob", "both trusted");

    /* Revoked: bob's key file moved to revoked/. */
    char from[600], to[600];
    snprintf(from, sizeof from, "%s/bob.pub", trusted);
    snprintf(to, sizeof to, "%s/revoked/bob.pub", trusted);
    snprintf(buf, sizeof buf, "%s/revoked", trusted);
    mkdir(buf, 0700);
    ok(rename(from, to) == 0, "bob's key moved to revoked/");
    r = check(id);
    ok(r.sigs[1].status == OTA_SIG_REVOKED && strstr(r.sigs[1].detail, "revoked"), "revoked: %s", r.sigs[1].detail);
    is_str(ota_trust_summary(&r, buf, sizeof buf), "invalid", "a revoked signature makes the package invalid");
    is_int(r.nvalid, 1, "alice still counts");

    /* Wrong key: a signature under alice's key id made with carol's key. */
    int64_t w = package("module", "1.4.0", "firmware four\n");
    ota_signature sw;
    ok_call(sign_with(w, "carol", &sw), &e, "carol signs package %lld", (long long)w);
    char q[600];
    snprintf(q, sizeof q, "UPDATE package_signatures SET key_id='%s', signer='alice' WHERE package=%lld", sa.key_id,
             (long long)w);
    sql(eng, q);
    r = check(w);
    ok(r.n == 1 && r.sigs[0].status == OTA_SIG_INVALID && strstr(r.sigs[0].detail, "does not match"),
       "wrong key: %s", r.sigs[0].detail);

    /* Tampered manifest: the stored file hash changed after signing. */
    snprintf(q, sizeof q, "UPDATE package_files SET sha256='%064d' WHERE package=%lld", 0, (long long)id);
    sql(eng, q);
    r = check(id);
    ok(r.sigs[0].status == OTA_SIG_INVALID, "tampered manifest: alice's signature is invalid: %s", r.sigs[0].detail);
    is_int(r.nvalid, 0, "no valid signature left");
}

static void plan_of(ota_plan *p, int64_t pkg, int need)
{
    ota_plan_init(p);
    snprintf(p->name, sizeof p->name, "signed rollout");
    snprintf(p->product, sizeof p->product, "meter");
    p->window_start = fc.t + 60;
    p->window_end = fc.t + 86400;
    p->ncomponents = 1;
    snprintf(p->components[0].component, sizeof p->components[0].component, "module");
    p->components[0].package_id = pkg;
    p->required_signatures = need;
}

static void test_policy(void)
{
    ota_product pr = {.key = "meter", .name = "Meter"};
    char dk[65];
    ok_call(ota_product_add(eng, &pr, dk, &e), &e, "product");
    ota_engine_set_trusted_dir(eng, trusted);

    int64_t id = package("module", "2.0.0", "firmware five\n");
    ota_signature s;
    ok_call(sign_with(id, "carol", &s), &e, "carol (not trusted) signs package %lld", (long long)id);
    ota_plan p;
    plan_of(&p, id, OTA_SIG_MAX + 1);
    fails_with(ota_plan_create(eng, &p, &e), &e, OTA_E_VALIDATION, "required_signatures above %d", OTA_SIG_MAX);
    plan_of(&p, id, 1);
    ok_call(ota_plan_create(eng, &p, &e), &e, "plan requiring one signature");
    ota_plan g;
    ok_call(ota_plan_get(eng, p.id, &g, &e), &e, "get plan");
    is_int(g.required_signatures, 1, "required_signatures stored");
    ota_plan_free(&g);
    fails_with(ota_plan_transition(eng, p.id, OTA_ACT_ACTIVATE, NULL, &e), &e, OTA_E_VALIDATION,
               "activation refused: signed by an untrusted key");
    is_str(e.field, "required_signatures", "the error names the policy field");
    ok(strstr(e.message, "carol") && strstr(e.message, "not in the trusted"), "and says why: %s", e.message);

    /* Two required, one trusted signature. */
    ok_call(sign_with(id, "alice", &s), &e, "alice signs it too");
    p.required_signatures = 2;
    ok_call(ota_plan_update(eng, &p, &e), &e, "plan now requires two");
    fails_with(ota_plan_transition(eng, p.id, OTA_ACT_ACTIVATE, NULL, &e), &e, OTA_E_VALIDATION,
               "activation refused: one valid signature of two");
    ok(strstr(e.message, "has 1 valid signature from trusted keys, the plan requires 2") != NULL, "%s", e.message);
    trust("carol");
    ota_plan out;
    ok_call(ota_plan_transition(eng, p.id, OTA_ACT_ACTIVATE, &out, &e), &e, "carol trusted: the plan activates");
    ota_plan_free(&out);
    ota_plan_free(&p);

    /* The device's job carries the manifest's signatures. */
    ota_device d = {.id = "dev-1", .product = "meter", .nversions = 1};
    snprintf(d.versions[0].component, sizeof d.versions[0].component, "module");
    snprintf(d.versions[0].version, sizeof d.versions[0].version, "1.0.0");
    ok_call(ota_device_upsert(eng, "meter", &d, 1, NULL, &e), &e, "device");
    fc.t += 120;
    ota_checkin_req cr = {.device = "dev-1", .product = "meter", .nversions = 1};
    cr.versions[0] = d.versions[0];
    ota_job_offer *o = calloc(1, sizeof *o);
    ok_call(ota_checkin(eng, &cr, o, &e), &e, "check-in");
    ok(o->has_job && o->ncomponents == 1 && o->components[0].nsignatures == 2, "the offer carries 2 signatures");
    json_t *j = ota_json_offer(o);
    json_t *c = json_array_get(json_object_get(json_object_get(j, "job"), "components"), 0);
    ota_package pk;
    ota_package_get(eng, id, &pk, &e);
    char *m = ota_manifest(&pk, NULL);
    is_str(json_string_value(json_object_get(c, "manifest")), m, "the offer's manifest is the package's");
    is_int(json_array_size(json_object_get(c, "signatures")), 2, "offer JSON has the signatures");
    ota_job_offer *o2 = calloc(1, sizeof *o2);
    ok_call(ota_offer_from_json(j, o2, &e), &e, "offer decodes");
    char *m2 = ota_manifest_offer(&o2->components[0], NULL);
    is_str(m2, m, "a decoded offer rebuilds the same manifest");
    ok(!strcmp(o2->components[0].signatures[1].signature, pk.signatures[1].signature), "signature round trip");
    free(m);
    free(m2);

    /* Re-sent offers see a new signature (cache bumped by this engine) and
     * one removed by another connection (its commit seen within a few ms). */
    ok_call(sign_with(id, "bob", &s), &e, "bob signs after the first offer");
    ok_call(ota_checkin(eng, &cr, o, &e), &e, "check-in again");
    is_int(o->components[0].nsignatures, 3, "the re-sent offer carries bob's signature too");
    sql(eng, "DELETE FROM package_signatures WHERE signer='bob'");
    int tries = 0;
    do {  /* bounded polling: the other connection's commit is looked for once a millisecond */
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
        ota_checkin(eng, &cr, o, &e);
    } while (o->components[0].nsignatures != 2 && ++tries < 500);
    is_int(o->components[0].nsignatures, 2, "another connection's change reaches the offer");
    ota_job_offer_free(o);
    ota_job_offer_free(o2);
    free(o);
    free(o2);
    json_decref(j);
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s", tap_tmpdir());
    snprintf(keys, sizeof keys, "%s/keys", dir);
    snprintf(trusted, sizeof trusted, "%s/trusted", dir);
    mkdir(trusted, 0700);
    eng = fixture_engine(dir, &fc, "test");
    test_manifest();
    test_keys();
    test_signatures();
    test_policy();
    ota_engine_close(eng);
    return tap_done();
}
