/* cmd_devauth.h: otactl commands for device identity (cmd_devauth.c):
 *   product auth PRODUCT [--device-auth product_key|device_token] [--enrollment open|closed]
 *                (neither option: shows them and the count of devices without a token)
 *   device token issue PRODUCT ID       device token revoke PRODUCT ID
 *   device tokens PRODUCT FILE --out TOKENS [--rotate] [--force]
 *   device enroll PRODUCT ID --out FILE [--force]   (the device side, with the product key) */
#ifndef OTACTL_CMD_DEVAUTH_H
#define OTACTL_CMD_DEVAUTH_H

#include "otactl.h"

int cmd_product_auth(cli *c, int argc, char **argv);
int cmd_device_token_issue(cli *c, int argc, char **argv);
int cmd_device_token_revoke(cli *c, int argc, char **argv);
int cmd_device_tokens(cli *c, int argc, char **argv);
int cmd_device_enroll(cli *c, int argc, char **argv);

#define CMD_DEVAUTH_TABLE \
    {"product", "auth", cmd_product_auth, \
     "PRODUCT [--device-auth product_key|device_token] [--enrollment open|closed] (neither: show them)"}, \
    {"device", "token issue", cmd_device_token_issue, "PRODUCT ID (or rotate; the token shown once)"}, \
    {"device", "token revoke", cmd_device_token_revoke, "PRODUCT ID"}, \
    {"device", "tokens", cmd_device_tokens, \
     "PRODUCT FILE(.json|.csv) --out TOKENS.csv [--rotate] [--force] (written mode 0600)"}, \
    {"device", "enroll", cmd_device_enroll, \
     "PRODUCT ID --out FILE [--force] (as the device, with its product key; its token to FILE, mode 0600)"},

#endif
