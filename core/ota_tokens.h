/* API tokens and roles (core/tokens.c, core/roles.c): management tokens,
 * the roles and who may do what.  Part of the public face: included by
 * ota.h (include ota.h, not this). */
#ifndef OTA_TOKENS_H
#define OTA_TOKENS_H

/* ----------------------------------------------------------------- tokens */
/* API tokens for otad.  The secret is shown once at creation; only a hash
 * (BLAKE2b, libsodium) is stored, compared in constant time. */
typedef enum { OTA_ROLE_VIEWER = 0, OTA_ROLE_OPERATOR, OTA_ROLE_ADMIN } ota_role;
const char *ota_role_str(ota_role r);             /* "viewer" "operator" "admin" */
int ota_role_parse(const char *s, ota_role *out);  /* 0 ok, -1 unknown */

/* Who may do what (API.md: viewers read; operators packages, plans and
 * transitions; admins also products, devices and tokens), once, in
 * core/roles.c: one row per deed, its least role and how a person says it.
 * otad's route table takes its roles from here (OTA_NEEDS_<DEED>); the
 * console offers only the keys a token's role allows and words a refusal
 * with ota_deed_refusal. */
#define OTA_DEEDS(X) \
    X(READ,                 VIEWER,   "Reading") \
    X(PRODUCT_ADD,          ADMIN,    "Adding a product") \
    X(DEVICE_IMPORT,        ADMIN,    "Importing devices") \
    X(TOKEN_ADMIN,          ADMIN,    "Managing tokens") \
    X(PRODUCT_AUTH,         ADMIN,    "Changing how a product's devices authenticate") \
    X(DEVICE_TOKEN_ISSUE,   ADMIN,    "Issuing a device token") \
    X(DEVICE_TOKEN_REVOKE,  ADMIN,    "Revoking a device token") \
    X(DEVICE_TOKENS_ISSUE,  ADMIN,    "Issuing a fleet's device tokens") \
    X(PACKAGE_CREATE,       OPERATOR, "Creating a package") \
    X(PACKAGE_DELETE,       OPERATOR, "Deleting a package") \
    X(PACKAGE_VERIFY,       OPERATOR, "Verifying a package") \
    X(PACKAGE_SIGN,         OPERATOR, "Signing a package") \
    X(PLAN_CREATE,          OPERATOR, "Creating a plan") \
    X(PLAN_EDIT,            OPERATOR, "Changing a plan") \
    X(PLAN_DELETE,          OPERATOR, "Deleting a plan") \
    X(PLAN_ACTIVATE,        OPERATOR, "Activating a plan") \
    X(PLAN_PAUSE,           OPERATOR, "Pausing a plan") \
    X(PLAN_RESUME,          OPERATOR, "Resuming a plan") \
    X(PLAN_TERMINATE,       OPERATOR, "Terminating a plan") \
    X(PLAN_ADVANCE,         OPERATOR, "Opening a plan's next wave") \
    X(PLAN_COPY_COMPONENTS, OPERATOR, "Copying components into a plan")
typedef enum {
#define OTA_DEED_ENUM(d, role, words) OTA_DEED_##d,
    OTA_DEEDS(OTA_DEED_ENUM)
#undef OTA_DEED_ENUM
    OTA_DEED__COUNT
} ota_deed;
/* Each deed's least role as a constant, for tables (otad's routes). */
enum {
#define OTA_DEED_NEEDS(d, role, words) OTA_NEEDS_##d = OTA_ROLE_##role,
    OTA_DEEDS(OTA_DEED_NEEDS)
#undef OTA_DEED_NEEDS
};
ota_role ota_deed_role(ota_deed d);
bool ota_role_may(ota_role r, ota_deed d);
const char *ota_deed_words(ota_deed d);          /* "Deleting a package" */
ota_deed ota_action_deed(ota_action a);          /* OTA_ACT_PAUSE -> OTA_DEED_PLAN_PAUSE */
/* "Deleting a package needs the operator role; your token 'vic' is a viewer" */
const char *ota_deed_refusal(ota_deed d, const char *token, ota_role has, char *buf, size_t len);

#define OTA_TOKEN_NAME_MAX 64   /* bytes: letters, digits, '-', '_', '.', '@' */
#define OTA_TOKEN_LEN      47   /* "ota_" + 43 base64url characters */

typedef struct ota_token_info {
    int64_t id;
    char name[OTA_TOKEN_NAME_MAX + 1];
    ota_role role;
    int64_t created_at;
    int64_t revoked_at;     /* 0 = active */
} ota_token_info;
typedef struct ota_token_list { ota_token_info *items; size_t n; } ota_token_list;

/* name NULL or "": a generated "<role>-<n>".  secret_out (>= OTA_TOKEN_LEN+1)
 * receives the token; name taken -> conflict. */
int ota_token_create(ota_engine *eng, const char *name, ota_role role, char *secret_out,
                     ota_token_info *out, ota_err *e);
int ota_token_list_all(ota_engine *eng, ota_token_list *out, ota_err *e);  /* active and revoked */
void ota_token_list_free(ota_token_list *l);
/* Revoke by name; not_found when no such active token. */
int ota_token_revoke(ota_engine *eng, const char *name, ota_err *e);
/* The token's info when it is known and not revoked; else unauthorized. */
int ota_token_lookup(ota_engine *eng, const char *secret, ota_token_info *out, ota_err *e);

#endif /* OTA_TOKENS_H */
