/* Crash consistency under SIGKILL.
 *
 * otad: device check-ins and reports from two client threads and package
 * uploads from a third are in flight when otad is killed with SIGKILL at a
 * seeded random moment; it is restarted and the next round begins.  After
 * every kill, with otad down, the database and blob folder must show:
 *   - PRAGMA integrity_check = ok;
 *   - every check-in, report and upload that got a 2xx before the kill;
 *   - no half-written blob (every stored blob hashes to its name) and no
 *     package file row without its blob (right size, right hash);
 *   - plan counts equal to the job rows they count.
 * otactl sim (the local engine) gets the same: killed mid-run again and
 * again, its committed progress never goes back and the counts hold.
 *
 * CRASH_KILLS (default 20) and CRASH_SEED (default 1) set the rounds. */
#include <pthread.h>
#include <sodium.h>
#include "../hostile/harness.h"
#include "../tap.h"

static hx_otad srv;
static char dir[512], db[700], blobs[700];
static char t_admin[256], t_oper[256], dkey[128];
static volatile int stop;
static int round_no;

static uint64_t rng_state;
static uint32_t rng(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33);
}

/* ------------------------------------------------------- acknowledgements */
enum ack_kind { ACK_CHECKIN, ACK_REPORT, ACK_UPLOAD };
typedef struct ack {
    enum ack_kind kind;
    char device[64];
    long id;              /* job or package id */
    int state;            /* job state acknowledged (ota_job_state order) */
    char sha256[65];
    long size;
} ack;

static pthread_mutex_t ack_mu = PTHREAD_MUTEX_INITIALIZER;
static ack *acks;
static size_t nacks, cap_acks;

static void ack_add(const ack *a)
{
    pthread_mutex_lock(&ack_mu);
    if (nacks == cap_acks) {
        cap_acks = cap_acks ? cap_acks * 2 : 1024;
        acks = realloc(acks, cap_acks * sizeof *acks);
    }
    acks[nacks++] = *a;
    pthread_mutex_unlock(&ack_mu);
}

/* ---------------------------------------------------------------- load */
static int post_json(const char *path, const char *hdr, const char *body, json_t **out)
{
    hx_resp r;
    hx_request(srv.port, "POST", path, hdr, body, strlen(body), 5000, &r);
    int st = r.status;
    if (out)
        *out = hx_json(&r);
    hx_resp_free(&r);
    return st;
}

static void *device_loop(void *arg)
{
    long t = (long)arg;
    char hdr[300];
    snprintf(hdr, sizeof hdr, "X-Device-Key: %s\r\nContent-Type: application/json\r\n", dkey);
    static const char *const steps[] = {"downloading", "installing", "succeeded"};
    for (long i = 0; !stop; i++) {
        ack a = {.kind = ACK_CHECKIN};
        snprintf(a.device, sizeof a.device, "ck-%d-%ld-%ld", round_no, t, i);
        char body[300];
        snprintf(body, sizeof body,
                 "{\"device\":\"%s\",\"product\":\"crash-meter\",\"versions\":{\"module\":\"1.0.0\"},"
                 "\"rsrp\":-80,\"battery\":90}", a.device);
        json_t *j;
        if (post_json("/api/v1/device/checkin", hdr, body, &j) != 200) {
            json_decref(j);
            continue;
        }
        ack_add(&a);
        long job = (long)json_integer_value(json_object_get(json_object_get(j, "job"), "id"));
        json_decref(j);
        for (int s = 0; job > 0 && s < 3 && !stop; s++) {
            char path[100];
            snprintf(path, sizeof path, "/api/v1/device/jobs/%ld/report", job);
            snprintf(body, sizeof body, "{\"state\":\"%s\",\"progress\":%d}", steps[s], s == 0 ? 10 : 100);
            if (post_json(path, hdr, body, NULL) != 200)
                break;
            ack r = {.kind = ACK_REPORT, .id = job, .state = 3 + s};
            snprintf(r.device, sizeof r.device, "%s", a.device);
            ack_add(&r);
        }
    }
    return NULL;
}

