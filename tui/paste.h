/* paste.h: bracketed paste (paste.c). */
#ifndef TUI_PASTE_H
#define TUI_PASTE_H

#include <stdbool.h>

/* After newterm: turn bracketed paste on when the terminal can; true if on. */
bool paste_start(void);
/* Before endwin: turn it off again (if it was on). */
void paste_stop(void);
/* Every key read goes through here first.  Returns 1 when the key belongs
 * to a paste (the caller drops it); when it ended one, *text is the pasted
 * text (UTF-8, line ends as '\n'; valid until the next paste) and *cut says
 * whether it was longer than the console keeps. */
int paste_key(int key, const char **text, bool *cut);

#endif
