"""The catalog Global-e needs from the merchant: the guide's initial-catalog export, done
right (export.py), resumable after an interruption (checkpoint.py)."""
