/* hawkBit Direct Device Integration (DDI) for standard device agents such
 * as SWUpdate's suricatta mode: /{tenant}/controller/v1/{controller}/...
 * Tenant = product key, controller = device id, authorized by
 * "Authorization: TargetToken <the device's token>" or, where the product
 * allows it, "Authorization: GatewayToken <the product's device key>". */
#ifndef OTAD_DDI_H
#define OTAD_DDI_H

#include "otad.h"

/* The route serving method and path when it is a DDI path (second segment
 * "controller"), else NULL.  The handler parses the rest itself. */
const route *ddi_route(const char *method, const char *path);

/* --ddi-poll SECONDS: the sleep every poll answer carries (default 300). */
int ddi_set_poll(const char *arg, ota_err *e);
int ddi_poll_seconds(void);

#endif
