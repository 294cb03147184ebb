"""Planning and applying: Plan values, the diff, the ledger."""
