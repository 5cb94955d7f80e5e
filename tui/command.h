/* command.h: what is typed in the command palette (command.c): a command
 * (an action's name from the key table, keys_command) and its argument.
 * Pure, no curses: unit-tested in tests/unit/tui/test_command.c. */
#ifndef TUI_COMMAND_H
#define TUI_COMMAND_H

#include <stdbool.h>
#include <stddef.h>

/* ":theme  light " -> word "theme", rest "light" (a leading ':' is
 * optional, spaces around are dropped). */
void command_split(const char *typed, char *word, size_t wlen, char *rest, size_t rlen);
/* How well a palette row ("command  keys  help") matches what is typed,
 * for the palette to show best first (0: not shown): nothing typed, every
 * row (1); a word: 4 the command itself, 3 a command starting with it, 2
 * the command containing it, 1 it anywhere in the row (keys, help), any
 * case; once a space follows the word (an argument comes), only the row
 * of that very command. */
int command_rank(const char *row, const char *typed);
/* The key table row (keys_table index) of the command named word among
 * the actions of scope_mask, or -1. */
int command_find(int scope_mask, const char *word);

#endif