static void *upload_loop(void *arg)
{
    (void)arg;
    char hdr[400];
    snprintf(hdr, sizeof hdr, "Authorization: Bearer %s\r\nContent-Type: multipart/form-data; boundary=CB\r\n", t_oper);
    unsigned seed = (unsigned)round_no * 7919u;
    for (long i = 0; !stop; i++) {
        size_t fsz = 1024 + (size_t)(rand_r(&seed) % (256 * 1024));
        unsigned char *file = malloc(fsz);
        for (size_t k = 0; k < fsz; k++)
            file[k] = (unsigned char)rand_r(&seed);
        size_t cap = fsz + 1024;
        char *body = malloc(cap);
        int n = snprintf(body, cap,
                         "--CB\r\nContent-Disposition: form-data; name=\"meta\"\r\n\r\n"
                         "{\"component\":\"app\",\"kind\":\"full\",\"target_version\":\"%d.%ld\"}\r\n"
                         "--CB\r\nContent-Disposition: form-data; name=\"file\"; filename=\"app.bin\"\r\n\r\n",
                         round_no, i);
        memcpy(body + n, file, fsz);
        n += (int)fsz;
        n += snprintf(body + n, cap - (size_t)n, "\r\n--CB--\r\n");
        hx_resp r;
        hx_request(srv.port, "POST", "/api/v1/packages", hdr, body, (size_t)n, 10000, &r);
        if (r.status == 201) {
            json_t *j = hx_json(&r);
            ack a = {.kind = ACK_UPLOAD, .id = (long)json_integer_value(json_object_get(j, "id")), .size = (long)fsz};
            unsigned char d[crypto_hash_sha256_BYTES];
            crypto_hash_sha256(d, file, fsz);
            sodium_bin2hex(a.sha256, sizeof a.sha256, d, sizeof d);
            ack_add(&a);
            json_decref(j);
        }
        hx_resp_free(&r);
        free(body);
        free(file);
    }
    return NULL;
}

/* ------------------------------------------------------------- checks */
static long q_long(sqlite3 *h, const char *sql, const char *arg, long id)
{
    sqlite3_stmt *st;
    long v = -1;
    if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
        return -2;
    if (arg)
        sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* The blob at its content address exists, has size bytes, hashes to sha. */
static bool blob_ok(const char *sha, long size)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%.2s/%s", blobs, sha, sha + 2);
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    crypto_hash_sha256_state s;
    crypto_hash_sha256_init(&s);
    unsigned char buf[65536];
    size_t k;
    long total = 0;
    while ((k = fread(buf, 1, sizeof buf, f)) > 0) {
        crypto_hash_sha256_update(&s, buf, k);
        total += (long)k;
    }
    fclose(f);
    unsigned char d[crypto_hash_sha256_BYTES];
    char hex[65];
    crypto_hash_sha256_final(&s, d);
    sodium_bin2hex(hex, sizeof hex, d, sizeof d);
    return total == size && !strcmp(hex, sha);
}

/* Every file at a content address hashes to its address. */
static long bad_blobs, blob_count;
static int blob_visit(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
    (void)f;
    if (flag != FTW_F || strstr(p + strlen(blobs), "/tmp/"))
        return 0;
    const char *name = p + strlen(blobs) + 1;  /* "ab/cdef..." */
    char sha[80];
    if (strlen(name) != 65 || name[2] != '/') {
        bad_blobs++;
        return 0;
    }
    snprintf(sha, sizeof sha, "%.2s%s", name, name + 3);
    blob_count++;
    if (!blob_ok(sha, (long)sb->st_size))
        bad_blobs++;
    return 0;
}

static long count_tmp(void)
{
    char tmp[800];
    snprintf(tmp, sizeof tmp, "%s/tmp", blobs);
    long n = 0;
    hx_tree_print(tmp, &n);
    return n;
}

