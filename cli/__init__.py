"""The `rrc` command line: one module per command group; bodies only call the library."""
