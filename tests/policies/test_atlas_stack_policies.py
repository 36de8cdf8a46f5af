"""Stack policies of atlas (policies/atlas.py): the generic cases of tests/policies/stack_cases.py."""

from __future__ import annotations

from tests.policies.stack_cases import generic_tests

globals().update(generic_tests("atlas"))
