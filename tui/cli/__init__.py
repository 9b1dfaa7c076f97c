"""The `famtriage` command line: thin, parse, call core, print."""
