/* demo.h: demo data and the background fleet simulator (demo.c). */
#ifndef TUI_DEMO_H
#define TUI_DEMO_H

#include <stddef.h>
#include "ota.h"

/* Make a temporary directory, seed ota.db in it with `otactl demo seed`. */
int demo_seed(char *db, size_t dblen, char *dir, size_t dirlen, char *err, size_t errlen);
void demo_cleanup(const char *dir);
/* Run ota_sim on its own engine connection, one step per interval. */
int demo_sim_start(const char *db_path, int interval_ms);
void demo_sim_stop(void);

#endif
