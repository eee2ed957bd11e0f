"""Command-line tests: the JSON contracts, exit codes and refused inputs of every command."""
