/* The backend interface: the seam between the front ends (otaconsole,
 * otactl) and an engine.  Two implementations: local (core, on disk) and
 * remote (otad over HTTP with libcurl).  A front end cannot tell them apart:
 * same calls, same results, same ota_err codes.
 *
 * The calls are blocking.  The console never calls them on its event-loop
 * thread; it goes through client/async.h, which runs them on a worker.
 */
#ifndef OTA_BACKEND_H
#define OTA_BACKEND_H

#include "ota.h"

typedef struct ota_backend ota_backend;

/* Every backend operation, once: X(name, local, params, args).
 *   name    the op; the local backend runs core's ota_<name> with the same
 *           arguments (local CORE) or does work of its own (local OWN);
 *   params  its parameters after the backend, args the same names.
 * The vtable below, both backends and the console's worker are made from
 * this list, so an operation has one name everywhere. */
#define OTA_UNPAREN(...) __VA_ARGS__
#define OTA_BACKEND_OPS(X) \
    X(product_add, CORE, (const ota_product *p, char *device_key_out, ota_err *e), \
      (p, device_key_out, e)) \
    X(product_list_all, CORE, (ota_product_list *out, ota_err *e), (out, e)) \
    X(device_import, CORE, (const char *product, const char *path, ota_import_result *res, \
                            ota_err *e), (product, path, res, e)) \
    X(device_list, CORE, (const char *product, const char *q, const ota_page_req *pg, \
                          ota_device_page *out, ota_err *e), (product, q, pg, out, e)) \
    /* One device of product, with the attributes its agent reported \
     * (hawkBit configData keys other than telemetry and versions): *attrs \
     * (unless attrs is NULL) receives a new reference to a JSON object of \
     * strings, {} when none.  not_found when the product has no such device. */ \
    X(device_detail, CORE, (const char *product, const char *id, ota_device *out, json_t **attrs, \
                            ota_err *e), (product, id, out, attrs, e)) \
    X(package_create, CORE, (const ota_package_meta *m, const char *const *paths, size_t npaths, \
                             ota_package *out, ota_err *e), (m, paths, npaths, out, e)) \
    X(package_get, CORE, (int64_t id, ota_package *out, ota_err *e), (id, out, e)) \
    X(package_list, CORE, (const char *component, const ota_page_req *pg, ota_package_page *out, \
                           ota_err *e), (component, pg, out, e)) \
    X(package_verify, CORE, (int64_t id, ota_verify_result *out, ota_err *e), (id, out, e)) \
    X(package_delete, CORE, (int64_t id, ota_err *e), (id, e)) \
    /* Saves the file's bytes to dest_path, verified against its SHA-256; \
     * a mismatch leaves nothing at dest_path. */ \
    X(package_download, OWN, (int64_t id, const char *file_name, const char *dest_path, \
                              ota_err *e), (id, file_name, dest_path, e)) \
    X(plan_create, CORE, (ota_plan *p, ota_err *e), (p, e)) \
    X(plan_get, CORE, (int64_t id, ota_plan *out, ota_err *e), (id, out, e)) \
    X(plan_list, CORE, (int state, const char *product, const ota_page_req *pg, \
                        ota_plan_page *out, ota_err *e), (state, product, pg, out, e)) \
    X(plan_update, CORE, (ota_plan *p, ota_err *e), (p, e)) \
    X(plan_delete, CORE, (int64_t id, ota_err *e), (id, e)) \
    X(plan_copy_components, CORE, (int64_t from, int64_t to, ota_plan *out, ota_err *e), \
      (from, to, out, e)) \
    X(plan_transition, CORE, (int64_t id, ota_action a, ota_plan *out, ota_err *e), \
      (id, a, out, e)) \
    X(plan_advance, CORE, (int64_t id, ota_plan *out, ota_err *e), (id, out, e)) \
    X(plan_preview, CORE, (int64_t id, ota_preview *out, ota_err *e), (id, out, e)) \
    X(plan_status_get, CORE, (int64_t id, ota_plan_status *out, ota_err *e), (id, out, e)) \
    X(plan_devices, CORE, (int64_t id, int state, const ota_page_req *pg, ota_job_page *out, \
                           ota_err *e), (id, state, pg, out, e)) \
    X(plan_events, CORE, (int64_t id, int64_t since, int limit, ota_event_page *out, \
                          ota_err *e), (id, since, limit, out, e)) \
    /* Device side (otactl device ..., the simulator), speaking with the \
     * backend's device credentials: remotely the device's token \
     * (X-Device-Token) when it has one, else the product's device key \
     * (X-Device-Key); locally core's ota_device_authenticate judges what \
     * was given, as otad does (ota_backend_local_device_auth), and with \
     * nothing given the call is the local engine owner's, unchecked. \
     * device_enroll: the device's token for its product key (trust on \
     * first use; core's ota_device_enroll), token_out as for issue. */ \
    X(checkin, OWN, (const ota_checkin_req *r, ota_job_offer *out, ota_err *e), (r, out, e)) \
    X(job_confirm, OWN, (int64_t job, const char *device, ota_err *e), (job, device, e)) \
    X(job_report, OWN, (int64_t job, const char *device, ota_job_state to, int progress, \
                        const char *error_text, ota_err *e), \
      (job, device, to, progress, error_text, e)) \
    X(device_enroll, OWN, (const char *product, const char *device, char *token_out, ota_err *e), \
      (product, device, token_out, e)) \
    /* Trust: attach a signature (with its public_key) to a package; read \
     * the audit trail (a viewer token sees only its own rows). */ \
    X(package_sign_add, CORE, (int64_t id, const ota_signature *sig, ota_package *out, \
                               ota_err *e), (id, sig, out, e)) \
    X(audit_list, CORE, (const ota_audit_query *q, ota_audit_page *out, ota_err *e), (q, out, e)) \
    /* Device identity (core/ota_devauth.h; admin): a product's device \
     * authentication and enrollment (-1 keeps either), a device's own \
     * token issued or rotated (token_out OTA_DEVICE_TOKEN_LEN + 1 bytes, \
     * shown once) or revoked, and tokens for a fleet.  Bulk: locally one \
     * all-or-nothing call; remotely in requests of \
     * OTA_DEVICE_TOKENS_PER_REQUEST ids, each all or nothing, after the \
     * ids are checked (a bad or repeated id refuses the whole fleet): when \
     * a later request fails, out still holds the tokens the earlier ones \
     * issued (the devices' only copy: keep them) and the error says how \
     * many. */ \
    X(product_set_auth, CORE, (const char *product, int device_auth, int enrollment_closed, \
                               ota_product *out, long *without_token, ota_err *e), \
      (product, device_auth, enrollment_closed, out, without_token, e)) \
    X(device_token_issue, CORE, (const char *product, const char *device, char *token_out, \
                                 ota_err *e), (product, device, token_out, e)) \
    X(device_token_revoke, CORE, (const char *product, const char *device, ota_err *e), \
      (product, device, e)) \
    X(device_tokens_issue, CORE, (const char *product, const char *const *ids, size_t n, \
                                  bool rotate, ota_device_token_list *out, ota_err *e), \
      (product, ids, n, rotate, out, e))


