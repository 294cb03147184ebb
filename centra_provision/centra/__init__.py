"""Talking to Centra: async client, capability discovery, operations, the Order API probe."""
