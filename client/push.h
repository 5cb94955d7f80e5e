/* push.h: offline drafting and push.  A release engineer drafts plans on
 * the local engine without a network, then sends them to a server; plans
 * and packages also travel as plain files.  Shared by otactl (cli/cmd_push.c)
 * and the console, and written only against ota_backend *, so the source and
 * destination are each local or remote.
 *
 * Push (local plan -> server):
 *  - each package the plan uses is matched on the server by component,
 *    kind, versions and the SHA-256 of every file; a missing one is copied
 *    (downloaded from the local store verified, uploaded verified: hash
 *    checked at both ends);
 *  - the server must take the token and let it write plans and packages
 *    (asked first with whoami: unauthorized or forbidden otherwise, before
 *    anything is read or written there);
 *  - the server's product must exist (not_found "product" otherwise; any
 *    other failure, such as a 401, is reported as itself);
 *  - the first push creates a server plan (saved) and records the mapping
 *    local plan -> server plan + revision in "<db>.push.json" next to the
 *    local database; a later push updates that same server plan with
 *    If-Match of the revision last pushed.  If the server plan changed
 *    meanwhile, the push is refused as conflict, res->diff says what differs
 *    between the server's plan and the local one, and nothing is written on
 *    either side.
 * Pull (server plan -> local draft): the reverse copy; the result is a new
 * local saved plan mapped to the server plan, so pushing it back updates it.
 */
#ifndef OTA_PUSH_H
#define OTA_PUSH_H

#include "backend.h"

typedef struct ota_push_result {
    int64_t local_id;
    int64_t remote_id, remote_revision;
    bool created;           /* a new plan was made on the destination */
    int uploaded, matched;  /* packages copied / found already there */
    char diff[2048];        /* on conflict: "field: server X, local Y" lines */
} ota_push_result;

int ota_plan_push(ota_backend *local, int64_t plan_id, ota_backend *remote, const char *server_url,
                  ota_push_result *res, ota_err *e);
int ota_plan_pull(ota_backend *remote, int64_t remote_id, const char *server_url, ota_backend *local,
                  ota_push_result *res, ota_err *e);

/* A package on dst with the same component, kind, versions and files
 * (name + SHA-256) as like; 0 with *id, or -1 (not_found when none). */
int ota_package_find_on(ota_backend *dst, const ota_package *like, int64_t *id, ota_err *e);
/* Copies package src_id from src to dst (or finds it there); *dst_id set,
 * *copied true when bytes moved.  Both ends verify the SHA-256. */
int ota_package_copy(ota_backend *src, int64_t src_id, ota_backend *dst, int64_t *dst_id,
                     bool *copied, ota_err *e);

/* Files: a plan as {"otaconsole":"plan","version":1,"plan":{...},"packages":[...]}
 * (the packages it uses, described by hashes); a package as a folder with
 * package.json and its files. */
json_t *ota_plan_export(ota_backend *b, int64_t id, ota_err *e);
/* Creates the plan on b, mapping each package to one already on b with the
 * same files; a missing package is not_found naming it. */
int ota_plan_import(ota_backend *b, json_t *doc, ota_plan *out, ota_err *e);
int ota_package_export(ota_backend *b, int64_t id, const char *dir, ota_err *e);
/* *existed true when b already had the same package (nothing created). */
int ota_package_import(ota_backend *b, const char *dir, ota_package *out, bool *existed, ota_err *e);

#endif
