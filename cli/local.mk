# cli: filled by its owner
