"""The ``ecomart`` command: how it sets the collector (the main job's CPU budget, bench/infra_preview.py). What a
preview imports: tests/infra/test_preview.py."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

import pytest

from ecomart import cli, gc_tuning

ROOT = Path(__file__).resolve().parents[2]


def test_the_command_tunes_the_collector_and_a_caller_keeps_its_own(monkeypatch, capsys):
    saved = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        with pytest.raises(SystemExit):
            cli.main(["preview", "--help"])
        assert gc.get_threshold() == (700, 10, 10)  # called with argv: a library caller's settings stay

        monkeypatch.setattr(sys, "argv", ["ecomart", "preview", "--help"])
        with pytest.raises(SystemExit):
            cli.main()
        assert gc.get_threshold() == gc_tuning.THRESHOLDS
    finally:
        gc.set_threshold(*saved)


def test_a_late_empty_stack_output_registration_does_not_wipe_the_programs_outputs():
    """set_mocks registers the root stack's empty outputs at once; that RPC can land after the program's own, on
    another executor thread (seen once in a few full runs: a stack output missing from one preview). Both orders
    keep the outputs."""
    from google.protobuf import struct_pb2
    from pulumi.runtime.proto import resource_pb2

    from ecomart.mocks import EcoMartMocks, RecordingMonitor, Registration

    urn = "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev"
    full = struct_pb2.Struct()
    full.update({"region": "us-west-2"})
    for order in ((full, struct_pb2.Struct()), (struct_pb2.Struct(), full)):
        monitor = RecordingMonitor(EcoMartMocks())
        stack = Registration(urn, "pulumi:pulumi:Stack", "p-dev", False, None, [], {}, None)
        monitor.registrations.append(stack)
        monitor._by_urn[urn] = stack
        for outputs in order:
            monitor.RegisterResourceOutputs(resource_pb2.RegisterResourceOutputsRequest(urn=urn, outputs=outputs))
        assert stack.outputs == {"region": "us-west-2"}