static const char *counts_sql[] = {
    "SELECT count(*) FROM plan_counts pc WHERE pc.n != "
    "(SELECT count(*) FROM jobs j WHERE j.plan = pc.plan AND j.state = pc.state)",
    "SELECT count(*) FROM (SELECT plan, state, count(*) AS n FROM jobs GROUP BY plan, state) g "
    "WHERE g.n != coalesce((SELECT n FROM plan_counts pc WHERE pc.plan = g.plan AND pc.state = g.state), 0)",
};

/* Integrity and plan counts of a database; why gets the first problem. */
static bool db_consistent(const char *path, char *why, size_t len)
{
    sqlite3 *h;
    if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        snprintf(why, len, "cannot open %s", path);
        sqlite3_close(h);
        return false;
    }
    bool ok = true;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        const char *r = (const char *)sqlite3_column_text(st, 0);
        if (strcmp(r, "ok")) {
            snprintf(why, len, "integrity_check: %s", r);
            ok = false;
        }
    } else {
        snprintf(why, len, "integrity_check did not run: %s", sqlite3_errmsg(h));
        ok = false;
    }
    sqlite3_finalize(st);
    for (int i = 0; ok && i < 2; i++) {
        long bad = q_long(h, counts_sql[i], NULL, 0);
        if (bad != 0) {
            snprintf(why, len, "%ld plan count rows disagree with the job rows", bad);
            ok = false;
        }
    }
    sqlite3_close(h);
    return ok;
}

static void check_after_kill(int k)
{
    char why[512] = "";
    ok(db_consistent(db, why, sizeof why), "kill %d: integrity_check ok, plan counts = job rows %s", k, why);
    sqlite3 *h;
    sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL);
    long missing_ci = 0, missing_rep = 0, missing_up = 0, n_ci = 0, n_rep = 0, n_up = 0;
    for (size_t i = 0; i < nacks; i++) {
        const ack *a = &acks[i];
        if (a->kind == ACK_CHECKIN) {
            n_ci++;
            if (q_long(h, "SELECT count(*) FROM devices WHERE device_id = ?", a->device, 0) != 1)
                missing_ci++;
        } else if (a->kind == ACK_REPORT) {
            n_rep++;
            long st = q_long(h, "SELECT state FROM jobs WHERE id = ?", NULL, a->id);
            /* downloading(3) < installing(4) < succeeded(5) */
            if (st < a->state || st > 6)
                missing_rep++;
        } else {
            n_up++;
            char sql[200];
            snprintf(sql, sizeof sql, "SELECT count(*) FROM package_files WHERE package = ? AND sha256 = '%s' AND size = %ld",
                     a->sha256, a->size);
            if (q_long(h, sql, NULL, a->id) != 1 || !blob_ok(a->sha256, a->size))
                missing_up++;
        }
    }
    /* every package file row has its blob */
    sqlite3_stmt *st;
    long rows = 0, orphans = 0;
    sqlite3_prepare_v2(h, "SELECT sha256, size FROM package_files", -1, &st, NULL);
    while (sqlite3_step(st) == SQLITE_ROW) {
        rows++;
        if (!blob_ok((const char *)sqlite3_column_text(st, 0), (long)sqlite3_column_int64(st, 1)))
            orphans++;
    }
    sqlite3_finalize(st);
    long empty_pkgs = q_long(h, "SELECT count(*) FROM packages p WHERE NOT EXISTS "
                                "(SELECT 1 FROM package_files f WHERE f.package = p.id) AND ? = 0", NULL, 0);
    sqlite3_close(h);
    ok(missing_ci == 0 && missing_rep == 0 && missing_up == 0,
       "kill %d: every acknowledged write is there (%ld check-ins, %ld reports, %ld uploads; missing %ld/%ld/%ld)", k,
       n_ci, n_rep, n_up, missing_ci, missing_rep, missing_up);
    bad_blobs = blob_count = 0;
    nftw(blobs, blob_visit, 16, FTW_PHYS);
    ok(bad_blobs == 0 && orphans == 0 && empty_pkgs == 0,
       "kill %d: %ld blobs all whole, %ld file rows all backed, no package without files (bad %ld, orphans %ld, "
       "empty %ld; %ld temporary files left)", k, blob_count, rows, bad_blobs, orphans, empty_pkgs, count_tmp());
}

