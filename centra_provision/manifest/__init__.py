"""Manifests: loading with line numbers, JSON Schemas, environments, validation."""
