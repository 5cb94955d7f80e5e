/* keys.c: the key table, generated from TUI_ACTIONS (keys.h). */
#include <curses.h>
#include <stdio.h>
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
        if ((k->scope & scope_mask) && (k->key == key || (k->key2 && k->key2 == key)))
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
