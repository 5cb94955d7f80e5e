/* modal.h: what takes the keyboard over a pane for a moment: a text
 * prompt on the message line (with path completion), a yes/no question,
 * a picker (a filtered list drawn over the body), or a notice drawn over
 * the body that stays until Enter (or Esc) closes it.  Esc backs out. */
#ifndef TUI_MODAL_H
#define TUI_MODAL_H

#include "form.h"
#include "tui.h"

typedef void (*prompt_fn)(app *a, const char *text, void *ctx);
typedef void (*pick_fn)(app *a, int index, void *ctx);

typedef enum { MODAL_PROMPT, MODAL_CONFIRM, MODAL_PICKER, MODAL_NOTICE } modal_kind;

typedef struct modal {
    modal_kind kind;
    char label[256];
    tfield field;
    bool complete_paths;
    char completions[512];
    prompt_fn on_text;     ///< prompt: the text; confirm: called with "y"
    pick_fn on_pick;
    void *ctx;
    void (*free_ctx)(void *ctx);
    /* picker */
    char **items; int nitems;
    int *shown; int nshown;   ///< indexes matching the filter
    listview lv;
    /* notice: its text (a secret, e.g. a token shown once: wiped on close) */
    char note[256], note_hint[256];
} modal;

void prompt_text(app *a, const char *label, const char *initial, bool paths,
                 prompt_fn fn, void *ctx, void (*free_ctx)(void *));
void prompt_confirm(app *a, const char *question, prompt_fn yes, void *ctx,
                    void (*free_ctx)(void *));
/* items are copied. */
void prompt_pick(app *a, const char *title, const char *const *items, int n, pick_fn fn,
                 void *ctx, void (*free_ctx)(void *));
/* A notice over the body: title, text (copied, wiped when it closes) and
 * a line under it; only Enter or Esc closes it. */
void prompt_notice(app *a, const char *title, const char *text, const char *hint);
int modal_key(app *a, int key);       /* H_* flags */
void modal_draw_body(app *a, rect body);   /* pickers */
void modal_draw_line(app *a, rect line);   /* prompts */
void modal_close(app *a);

#endif