typedef struct ota_backend_ops {
    const char *kind;  /* "local" or "remote" */
    void (*close)(ota_backend *b);
#define OTA_BACKEND_OP_FIELD(name, local, params, args) \
    int (*name)(ota_backend *b, OTA_UNPAREN params);
    OTA_BACKEND_OPS(OTA_BACKEND_OP_FIELD)
#undef OTA_BACKEND_OP_FIELD
} ota_backend_ops;

struct ota_backend {
    const ota_backend_ops *ops;
    char where[512];    /* "local: /path/ota.db" or "remote: https://host (operator)" */
    bool insecure;      /* remote with TLS verification off: shown in the status bar */
};

/* Local: opens (creating if needed) the engine at db_path (NULL = default). */
ota_backend *ota_backend_local_open(const char *db_path, const char *blob_dir,
                                    ota_clock clock, ota_err *e);
/* The local backend's engine (NULL for remote): for the simulator and seeding. */
ota_engine *ota_backend_local_engine(ota_backend *b);
/* The device credentials the local backend's device calls are judged by
 * (core's ota_device_authenticate, as otad judges X-Device-Token and
 * X-Device-Key), and the product key device_enroll presents; NULL or ""
 * for none.  Copied (wiped on close).  -1 with bad_request when b is not
 * local. */
int ota_backend_local_device_auth(ota_backend *b, const char *device_key, const char *device_token, ota_err *e);

typedef struct ota_remote_opts {
    const char *url;        /* "http://127.0.0.1:8080" (base; /api/v1 is appended) */
    const char *token;      /* bearer token (operator tools) */
    const char *device_key; /* X-Device-Key for device calls (and enrollment) */
    const char *device_token; /* X-Device-Token for device calls, sent instead of the key */
    const char *cacert;     /* private CA bundle */
    bool insecure;          /* skip TLS verification (explicit) */
    long connect_timeout_ms;/* 0 = 5000 */
    long timeout_ms;        /* 0 = 30000 (uploads/downloads: per-transfer low-speed limit instead) */
    int retries;            /* idempotent requests only; 0 = 2 */
} ota_remote_opts;
ota_backend *ota_backend_remote_open(const ota_remote_opts *o, ota_err *e);

static inline void ota_backend_close(ota_backend *b) { if (b) b->ops->close(b); }

#endif /* OTA_BACKEND_H */
