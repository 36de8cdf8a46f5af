"""Every use of pulumi-policy's private API, in one place (the pack is pinned to pulumi-policy 1.21.0).

The pack and the offline checker need four things pulumi-policy does not export publicly:

- the proxy classes the engine wraps property values in (``_DictProxy``/``_ListProxy`` and their secret-aware
  twins), to unwrap them through their ``"__target"`` escape hatch without tripping the unknown check;
- ``UnknownValueError`` and ``unknown_checking_proxy`` (module ``pulumi_policy.proxy``), so the checker hands
  policies the same proxy the engine does and knows when a policy stopped at an unknown;
- ``_NotApplicableError`` (``pulumi_policy.policy``), raised by ``args.notApplicable()``-style exits.

``tests/policies/test_sdk_adapter.py`` pins each name and its behaviour: an SDK upgrade that renames or changes
one fails there, not somewhere inside a policy.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy.policy import _NotApplicableError as NotApplicableError  # noqa: F401 (re-exported)
from pulumi_policy.proxy import UnknownValueError, _DictProxy, _ListProxy, unknown_checking_proxy  # noqa: F401
from pulumi_policy.secret import Secret, _DictSecretsProxy, _ListSecretsProxy

PINNED_VERSION = "1.21.0"
PROXY_TYPES = (_DictProxy, _DictSecretsProxy, _ListProxy, _ListSecretsProxy)


def is_proxy(value: Any) -> bool:
    return isinstance(value, PROXY_TYPES)


def proxy_target(value: Any) -> Any:
    """What a proxy wraps, read through its escape hatch (no unknown check)."""
    return value["__target"]


def is_secret(value: Any) -> bool:
    return isinstance(value, Secret)
