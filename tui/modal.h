/* modal.h: what takes the keyboard over a pane for a moment: a text
 * prompt on the message line (with path completion), a yes/no question,
 * or a picker (a filtered list drawn over the body).  Esc backs out. */
#ifndef TUI_MODAL_H
#define TUI_MODAL_H

#include "form.h"
#include "tui.h"

typedef void (*prompt_fn)(app *a, const char *text, void *ctx);
typedef void (*pick_fn)(app *a, int index, void *ctx);

typedef enum { MODAL_PROMPT, MODAL_CONFIRM, MODAL_PICKER } modal_kind;

typedef struct modal {
    modal_kind kind;
    char label[256];
    tfield field;
    bool complete_paths;
    bool secret;           ///< prompt: shown as '*', wiped when done (tokens)
    char completions[512];
    prompt_fn on_text;     ///< prompt: the text; confirm: called with "y"
    pick_fn on_pick;
    void *ctx;
    void (*free_ctx)(void *ctx);
    /* picker */
    char **items; int nitems;
    int *shown; int nshown;   ///< indexes matching the filter
    listview lv;
} modal;

void prompt_text(app *a, const char *label, const char *initial, bool paths,
                 prompt_fn fn, void *ctx, void (*free_ctx)(void *));
void prompt_confirm(app *a, const char *question, prompt_fn yes, void *ctx,
                    void (*free_ctx)(void *));
/* A text prompt whose answer is shown as '*' and wiped after fn (tokens). */
void prompt_secret(app *a, const char *label, prompt_fn fn, void *ctx, void (*free_ctx)(void *));
/* items are copied. */
void prompt_pick(app *a, const char *title, const char *const *items, int n, pick_fn fn,
                 void *ctx, void (*free_ctx)(void *));
int modal_key(app *a, int key);       /* H_* flags */
void modal_draw_body(app *a, rect body);   /* pickers */
void modal_draw_line(app *a, rect line);   /* prompts */
void modal_close(app *a);

#endif
