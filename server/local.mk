# server: filled by its owner
