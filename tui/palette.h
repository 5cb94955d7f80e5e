/* palette.h: the command palette (palette.c). */
#ifndef TUI_PALETTE_H
#define TUI_PALETTE_H

#include "tui.h"

/* ':' opens it over the current view. */
void palette_open(app *a);
/* While an action runs from the palette: the words typed after its command
 * ("light" for :theme light); "" otherwise. */
const char *palette_arg(void);
/* The actions run from the palette only (key 0 in keys.h): ACT_THEME is
 * done here; for ACT_PLAN, *plan is the plan to open and 0 is returned
 * (else H_* flags, the problem said on the message line). */
int palette_command(app *a, tui_action act, int64_t *plan);

#endif
