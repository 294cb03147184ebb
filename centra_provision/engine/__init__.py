"""One run against one environment: the session (manifests, secrets, ledger, connection),
planning (the plan builder and the diff), applying (the evaluator, the ledger records,
`--wait`, saved plans), drift, import, env diff, validation and the state commands."""
