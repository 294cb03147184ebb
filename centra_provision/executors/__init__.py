"""Executors run one planned change each: by API mutation, by the emulator's back office
(local only), or as guided steps for a person in Centra's back office."""
