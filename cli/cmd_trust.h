/* cmd_trust.h: otactl commands for signed packages and the audit trail
 * (cmd_trust.c):
 *   key generate NAME [--dir D]          package sign ID --key FILE
 *   package verify ID [--trusted DIR]    (hashes and every signature)
 *   audit [filters]                      audit export [filters] [--out FILE] */
#ifndef OTACTL_CMD_TRUST_H
#define OTACTL_CMD_TRUST_H

#include "otactl.h"

int cmd_key_generate(cli *c, int argc, char **argv);
int cmd_package_sign(cli *c, int argc, char **argv);
int cmd_package_verify_signed(cli *c, int argc, char **argv);
int cmd_audit(cli *c, int argc, char **argv);
int cmd_audit_export(cli *c, int argc, char **argv);

/* "audit export" comes before the one-word "audit" so the lookup finds it. */
#define CMD_TRUST_TABLE \
    {"key", "generate", cmd_key_generate, "NAME [--dir D] (default $XDG_CONFIG_HOME/otaconsole/keys)"}, \
    {"package", "sign", cmd_package_sign, "ID --key FILE.key"}, \
    {"audit", "export", cmd_audit_export, \
     "[--actor A] [--target T] [--since TIME] [--out FILE] (JSON lines)"}, \
    {"audit", NULL, cmd_audit, "[--actor A] [--target T] [--since TIME] [--limit N] [--cursor C]"},

#endif
