/* modal.h: what takes the keyboard over a pane for a moment: a text
 * prompt on the message line (with path completion), a yes/no question,
 * a picker (a filtered list drawn over the body), a text shown in full
 * over the body (a history row), or a notice drawn over the body that
 * stays until Enter (or Esc) closes it.  Esc backs out.  A question longer
 * than the line is shown whole, wrapped above it. */
#ifndef TUI_MODAL_H
#define TUI_MODAL_H

#include "form.h"
#include "tui.h"

typedef void (*prompt_fn)(app *a, const char *text, void *ctx);
typedef void (*pick_fn)(app *a, int index, void *ctx);
/* A picker's choice with the text typed in its filter (-1: nothing shown). */
typedef void (*pick_text_fn)(app *a, int index, const char *typed, void *ctx);
/* How well an item matches the text typed: 0 hides it; the others are
 * shown best first, in their order among equals (default: any substring). */
typedef int (*pick_match_fn)(const char *item, const char *typed);

typedef enum { MODAL_PROMPT, MODAL_CONFIRM, MODAL_PICKER, MODAL_TEXT, MODAL_NOTICE } modal_kind;

typedef struct modal {
    modal_kind kind;
    char label[640];         ///< the whole question (a plan's name is up to 400 bytes)
    tfield field;
    bool complete_paths;
    bool lines;            ///< prompt_lines: many lines may be typed or pasted
    bool in_lines;         ///< lines came faster than typing: open until an empty line
    unsigned long burst;   ///< the burst of keys it was opened in (tui.h)
    char completions[512];
    prompt_fn on_text;     ///< prompt: the text; confirm: called with "y"
    pick_fn on_pick;
    pick_text_fn on_pick_text;
    pick_match_fn match;
    void *ctx;
    void (*free_ctx)(void *ctx);
    /* picker */
    char **items; int nitems;
    int *shown; int nshown;   ///< indexes matching the filter
    listview lv;
    /* text: its lines ('\n'), each wrapped with a hanging indent */
    char *text;
    int indent;
    /* a filter: applied as it is typed; Esc puts the one before back */
    prompt_fn on_change;
    char *orig;
    /* notice: its text (a secret, e.g. a token shown once: wiped on close) */
    char note[256], note_hint[256];
} modal;

void prompt_text(app *a, const char *label, const char *initial, bool paths,
                 prompt_fn fn, void *ctx, void (*free_ctx)(void *));
/* A filter, applied as it is typed (apply gets the text after each change
 * and on Enter; Esc applies current again).  The field starts empty, so
 * "/ Enter" clears the filter; label names the one in effect. */
void prompt_filter(app *a, const char *what, const char *current, prompt_fn apply, void *ctx);
void prompt_confirm(app *a, const char *question, prompt_fn yes, void *ctx,
                    void (*free_ctx)(void *));
/* A prompt for many lines (ids): fn gets each line.  A line typed by hand
 * and ended with Enter closes it, as prompt_text does.  Lines that come
 * faster than anyone types (an Enter with more keys of the same burst
 * waiting, the prompt opened before that burst: a paste on a terminal
 * without bracketed paste) keep it open, fn getting each line, until an
 * Enter on an empty line or Esc, which give fn "".  A bracketed paste gives
 * fn the field's text and the whole paste at once and closes it. */
void prompt_lines(app *a, const char *label, prompt_fn fn, void *ctx, void (*free_ctx)(void *));
/* A bracketed paste while a modal is open: a lines prompt takes it whole,
 * a text prompt or a picker's filter inserts it as one line, a yes/no
 * question ignores it (a paste never answers y).  H_* flags. */
int modal_paste(app *a, const char *text);
/* items are copied. */
void prompt_pick(app *a, const char *title, const char *const *items, int n, pick_fn fn,
                 void *ctx, void (*free_ctx)(void *));
/* text (copied) in full over the body under title; Esc, Enter or q
 * closes it, then on_close runs (NULL: nothing). */
void prompt_show(app *a, const char *title, const char *text, int indent, prompt_fn on_close,
                 void *ctx, void (*free_ctx)(void *));
/* A notice over the body: title, text (copied, wiped when it closes) and
 * a line under it; only Enter or Esc closes it. */
void prompt_notice(app *a, const char *title, const char *text, const char *hint);
/* A picker whose filter is also an argument line (the command palette):
 * match ranks what is shown, fn gets the choice and the text typed. */
void prompt_pick_typed(app *a, const char *title, const char *const *items, int n,
                       pick_match_fn match, pick_text_fn fn, void *ctx, void (*free_ctx)(void *));
int modal_key(app *a, int key);       /* H_* flags */
void modal_draw_body(app *a, rect body);   /* pickers */
void modal_draw_line(app *a, rect line);   /* prompts */
void modal_close(app *a);

#endif
