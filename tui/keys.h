/* keys.h: the one list of actions (tig's request.h).  The X-macro below
 * generates the action enum, the key table that drives the bindings, the
 * help text and the command palette (:), so neither can disagree with the
 * keys.  An action's palette command is its name in lower case, '_' as
 * '-', without "PANE_" (PAUSE is :pause, PANE_PLANS :plans); an action
 * with key 0 is run from the palette only, with the words after its name
 * as its argument (:theme light, :plan 12). */
#ifndef TUI_KEYS_H
#define TUI_KEYS_H

#include <stdbool.h>
#include <stdio.h>

#define CTRL_KEY(c) ((c) & 0x1f)
#define KEY_ESC 27

/* Scopes: which part of the console a binding belongs to.  A pane asks
 * for the scopes it is in; the same key may mean different things in
 * different scopes (a in the plan list activates, in an id list adds). */
enum {
    SC_GLOBAL = 1 << 0,  /* everywhere */
    SC_MOVE   = 1 << 1,  /* lists and forms: moving the selection */
    SC_LIST   = 1 << 2,  /* package and plan lists */
    SC_PKG    = 1 << 3,  /* packages */
    SC_PLAN   = 1 << 4,  /* plans list and live status */
    SC_FORM   = 1 << 5,  /* package form and plan editor */
    SC_EDITOR = 1 << 6,  /* plan editor only */
    SC_IDS    = 1 << 7,  /* blacklist / whitelist editor */
    SC_STATUS = 1 << 8,  /* live status */
    SC_DEVICE = 1 << 9,  /* live status: a device's details */
};

/* X(ACTION, scope, key, alternative key (0 = none), help text) */
#define TUI_ACTIONS(X)                                                                 \
    X(PANE_PACKAGES, SC_GLOBAL, '1', 0, "Packages pane")                               \
    X(PANE_PLANS,    SC_GLOBAL, '2', 0, "Plans pane")                                  \
    X(PANE_STATUS,   SC_GLOBAL, '3', 0, "Live status of the selected plan")            \
    X(HELP,          SC_GLOBAL, '?', 0, "This help")                                   \
    X(MESSAGE,       SC_GLOBAL, 'm', 0, "The last message and the last error in full")  \
    X(QUIT,          SC_GLOBAL, 'q', 0, "Back; quit from a top pane (asks if a form has unsaved changes)") \
    X(BACK,          SC_GLOBAL, KEY_ESC, 0, "Back out of a form, detail or prompt; cancel a slow request") \
    X(QUIT_ALL,      SC_GLOBAL, CTRL_KEY('c'), 0, "Quit (asks if a form has unsaved changes)") \
    X(PALETTE,       SC_GLOBAL, ':', 0, "Command palette: filter this view's actions, Enter runs one") \
    X(THEME,         SC_GLOBAL, 0, 0, "Theme: :theme default|light|monochrome|high-contrast|FILE") \
    X(PLAN,          SC_GLOBAL, 0, 0, "Open a plan's live status by its id: :plan 12")           \
    X(UP,            SC_MOVE, KEY_UP, 'k', "Previous row / field")                     \
    X(DOWN,          SC_MOVE, KEY_DOWN, 'j', "Next row / field")                       \
    X(PAGE_UP,       SC_MOVE, KEY_PPAGE, CTRL_KEY('b'), "Page up")                     \
    X(PAGE_DOWN,     SC_MOVE, KEY_NPAGE, CTRL_KEY('f'), "Page down")                   \
    X(TOP,           SC_MOVE, KEY_HOME, 'g', "First row")                              \
    X(BOTTOM,        SC_MOVE, KEY_END, 'G', "Last row")                                \
    X(OPEN,          SC_MOVE, '\n', KEY_ENTER, "Open / choose / activate the field")   \
    X(FILTER,        SC_LIST | SC_IDS | SC_STATUS, '/', 0, "Filter (Enter on an empty filter clears it)") \
    X(SORT,          SC_LIST, 's', 0, "Sort by the next column")                       \
    X(REFRESH,       SC_LIST | SC_STATUS | SC_DEVICE, 'R', CTRL_KEY('l'), "Reload from the backend") \
    X(NEW,           SC_LIST, 'n', 0, "New package / new plan")                        \
    X(VERIFY,        SC_PKG, 'v', 0, "Verify the package's files (re-hash)")           \
    X(DELETE,        SC_PKG | SC_PLAN, 'd', 0, "Delete (asks first; plans only when saved)") \
    X(EDIT,          SC_PLAN, 'e', 0, "Open the plan in the editor (read-only unless saved)") \
    X(ACTIVATE,      SC_PLAN, 'a', 0, "Activate (saved plans)")                        \
    X(PAUSE,         SC_PLAN, 'p', 0, "Pause (active or upgrading plans)")             \
    X(RESUME,        SC_PLAN, 'r', 0, "Resume (paused plans)")                         \
    X(TERMINATE,     SC_PLAN, 't', 0, "Terminate (type the plan name to confirm; final)") \
    X(HISTORY,       SC_PLAN, 'h', 0, "History: the plan's audit trail (who did what, refusals too)") \
    X(ADVANCE,       SC_PLAN, 'A', 0, "Advance a staged plan to its next wave (asks first)") \
    X(PUSH,          SC_PLAN, 'P', 0, "Push the plan to a server (local engine; asks for the URL)") \
    X(NEXT_FIELD,    SC_FORM | SC_IDS, '\t', 0, "Next field (id lists: switch list)")  \
    X(PREV_FIELD,    SC_FORM | SC_IDS, KEY_BTAB, 0, "Previous field")                  \
    X(CYCLE,         SC_FORM, ' ', KEY_RIGHT, "Change a choice field")                 \
    X(CYCLE_BACK,    SC_FORM, KEY_LEFT, 0, "Change a choice field backwards")          \
    X(REMOVE,        SC_FORM | SC_IDS, 'x', KEY_DC, "Remove the file / component / id on this row") \
    X(SAVE,          SC_FORM, CTRL_KEY('s'), 0, "Save the form (create or update)")      \
    X(PREVIEW,       SC_EDITOR, CTRL_KEY('p'), 0, "Targeting preview (saves first)")   \
    X(COPY_FROM,     SC_EDITOR, CTRL_KEY('o'), 0, "Copy components from another plan") \
    X(ADD,           SC_IDS, 'a', 0, "Add device ids (many at once, newline/space/comma separated)") \
    X(IMPORT,        SC_IDS, 'i', 0, "Import ids from a file (one or more per line)")  \
    X(STATE_FILTER,  SC_STATUS, 'f', 0, "Device table: cycle the state filter") \
    X(OPEN_DRAFT,    SC_STATUS, 'o', 0, "Open the rollback draft the failure brake saved (in the editor)") \
    X(TOKEN_ISSUE,   SC_DEVICE, 'i', 0, "Issue the device's token, or rotate it (asks first; shown once; admin)") \
    X(TOKEN_REVOKE,  SC_DEVICE, 'x', 0, "Revoke the device's token (asks first; admin)")

