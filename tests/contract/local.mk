# tests/contract: one contract suite, two backends (owner: remote backend work)
