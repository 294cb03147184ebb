"""IntegrationToken: the Integration API token Global-e uses (guide 1.1).

Centra's API can neither read nor write tokens' configuration, so this kind is always
guided; the token value is never stored by the tool.
"""

from __future__ import annotations

from centra_provision.resources.base import ResourceKind, by_name, check_store_refs

KIND = ResourceKind(
    name="IntegrationToken", identity=by_name, checks=(check_store_refs("stores"),), order=60
)
