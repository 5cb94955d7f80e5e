/* roles.c: who may do what.  The deeds of OTA_DEEDS (ota.h), each with the
 * least role it needs and the words a person uses for it, so otad's route
 * table, the console's keys and every refusal say the same thing. */
#include <stdio.h>
#include "ota.h"

static const struct { ota_role role; const char *words; } deeds[OTA_DEED__COUNT] = {
#define X(d, role, words) [OTA_DEED_##d] = {OTA_ROLE_##role, words},
    OTA_DEEDS(X)
#undef X
};

ota_role ota_deed_role(ota_deed d)
{
    return (unsigned)d < OTA_DEED__COUNT ? deeds[d].role : OTA_ROLE_ADMIN;
}

bool ota_role_may(ota_role r, ota_deed d)
{
    return r >= ota_deed_role(d);
}

const char *ota_deed_words(ota_deed d)
{
    return (unsigned)d < OTA_DEED__COUNT ? deeds[d].words : "Doing this";
}

ota_deed ota_action_deed(ota_action a)
{
    switch (a) {
    case OTA_ACT_ACTIVATE: return OTA_DEED_PLAN_ACTIVATE;
    case OTA_ACT_PAUSE: return OTA_DEED_PLAN_PAUSE;
    case OTA_ACT_RESUME: return OTA_DEED_PLAN_RESUME;
    case OTA_ACT_TERMINATE: return OTA_DEED_PLAN_TERMINATE;
    }
    return OTA_DEED_PLAN_EDIT;
}

const char *ota_deed_refusal(ota_deed d, const char *token, ota_role has, char *buf, size_t len)
{
    const char *role = ota_role_str(has);
    snprintf(buf, len, "%s needs the %s role; your token '%s' is %s %s", ota_deed_words(d),
             ota_role_str(ota_deed_role(d)), token && *token ? token : "?",
             has == OTA_ROLE_VIEWER ? "a" : "an", role);
    return buf;
}
