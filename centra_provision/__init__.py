"""centra-provision: infrastructure-as-code for the Centra side of a Global-e integration."""

__version__ = "0.1.0"
