/* cmd_push.h: otactl commands for offline drafting (cmd_push.c):
 *   plan push ID --remote URL      plan pull ID --remote URL
 *   plan export ID > plan.json     plan import plan.json
 *   package export ID DIR          package import DIR */
#ifndef OTACTL_CMD_PUSH_H
#define OTACTL_CMD_PUSH_H

#include "otactl.h"

int cmd_plan_push(cli *c, int argc, char **argv);
int cmd_plan_pull(cli *c, int argc, char **argv);
int cmd_plan_export(cli *c, int argc, char **argv);
int cmd_plan_import(cli *c, int argc, char **argv);
int cmd_package_export(cli *c, int argc, char **argv);
int cmd_package_import(cli *c, int argc, char **argv);

#define CMD_PUSH_TABLE \
    {"plan", "push", cmd_plan_push, "ID --remote URL [--token T] (from the local --db)"}, \
    {"plan", "pull", cmd_plan_pull, "ID --remote URL [--token T] (into the local --db)"}, \
    {"plan", "export", cmd_plan_export, "ID > plan.json"}, \
    {"plan", "import", cmd_plan_import, "FILE.json"}, \
    {"package", "export", cmd_package_export, "ID DIR"}, \
    {"package", "import", cmd_package_import, "DIR"},

#endif