/* ---------------------------------------------------------------- otad */
static int setup(void)
{
    snprintf(dir, sizeof dir, "%s", tap_tmpdir());  /* removed at exit, also when stopped */
    snprintf(db, sizeof db, "%s/ota.db", dir);
    snprintf(blobs, sizeof blobs, "%s/blobs", dir);
    snprintf(srv.bin, sizeof srv.bin, "%s/server/otad", hx_builddir());
    snprintf(srv.conf, sizeof srv.conf, "%s/otad.conf", dir);
    snprintf(srv.log, sizeof srv.log, "%s/otad.log", dir);
    FILE *f = fopen(srv.conf, "w");
    if (!f)
        return -1;
    fprintf(f, "listen = 127.0.0.1:0\ndb = %s\nblobs = %s\nlog_level = info\nconn_timeout = 5\n", db, blobs);
    fclose(f);
    if (hx_token(srv.bin, srv.conf, "admin", "c-admin", t_admin, sizeof t_admin) ||
        hx_token(srv.bin, srv.conf, "operator", "c-oper", t_oper, sizeof t_oper) || hx_otad_start(&srv) < 0)
        return -1;
    char hdr[400], body[2048];
    snprintf(hdr, sizeof hdr, "Authorization: Bearer %s\r\nContent-Type: application/json\r\n", t_admin);
    json_t *j;
    if (post_json("/api/v1/products", hdr, "{\"key\":\"crash-meter\",\"name\":\"Crash meter\"}", &j) != 201)
        return -1;
    snprintf(dkey, sizeof dkey, "%s", json_string_value(json_object_get(j, "device_key")) ?: "");
    json_decref(j);
    /* a module package and an active silent plan that offers it to everyone */
    snprintf(hdr, sizeof hdr, "Authorization: Bearer %s\r\nContent-Type: multipart/form-data; boundary=CB\r\n", t_oper);
    const char *up = "--CB\r\nContent-Disposition: form-data; name=\"meta\"\r\n\r\n"
                     "{\"component\":\"module\",\"kind\":\"full\",\"target_version\":\"2.0.0\"}\r\n"
                     "--CB\r\nContent-Disposition: form-data; name=\"file\"; filename=\"fw.bin\"\r\n\r\n"
                     "firmware bytes\r\n--CB--\r\n";
    if (post_json("/api/v1/packages", hdr, up, &j) != 201)
        return -1;
    long pkg = (long)json_integer_value(json_object_get(j, "id"));
    json_decref(j);
    snprintf(hdr, sizeof hdr, "Authorization: Bearer %s\r\nContent-Type: application/json\r\n", t_oper);
    snprintf(body, sizeof body,
             "{\"name\":\"crash\",\"product\":\"crash-meter\",\"mode\":\"silent\","
             "\"window\":{\"start\":\"2020-01-01T00:00:00Z\",\"end\":\"2099-01-01T00:00:00Z\"},"
             "\"components\":[{\"component\":\"module\",\"package_id\":%ld}]}", pkg);
    if (post_json("/api/v1/plans", hdr, body, &j) != 201)
        return -1;
    long plan = (long)json_integer_value(json_object_get(j, "id"));
    json_decref(j);
    char path[100];
    snprintf(path, sizeof path, "/api/v1/plans/%ld/activate", plan);
    snprintf(hdr, sizeof hdr, "Authorization: Bearer %s\r\n", t_oper);
    hx_resp r;
    hx_request(srv.port, "POST", path, hdr, NULL, 0, 5000, &r);
    int st = r.status;
    hx_resp_free(&r);
    return st == 200 ? 0 : -1;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void otad_rounds(int kills)
{
    for (int k = 1; k <= kills; k++) {
        round_no = k;
        stop = 0;
        pthread_t th[3];
        pthread_create(&th[0], NULL, device_loop, (void *)1L);
        pthread_create(&th[1], NULL, device_loop, (void *)2L);
        pthread_create(&th[2], NULL, upload_loop, NULL);
        /* The kill lands at a seeded moment after this round's first
         * acknowledged write (waited for, bounded): here time is the input
         * that puts the kill at unpredictable places in the work. */
        size_t before = nacks;
        for (int64_t t0 = hx_ms(); nacks == before && hx_ms() - t0 < 20000;)
            sleep_ms(2);
        sleep_ms((long)(rng() % 400));
        hx_otad_stop(&srv, SIGKILL);
        stop = 1;
        for (int i = 0; i < 3; i++)
            pthread_join(th[i], NULL);
        check_after_kill(k);
        if (hx_otad_start(&srv) < 0 || !hx_healthy(srv.port)) {
            ok(0, "kill %d: otad restarts", k);
            return;
        }
    }
    ok(1, "otad restarted and answered /healthz after each of %d kills", kills);
}

/* ------------------------------------------------------------ otactl sim */
static long sim_progress(const char *path)
{
    sqlite3 *h;
    sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL);
    long v = q_long(h, "SELECT count(*) + ? FROM events", NULL, 0);
    sqlite3_close(h);
    return v;
}

