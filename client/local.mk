# client: filled by its owner
