/* The command palette's words (tui/command.c, keys_command in tui/keys.c):
 * every action of the key table has a command, no two the same; what is
 * typed splits into a command and its argument; rows are filtered as the
 * palette shows them. */
#include "../../tap.h"
#include "../../../tui/command.h"
#include "../../../tui/keys.h"

int main(void)
{
    char a[32], b[32], word[64], rest[256];

    /* names from the one table */
    int seen = 0;
    for (int i = 0; i < keys_count; i++) {
        keys_command(&keys_table[i], a, sizeof a);
        ok(a[0] && !strchr(a, '_') && !strchr(a, ' '), "%s has a command: %s", keys_table[i].name, a);
        for (int j = 0; j < i; j++)
            if (!strcmp(keys_command(&keys_table[j], b, sizeof b), a)) {
                ok(0, "%s and %s share the command %s", keys_table[j].name, keys_table[i].name, a);
                seen++;
            }
    }
    is_int(seen, 0, "no two actions share a command");
    int k = command_find(SC_PLAN, "pause");
    ok(k >= 0 && keys_table[k].action == ACT_PAUSE, ":pause is the PAUSE action");
    k = command_find(SC_GLOBAL, "plans");
    ok(k >= 0 && keys_table[k].action == ACT_PANE_PLANS, ":plans drops PANE_");
    k = command_find(SC_EDITOR, "copy-from");
    ok(k >= 0 && keys_table[k].action == ACT_COPY_FROM, "'_' becomes '-': :copy-from");
    is_int(command_find(SC_PKG, "pause"), -1, "pause is not an action of the packages pane");
    k = command_find(SC_GLOBAL, "THEME");
    ok(k >= 0 && keys_table[k].key == 0, "any case; :theme has no key of its own");
    is_str(keys_binding_names(&keys_table[k], a, sizeof a), ":theme", "its help names it :theme");
    is_int(keys_lookup(SC_GLOBAL, 0), ACT_NONE, "key 0 runs nothing: palette-only actions have no key");
    is_int(keys_lookup(SC_GLOBAL, ':'), ACT_PALETTE, ": opens the palette");

    /* typed: command and argument */
    command_split(":theme  light ", word, sizeof word, rest, sizeof rest);
    is_str(word, "theme", "split: the command");
    is_str(rest, "light", "split: its argument, trimmed");
    command_split("  plan 12", word, sizeof word, rest, sizeof rest);
    ok(!strcmp(word, "plan") && !strcmp(rest, "12"), "split: without the colon");
    command_split("", word, sizeof word, rest, sizeof rest);
    ok(!word[0] && !rest[0], "split: nothing typed");

    /* filtering rows as the palette shows them */
    const char *pause = "pause          p         Pause (active or upgrading plans)";
    const char *resume = "resume         r         Resume (paused plans)";
    const char *plan = "plan                     Open a plan's live status by its id: :plan 12";
    const char *plans = "plans          2         Plans pane";
    ok(command_rank(pause, "") && command_rank(resume, ""), "nothing typed: every row");
    ok(command_rank(pause, "pau") && command_rank(resume, "pau"), "a word: in the command or the help");
    ok(!command_rank(plans, "pau"), "a word: not elsewhere");
    ok(command_rank(pause, "pau") > command_rank(resume, "pau"),
       "a command starting with the word ranks above one whose help has it");
    is_int(command_rank(pause, "PAUSE"), 4, "the command itself, any case: best");
    ok(command_rank(plans, "lans") == 2 && command_rank(plans, "lans") > command_rank(resume, "aused"),
       "in the command ranks above in the help");
    ok(command_rank(plan, "plan 1") && !command_rank(plans, "plan 1"),
       "with an argument: only that command's row");
    ok(command_rank(plan, "plan ") && !command_rank(plans, "plan "), "a space typed: the same");
    ok(command_rank(plan, "plan") > command_rank(plans, "plan"), "the word alone: plan first, then plans");
    return tap_done();
}
