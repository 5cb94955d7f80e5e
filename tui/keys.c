/* keys.c: the key table, generated from TUI_ACTIONS (keys.h), its help
 * groups, the palette's command names, and the table printed as text
 * (otaconsole --keys). */
#include <curses.h>
#include <stdio.h>
#include <string.h>
#include "keys.h"
#include "text.h"

const key_binding keys_table[] = {
#define X(id, scope, k1, k2, help) {ACT_##id, scope, k1, k2, #id, help},
    TUI_ACTIONS(X)
#undef X
};
const int keys_count = sizeof keys_table / sizeof keys_table[0];

tui_action keys_lookup(int scope_mask, int key)
{
    /* Terminals send Enter as \r or \n depending on their mode. */
    if (key == '\r')
        key = '\n';
    for (int i = 0; i < keys_count; i++) {
        const key_binding *k = &keys_table[i];
        if ((k->scope & scope_mask) && ((k->key && k->key == key) || (k->key2 && k->key2 == key)))
            return k->action;
    }
    return ACT_NONE;
}

const char *keys_name(int key, char *buf, int len)
{
    static const struct { int key; const char *name; } named[] = {
        {'\t', "Tab"}, {KEY_BTAB, "S-Tab"}, {'\n', "Enter"}, {KEY_ENTER, "Enter"},
        {KEY_ESC, "Esc"}, {' ', "Space"}, {KEY_UP, "Up"}, {KEY_DOWN, "Down"},
        {KEY_LEFT, "Left"}, {KEY_RIGHT, "Right"}, {KEY_PPAGE, "PgUp"}, {KEY_NPAGE, "PgDn"},
        {KEY_HOME, "Home"}, {KEY_END, "End"}, {KEY_DC, "Del"},
    };
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        if (named[i].key == key) {
            text_copy(buf, len, named[i].name);
            return buf;
        }
    if (key > 0 && key < 32)
        snprintf(buf, len, "^%c", key + '@');
    else if (key < 128)
        snprintf(buf, len, "%c", key);
    else
        snprintf(buf, len, "key%d", key);
    return buf;
}

const char *keys_for(tui_action a, char *buf, int len)
{
    for (int i = 0; i < keys_count; i++)
        if (keys_table[i].action == a)
            return keys_name(keys_table[i].key, buf, len);
    snprintf(buf, len, "?");
    return buf;
}

/* The key table's hint priorities, by action: the pane's own work first,
 * help always (the door to everything), moving and leaving last.  An
 * action not named here is HINT_NORMAL. */
enum { HINT_NORMAL = 5 };
static const signed char hint_prio[ACT__COUNT] = {
    [ACT_HELP] = 9,
    [ACT_OPEN] = 8, [ACT_BACK] = 8, [ACT_SAVE] = 8,
    [ACT_NEW] = 7, [ACT_ACTIVATE] = 7, [ACT_PAUSE] = 7, [ACT_RESUME] = 7, [ACT_TERMINATE] = 7,
    [ACT_ADVANCE] = 7, [ACT_ADD] = 7, [ACT_NEXT_FIELD] = 7,
    [ACT_EDIT] = 6, [ACT_DELETE] = 6, [ACT_VERIFY] = 6, [ACT_PREVIEW] = 6, [ACT_REMOVE] = 6,
    [ACT_IMPORT] = 6, [ACT_OPEN_DRAFT] = 6, [ACT_CYCLE] = 6,
    [ACT_HISTORY] = 5, [ACT_COPY_FROM] = 5, [ACT_STATE_FILTER] = 5,
    [ACT_PUSH] = 4, [ACT_FILTER] = 4, [ACT_PANE_STATUS] = 4,
    [ACT_SORT] = 3, [ACT_REFRESH] = 3, [ACT_MESSAGE] = 3,
    [ACT_QUIT] = 2, [ACT_PANE_PACKAGES] = 2, [ACT_PANE_PLANS] = 2, [ACT_UP] = 1, [ACT_DOWN] = 1,
};

int keys_prio(tui_action a)
{
    return (unsigned)a < ACT__COUNT && hint_prio[a] ? hint_prio[a] : HINT_NORMAL;
}

const key_group keys_groups[] = {
    {SC_GLOBAL, "Everywhere"}, {SC_MOVE, "Moving in lists and forms"},
    {SC_LIST, "Package and plan lists"}, {SC_PKG, "Packages"},
    {SC_PLAN, "Plans and live status"}, {SC_STATUS, "Live status"}, {SC_DEVICE, "Device details"},
    {SC_FORM, "Forms (package form, plan editor)"}, {SC_EDITOR, "Plan editor"},
    {SC_IDS, "Blacklist / whitelist editor"},
};
const int keys_ngroups = sizeof keys_groups / sizeof keys_groups[0];

const char *keys_command(const key_binding *b, char *buf, int len)
{
    const char *s = b->name;
    if (!strncmp(s, "PANE_", 5))
        s += 5;
    int o = 0;
    for (; *s && o < len - 1; s++)
        buf[o++] = *s == '_' ? '-' : (char)(*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s);
    buf[len > 0 ? o : 0] = '\0';
    return buf;
}

const char *keys_binding_names(const key_binding *b, char *buf, int len)
{
    char k1[16], k2[16];
    if (!b->key) {   /* the palette's only */
        char cmd[32];
        snprintf(buf, len, ":%s", keys_command(b, cmd, sizeof cmd));
        return buf;
    }
    keys_name(b->key, k1, sizeof k1);
    keys_name(b->key2, k2, sizeof k2);
    /* \n and KEY_ENTER are both "Enter": name it once */
    if (b->key2 && strcmp(k1, k2))
        snprintf(buf, len, "%s, %s", k1, k2);
    else
        text_copy(buf, len, k1);
    return buf;
}

void keys_print(FILE *f)
{
    char keys[40];
    int grouped = 0;
    for (int g = 0; g < keys_ngroups; g++) {
        grouped |= keys_groups[g].scope;
        for (int k = 0; k < keys_count; k++)
            if (keys_table[k].scope & keys_groups[g].scope)
                fprintf(f, "%s\t%s\t%s\n", keys_groups[g].title,
                        keys_binding_names(&keys_table[k], keys, sizeof keys), keys_table[k].help);
    }
    for (int k = 0; k < keys_count; k++)
        if (!(keys_table[k].scope & grouped))
            fprintf(f, "(no group)\t%s\t%s\n", keys_binding_names(&keys_table[k], keys, sizeof keys),
                    keys_table[k].help);
}
