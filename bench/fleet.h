/* What bench/checkin and bench/warm both set up on a generated fleet: the
 * module 1.2.0 package, the plan over product "bench" (silent, min battery
 * 30, the first nblack devices blacklisted, a window of an hour before to
 * 30 days after t) and each device as generated, read back so the
 * benchmarks' check-ins repeat its telemetry exactly.  Each program defines
 * die() before including it. */
#ifndef BENCH_FLEET_H
#define BENCH_FLEET_H

#include <stdio.h>
#include <stdlib.h>
#include "ota.h"

struct bdev {
    char module[16], mcu[16], app[16];
    int rsrp, battery;
    int64_t job;   /* its job as last answered (0: none) */
    int state;
};

/* The package "module full 1.2.0" from a small file in dir. */
static int64_t bench_package(ota_engine *eng, const char *dir)
{
    char fw[300];
    ota_err e;
    snprintf(fw, sizeof fw, "%s/module-1.2.0.bin", dir);
    FILE *fp = fopen(fw, "wb");
    if (!fp) {
        perror(fw);
        exit(1);
    }
    fputs("module firmware 1.2.0\n", fp);
    fclose(fp);
    ota_package_meta pm = {.component = "module", .kind = OTA_KIND_FULL, .target_version = "1.2.0"};
    const char *paths[1] = {fw};
    ota_package pkg;
    if (ota_package_create(eng, &pm, paths, 1, &pkg, &e) < 0)
        die("package", &e);
    return pkg.id;
}

/* plan (initialised here) named name over package pkg around time t. */
static void bench_plan(ota_plan *plan, const char *name, int64_t pkg, int64_t t, long nblack)
{
    ota_plan_init(plan);
    snprintf(plan->name, sizeof plan->name, "%s", name);
    snprintf(plan->product, sizeof plan->product, "bench");
    plan->mode = OTA_MODE_SILENT;
    plan->min_battery = 30;
    plan->window_start = t - 3600;
    plan->window_end = t + 30 * 86400;
    snprintf(plan->components[0].component, sizeof plan->components[0].component, "module");
    plan->components[0].package_id = pkg;
    plan->ncomponents = 1;
    for (long i = 1; i <= nblack; i++) {
        char id[32];
        snprintf(id, sizeof id, "dev-%06ld", i);
        ota_strlist_push(&plan->blacklist, id);
    }
}

/* devs[1..n]: the devices as generated (versions, rsrp, battery). */
static void bench_devices_read(ota_engine *eng, struct bdev *devs, long n)
{
    ota_err e;
    for (long i = 1; i <= n; i++) {
        ota_device d;
        char id[32];
        snprintf(id, sizeof id, "dev-%06ld", i);
        if (ota_device_get(eng, id, &d, &e) < 0)
            die("device", &e);
        const char *v;
        snprintf(devs[i].module, sizeof devs[i].module, "%s", (v = ota_device_version(&d, "module")) ? v : "");
        snprintf(devs[i].mcu, sizeof devs[i].mcu, "%s", (v = ota_device_version(&d, "mcu")) ? v : "");
        snprintf(devs[i].app, sizeof devs[i].app, "%s", (v = ota_device_version(&d, "app")) ? v : "");
        devs[i].rsrp = d.rsrp;
        devs[i].battery = d.battery;
    }
}

#endif