static void sim_rounds(int kills)
{
    char sdb[800], cmd[2400], otactl[1100];
    snprintf(sdb, sizeof sdb, "%s/sim.db", dir);
    snprintf(otactl, sizeof otactl, "%s/cli/otactl", hx_builddir());
    snprintf(cmd, sizeof cmd, "'%s' --db '%s' demo seed --devices 3000 >/dev/null 2>&1", otactl, sdb);
    if (!ok(system(cmd) == 0, "otactl demo seed: a local engine with 3,000 devices and plans in every state"))
        return;
    long last = sim_progress(sdb), advanced = 0;
    for (int k = 1; k <= kills; k++) {
        pid_t pid = fork();
        if (pid == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);  /* never outlives the test */
            int nul = open("/dev/null", O_RDWR);
            dup2(nul, 1);
            dup2(nul, 2);
            char seed[32];
            snprintf(seed, sizeof seed, "%d", k);
            execl(otactl, otactl, "--db", sdb, "sim", "--ticks", "100000", "--rate", "0.2",
                  "--seed", seed, "--quiet", (char *)NULL);
            _exit(127);
        }
        tap_child(pid, 1);
        /* after its first commit of this run (waited for, bounded), at a
         * seeded moment */
        for (int64_t t0 = hx_ms(); sim_progress(sdb) == last && hx_ms() - t0 < 30000;)
            sleep_ms(5);
        sleep_ms((long)(rng() % 300));
        kill(pid, SIGKILL);
        int st;
        waitpid(pid, &st, 0);
        tap_child(pid, 0);
        char why[512] = "";
        long now = sim_progress(sdb);
        bool consistent = db_consistent(sdb, why, sizeof why);
        ok(consistent && now >= last, "sim kill %d: integrity ok, plan counts = job rows, committed events kept "
           "(%ld -> %ld) %s", k, last, now, why);
        if (now > last)
            advanced++;
        last = now;
    }
    ok(advanced > 0, "the simulator made progress between kills (%ld of %d rounds)", advanced, kills);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    if (sodium_init() < 0)
        return 99;
    const char *ks = getenv("CRASH_KILLS"), *ss = getenv("CRASH_SEED");
    int kills = ks && atoi(ks) > 0 ? atoi(ks) : 20;
    rng_state = ss ? strtoull(ss, NULL, 10) : 1;
    printf("# seed %llu, %d kills (CRASH_SEED, CRASH_KILLS)\n", (unsigned long long)rng_state, kills);
    int rc = setup();
    if (!ok(rc == 0, "otad up with a product, a package and an active plan on port %d", srv.port)) {
        char cmd[1200];
        snprintf(cmd, sizeof cmd, "tail -20 '%s' | sed 's/^/#   /'", srv.log);
        if (system(cmd) != 0) {}
        hx_otad_stop(&srv, SIGKILL);
        return tap_done();
    }
    otad_rounds(kills);
    hx_otad_stop(&srv, SIGTERM);
    sim_rounds(kills);
    free(acks);
    hx_rmrf(dir);
    return tap_done();
}
