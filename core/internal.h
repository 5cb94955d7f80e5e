/* Private to core/: the engine struct and the hooks core modules call in
 * each other.  Persistent state is read and written only through the store
 * layer (core/store.h); nothing outside core/store/ sees SQL or sqlite3. */
#ifndef OTA_INTERNAL_H
#define OTA_INTERNAL_H

#include <limits.h>
#include <pthread.h>
#include "ota.h"

#define OTA_SCHEMA_VERSION_MAX 64

struct ota_rollout;  /* the rollout engine's in-memory caches (rollout.h) */
struct store;        /* core/store/: the connection and its transaction stack */

struct ota_engine {
    struct store *store;
    char db_path[PATH_MAX];
    char blob_dir[PATH_MAX + 8];
    ota_clock clock;
    char actor[128];
    pthread_mutex_t mu;        /* recursive: public calls may nest */
    struct ota_rollout *rollout;
    char trusted_dir[PATH_MAX];  /* sign.c: "" = ota_trusted_dir_default() */
    struct sign_cache *sigcache; /* sign.c: packages' signatures for re-sent offers */
    struct key_cache *keycache;  /* products.c: device key hashes for check-ins */
    struct tok_cache *tokcache;  /* devauth.c: device tokens' hashes for device requests */
};

#define ENGINE_LOCK(eng)   pthread_mutex_lock(&(eng)->mu)
#define ENGINE_UNLOCK(eng) pthread_mutex_unlock(&(eng)->mu)

/* Rollout hooks (rollout_cache.c): called by plans.c when a plan changes. */
void rollout_invalidate(ota_engine *eng, int64_t plan_id);
void rollout_free(ota_engine *eng);

/* Audit (audit.c): one row per operator action at the public call, with
 * the outcome: "ok", or the error code and message of a refusal (rc < 0).
 * target is printf-formatted.  Never fails the action it records. */
void audit_note(ota_engine *eng, const char *action, int rc, const ota_err *e, const char *detail,
                const char *target_fmt, ...) __attribute__((format(printf, 6, 7)));
/* Plan transitions (rollout_transition.c calls it from ota_plan_transition). */
void audit_plan_action(ota_engine *eng, int64_t plan, ota_action a, int rc, const ota_err *e);
/* The engine's own decision about a plan (the rollout's brake), actor
 * "otad" in otad (a service's engine actor), "local:engine" on a local
 * engine; written inside the decision's transaction (it goes with it). */
void audit_engine_plan(ota_engine *eng, const char *action, const char *detail, int64_t plan);

/* Signatures (sign.c). */
/* Activation policy: every package of plan has plan->required_signatures
 * valid signatures from distinct trusted keys; else validation_failed. */
int sign_check_plan(ota_engine *eng, const ota_plan *plan, ota_err *e);
/* Loads p->signatures (caller holds the lock). */
int sign_load(ota_engine *eng, ota_package *p, ota_err *e);
/* Fills each offered component's signatures (checkin.c). */
int sign_offer_attach(ota_engine *eng, ota_job_offer *o, ota_err *e);
/* The signature cache: bump after a signature or a package goes; free at close. */
void sign_cache_bump(ota_engine *eng);
void sign_free(ota_engine *eng);
/* Products (products.c): the device key cache goes at close. */
void products_free(ota_engine *eng);
/* A product as device requests check it (products.c, from its cache):
 * products_auth_get gives 1 (and *out) for a known product, 0 otherwise;
 * products_key_ok compares a presented key in constant time;
 * products_forget drops product's entry once this engine changed it. */
typedef struct product_auth {
    unsigned char key_hash[32];   /* BLAKE2b-256 of the device key */
    ota_device_auth mode;
    bool closed;                  /* enrollment closed */
} product_auth;
int  products_auth_get(ota_engine *eng, const char *product, product_auth *out);
bool products_key_ok(const product_auth *a, const char *key);
void products_forget(ota_engine *eng, const char *product);
/* Device identity (devauth.c): its token cache goes at close. */
void devauth_free(ota_engine *eng);

/* Device files (devfile.c).  The ids one import has seen, with where each
 * was (index or line): a device listed twice is refused, since which row
 * was meant is anyone's guess.  Zero-initialise; free with devfile_ids_free. */
typedef struct devfile_ids {
    struct idslot { char *id; long where; } *slot;
    size_t cap, n;
} devfile_ids;
/* Refuses the second listing of id; what names the place ("devices[%ld]"
 * or "line %ld", given where), field the field to blame. */
int devfile_ids_check(devfile_ids *s, const char *id, long where, const char *what, const char *field,
                      ota_err *e);
void devfile_ids_free(devfile_ids *s);
/* Prefix a device failure with its position ("devices[3].id"); returns -1. */
int devfile_refield(ota_err *e, size_t i);

/* blob.c: remove temp files of uploads whose writer died. */
void blob_sweep_tmp(ota_engine *eng);
/* blob.c: the rest of fd (what names it in errors) into w, read straight
 * into the writer's ring; the temp file is pre-sized to fd's size. */
int blob_write_fd(ota_blob_writer *w, int fd, const char *what, ota_err *e);

/* tz.c: the tzdata folder, $TZDIR or /usr/share/zoneinfo. */
const char *tz_dir(void);

/* mkdir -p */
int ota_mkdirs(const char *path, ota_err *e);

#endif
