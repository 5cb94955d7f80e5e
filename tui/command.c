/* command.c: reading what is typed in the command palette (command.h). */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "command.h"
#include "keys.h"
#include "text.h"

void command_split(const char *typed, char *word, size_t wlen, char *rest, size_t rlen)
{
    typed += strspn(typed, " ");
    if (*typed == ':')
        typed++;
    typed += strspn(typed, " ");
    size_t n = strcspn(typed, " ");
    snprintf(word, wlen, "%.*s", (int)n, typed);
    typed += n;
    typed += strspn(typed, " ");
    text_copy(rest, rlen, typed);
    for (size_t k = strlen(rest); k && rest[k - 1] == ' '; k--)
        rest[k - 1] = '\0';
}

int command_rank(const char *row, const char *typed)
{
    char word[64], rest[256], cmd[64];
    command_split(typed, word, sizeof word, rest, sizeof rest);
    if (!word[0])
        return 1;
    size_t n = strcspn(row, " "), wl = strlen(word);
    snprintf(cmd, sizeof cmd, "%.*s", (int)n, row);
    bool exact = n == wl && !strncasecmp(row, word, n);
    const char *after = strstr(typed, word) + wl;
    if (*after == ' ')     /* an argument follows: that command only */
        return exact ? 4 : 0;
    if (exact)
        return 4;
    if (n > wl && !strncasecmp(row, word, wl))
        return 3;
    if (strcasestr(cmd, word))
        return 2;
    return strcasestr(row, word) ? 1 : 0;
}

int command_find(int scope_mask, const char *word)
{
    char cmd[32];
    for (int k = 0; k < keys_count; k++)
        if ((keys_table[k].scope & scope_mask) &&
            !strcasecmp(keys_command(&keys_table[k], cmd, sizeof cmd), word))
            return k;
    return -1;
}
