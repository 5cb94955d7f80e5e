/* contract.h: what the files of the backend contract suite share (one
 * program, test_contract: test_contract.c holds main() and the catalogue
 * and rollout cases, test_contract_devauth.c device identity): the run's
 * context, the last error, and file helpers. */
#ifndef OTA_CONTRACT_H
#define OTA_CONTRACT_H

#define TAP_SHARED
#include "backend.h"
#include "../tap.h"

#include <limits.h>
#include <stdbool.h>

typedef struct ctx {
    bool remote;
    ota_backend *b;     /* operator (admin) */
    ota_backend *dev;   /* device side: remote with the product's device key */
    const char *url, *token;
    const char *viewer;  /* a viewer token (remote), or NULL */
    const char *operator_token;  /* an operator token (remote), or NULL */
    char blobdir[PATH_MAX];
    char tmp[PATH_MAX];
    char devkey[65];
    int64_t now;
} ctx;

extern ota_err E;  /* the last call's error */

void write_file(const char *path, const char *data, size_t len);
/* name inside the run's temporary folder (one of 4 rotating buffers) */
char *tpath(ctx *c, const char *name);

/* test_contract_devauth.c */
void t_devauth(ctx *c);

#endif
