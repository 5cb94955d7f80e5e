# bench: filled by its owner
