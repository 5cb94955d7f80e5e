# tui: filled by its owner