typedef enum {
    ACT_NONE = 0,
#define X(id, scope, k1, k2, help) ACT_##id,
    TUI_ACTIONS(X)
#undef X
    ACT__COUNT
} tui_action;

typedef struct key_binding {
    tui_action action;
    int scope;
    int key, key2;
    const char *name;   /* "PANE_PACKAGES" */
    const char *help;
} key_binding;

extern const key_binding keys_table[];
extern const int keys_count;

/* The action bound to key within any of the scopes in mask (ACT_NONE if
 * none).  Earlier rows win, so global bindings come first. */
tui_action keys_lookup(int scope_mask, int key);
/* "Tab", "S-Tab", "Enter", "^S", "q" ... (static buffer per call site ok) */
const char *keys_name(int key, char *buf, int len);
/* "q" for an action's main key (for hints). */
const char *keys_for(tui_action a, char *buf, int len);
/* How much an action's hint matters (keys.c): a narrow hint bar keeps the
 * higher ones (msgtext.h, hints_fit). */
int keys_prio(tui_action a);

/* The help's groups: one per scope, in the order the ? help shows them
 * (help.c) and otaconsole(1)'s KEYS section documents them. */
typedef struct key_group {
    int scope;
    const char *title;  /* "Everywhere" */
} key_group;
extern const key_group keys_groups[];
extern const int keys_ngroups;
/* "Up, k": a binding's keys by name (a name given once); ":theme" for an
 * action run from the palette only. */
const char *keys_binding_names(const key_binding *b, char *buf, int len);
/* The whole table, one "GROUP<TAB>KEYS<TAB>HELP" line per binding and
 * group it belongs to (otaconsole --keys; tests/docs/man_keys.sh checks
 * the man page against it).  A binding in no group is printed under
 * "(no group)", so it cannot go unnoticed. */
void keys_print(FILE *f);
/* A binding's palette command: "pause", "plans", "copy-from". */
const char *keys_command(const key_binding *b, char *buf, int len);

#endif
