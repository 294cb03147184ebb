"""The state: what Centra cannot show, as last recorded (Terraform's state and backends).

The ledger (fingerprints of applied write-only fields, snapshots of what Centra showed),
the backends it lives in (a local file or object storage, with compare-and-swap writes),
the lock beside it, the apply journal, and the views `state list|show` print (the commands
themselves, which find an environment's ledger from its manifests, are in
`engine/state_ops.py`). Apart from planning and applying: the engine reads and writes state
through these modules, never the reverse.
"""
