/* roles_hints.c: hint lines filtered by action (see roles.h).  Pure: the
 * key names come from the key table (keys.c), what to keep from the
 * caller. */
#include <string.h>
#include "roles.h"

tui_action hint_action(const char *key, int scopes)
{
    char name[16];
    for (int i = 0; i < keys_count; i++) {
        const key_binding *b = &keys_table[i];
        if (!(b->scope & scopes))
            continue;
        if (!strcmp(keys_name(b->key, name, sizeof name), key) ||
            (b->key2 && !strcmp(keys_name(b->key2, name, sizeof name), key)))
            return b->action;
    }
    return ACT_NONE;
}

const char *hints_keep(const char *hint, int scopes, bool (*keep)(tui_action act, void *ud),
                       void *ud, char *out, size_t len)
{
    static const char sep[] = " \xc2\xb7 ";   /* " · " */
    size_t o = 0;
    out[0] = '\0';
    for (const char *s = hint; s && *s;) {
        const char *end = strstr(s, sep);
        size_t n = end ? (size_t)(end - s) : strlen(s);
        char key[16];
        size_t k = strcspn(s, " ");
        if (k > n)
            k = n;
        snprintf(key, sizeof key, "%.*s", (int)k, s);
        tui_action act = hint_action(key, scopes);
        if (act == ACT_NONE || keep(act, ud)) {
            if (o + (o ? sizeof sep - 1 : 0) + n + 1 > len)
                break;   /* whole hints only, in order */
            if (o) {
                memcpy(out + o, sep, sizeof sep - 1);
                o += sizeof sep - 1;
            }
            memcpy(out + o, s, n);
            o += n;
            out[o] = '\0';
        }
        s = end ? end + sizeof sep - 1 : s + n;
    }
    return out;
}
