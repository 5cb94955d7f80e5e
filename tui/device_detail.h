/* device_detail.h: the device detail of live status (device_detail.c),
 * shown in place of the device table: the device's versions, telemetry,
 * attributes and credential, and its token issued, rotated or revoked. */
#ifndef TUI_DEVICE_DETAIL_H
#define TUI_DEVICE_DETAIL_H

#include "tui.h"

/* Opens the detail of device of product (loads it on the worker). */
void device_detail_open(app *a, const char *product, const char *device);
void device_detail_close(void);
bool device_detail_shown(void);
/* Key scopes while shown. */
int device_detail_scopes(void);
/* An action while shown: H_* flags, H_IGNORED for one it leaves to the pane. */
int device_detail_action(app *a, tui_action act);
/* Draws in h lines at (y, x), w wide. */
void device_detail_draw(app *a, int y, int x, int w, int h);
const char *device_detail_hint(app *a);

#endif
