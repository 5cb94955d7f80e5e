# Tests of the man pages, --version and --help.
