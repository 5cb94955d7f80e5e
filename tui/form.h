/* form.h: a one-line text field with a cursor, shared by the forms and
 * the prompt line.  Text is UTF-8; the cursor moves by characters. */
#ifndef TUI_FORM_H
#define TUI_FORM_H

#include <stdbool.h>
#include <stddef.h>

typedef struct tfield {
    char buf[1024];
    size_t len;      ///< bytes
    size_t cur;      ///< cursor, a byte offset on a character boundary
} tfield;

void tfield_set(tfield *f, const char *s);
/* Handle an editing key (characters, Backspace, Delete, Left, Right, Home,
 * End, ^A, ^E, ^U, ^K, ^W).  Returns 1 when the text changed, 2 when only
 * the cursor moved, 0 when the key is not an editing key. */
int tfield_key(tfield *f, int key);
/* Insert pasted text at the cursor as one line: line breaks and tabs
 * become spaces, other control characters are dropped, and what does not
 * fit is left out (at a character boundary).  Returns 1 when the text
 * changed. */
int tfield_paste(tfield *f, const char *text);
/* Draw into w columns at y,x, scrolled so the cursor shows; when focused,
 * returns the cursor column (and the caller places the cursor), else -1. */
int tfield_draw(const tfield *f, int y, int x, int w, int el, bool focused);

/* Path completion for the path prompts: completes f's text as far as the
 * matches agree; with several matches writes up to `len` bytes of them
 * into list.  Returns the number of matches. */
int path_complete(tfield *f, char *list, size_t len);

#endif
