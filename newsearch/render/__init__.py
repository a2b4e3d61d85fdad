"""Output: JSON for scripts (library-safe) and the terminal view (used by the CLI only)."""
