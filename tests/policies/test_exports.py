"""Reading an export one resource at a time (policies/engine/exports.py, ``ecomart check --export``): the same
findings as
checking the loaded document, the same entries as ``json.loads`` whatever the window size and layout, the same
error positions on broken text, and a window that stays small however large the file is."""

from __future__ import annotations

import copy
import json
import re

import pytest

from bench.policy_check import synthetic_export
from policies.engine import exports
from policies.engine.checker import BadInput, check_export, check_export_file, read_export
from policies.engine.exports import SECRET_SIG, SECRET_SIG_KEY, iter_resources
from policies.engine.values import UNKNOWN_SENTINELS
from tests.policies.stack_cases import compliant_stack, set_prop
from tests.policies.test_checker import EXPORTS


def _findings(result):
    return (
        result.stack,
        result.resource_count,
        sorted(result.present_types),
        result.exit_code,
        sorted((v.policy, v.enforcement, v.urn, v.resource_type, v.message) for v in result.violations),
        sorted(result.not_evaluable),
    )


def _write(tmp_path, doc, indent=None, name="export.json"):
    path = tmp_path / name
    path.write_text(json.dumps(doc, indent=indent, ensure_ascii=False), encoding="utf-8")
    return path


def _mutated_stack():
    doc = compliant_stack()
    set_prop(doc, "pg-writer", "dbSubnetGroupName", "default")
    set_prop(doc, "pg-writer", "storageEncrypted", False)
    set_prop(doc, "data-nacl", "subnetIds", [])
    return doc


@pytest.fixture(scope="module")
def synthetic(prod):
    """1,500 resources: renamed copies of the prod stack, one of them with findings."""
    doc = synthetic_export(prod.export(), 1500)
    for r in doc["deployment"]["resources"]:
        if r["type"] == "aws:rds/instance:Instance" and r["urn"].endswith("-c1"):
            for part in ("inputs", "outputs"):
                r[part]["storageEncrypted"] = False
                r[part].pop("multiAz", None)
    return doc


@pytest.mark.parametrize("name", ["staging.json", "secrets.json", "unknowns.json", "empty-stack.json"])
def test_streamed_and_loaded_checks_agree_on_the_hand_written_exports(name):
    path = EXPORTS / name
    assert _findings(check_export_file(path)) == _findings(check_export(read_export(path)))


@pytest.mark.parametrize("indent", [None, 4])
@pytest.mark.parametrize("chunk", [exports._CHUNK, 4096])
def test_streamed_and_loaded_checks_agree_on_large_exports(synthetic, tmp_path, monkeypatch, indent, chunk, parser):
    monkeypatch.setattr(exports, "_CHUNK", chunk)
    streamed = _findings(check_export_file(_write(tmp_path, synthetic, indent), stack="prod"))
    loaded = _findings(check_export(synthetic, stack="prod"))
    assert streamed == loaded
    assert loaded[1] > 1400 and len(loaded[4]) >= 2, "findings to compare, not only silence"


def test_streamed_and_loaded_checks_agree_with_findings_in_the_compliant_stack(tmp_path, monkeypatch):
    monkeypatch.setattr(exports, "_CHUNK", 512)
    doc = _mutated_stack()
    assert _findings(check_export_file(_write(tmp_path, doc, 2), stack="prod")) == _findings(
        check_export(doc, stack="prod")
    )


def _entries(path):
    return [r for r, _ in iter_resources(path)]


@pytest.fixture(params=["jiter", "json"])
def parser(request, monkeypatch):
    """Both window parsers: pydantic's (the project's virtualenv) and the standard library's (without it)."""
    assert exports._fast_loads is not None, "pydantic_core is pinned in pyproject.toml"
    if request.param == "json":
        monkeypatch.setattr(exports, "_fast_loads", None)
    return request.param


_TRICKY = [
    "[1, 2.5, -0, -0.0, 1e400, -1E400, 1.5e-400, 5e-324, 1.7976931348623157e308, 0.30000000000000004]",
    "[123456789012345678901234567890, -98765432109876543210.5, 2.2250738585072011e-308]",
    "[NaN, Infinity, -Infinity]",
    '[{"a": 1, "a": 2}, {"": null}]',
    '["\\ud800", "\\udc00x", "\\ud83d\\ude00", "\\u0000", "\\/", "caf\\u00e9"]',
    '["Café ☕ 東京", "\u2028"]',
    "[true, false, null, [], {}, [[[]]]]",
]


@pytest.mark.parametrize("text", _TRICKY)
def test_the_window_parser_makes_exactly_what_json_loads_makes(text, parser):
    """Values and their types, including what jiter refuses and json accepts (lone surrogate escapes: json)."""
    got = exports._whole_list(text)
    want = json.loads(text)
    assert repr(got) == repr(want) and [type(v) for v in got] == [type(v) for v in want]


def test_the_window_parser_agrees_with_json_on_random_numbers(parser):
    import random

    rng = random.Random(13)
    numbers = [repr(rng.uniform(-1e12, 1e12)) for _ in range(300)]
    numbers += [f"{rng.randint(0, 10**20)}.{rng.randint(0, 10**20)}e{rng.randint(-330, 330)}" for _ in range(300)]
    numbers += [repr(rng.random() * 10 ** rng.randint(-320, 300)) for _ in range(300)]
    text = "[" + ", ".join(numbers) + "]"
    got, want = exports._whole_list(text), json.loads(text)
    assert repr(got) == repr(want) and [type(v) for v in got] == [type(v) for v in want]


@pytest.mark.parametrize("text", ["[1, 2", "[1] 2", '{"a": 1}x', "[1,]", '["a\x01"]', "", "[01]"])
def test_text_that_is_not_exactly_one_array_is_left_to_the_one_value_reader(text, parser):
    assert exports._whole_list(text) is None


@pytest.mark.parametrize("chunk", [1, 7, 64, 1000])
@pytest.mark.parametrize("indent", [None, 1])
def test_entries_are_those_json_loads_makes_at_any_window_size(tmp_path, monkeypatch, chunk, indent, parser):
    """Window edges inside strings, numbers, multi-byte characters and escapes."""
    doc = compliant_stack()
    doc["deployment"]["resources"][1]["outputs"]["note"] = 'Café ☕ 東京 "quoted" \\ back\\slash \u00e9'
    doc["deployment"]["resources"][2]["outputs"]["numbers"] = [0, -1.5e-7, 123456789012345678901234567890, 3.25]
    monkeypatch.setattr(exports, "_CHUNK", chunk)
    path = _write(tmp_path, doc, indent)
    assert _entries(path) == json.loads(path.read_text(encoding="utf-8"))["deployment"]["resources"]


def test_a_lone_surrogate_escape_reads_as_json_loads_reads_it(tmp_path, parser):
    """json accepts ``"\\ud800"``, jiter refuses it: the window holding it is read by json instead."""
    doc = compliant_stack()
    doc["deployment"]["resources"][3]["outputs"]["surrogate"] = "\ud800"
    path = tmp_path / "surrogate.json"
    path.write_text(json.dumps(doc), encoding="ascii")
    assert _entries(path) == json.loads(path.read_text(encoding="ascii"))["deployment"]["resources"]
    assert _entries(path)[3]["outputs"]["surrogate"] == "\ud800"


def test_a_nested_object_that_looks_like_a_resource_boundary_is_not_split_on(tmp_path, monkeypatch):
    """``}, {"urn": ...`` inside a resource's values (a list of objects keyed by urn): the window ending there does
    not parse as whole resources, and the reader falls back to reading one value."""

    def with_members(key: str) -> dict:
        doc = compliant_stack()
        for i, r in enumerate(doc["deployment"]["resources"]):
            r.setdefault("outputs", {})["members"] = [{key: f"urn:pulumi:prod::p::t::m{i}-{k}"} for k in range(3)]
        return doc

    doc = with_members("urn")
    monkeypatch.setattr(exports, "_CHUNK", 700)
    single = []
    value = exports._Window.value

    def counting(self):
        single.append(1)
        return value(self)

    monkeypatch.setattr(exports._Window, "value", counting)
    path = _write(tmp_path, doc)
    assert _entries(path) == doc["deployment"]["resources"]
    batches_only = len(single)
    clean = with_members("urx")  # the same sizes, nothing that looks like a resource's first key
    single.clear()
    assert _entries(_write(tmp_path, clean, name="clean.json")) == clean["deployment"]["resources"]
    assert batches_only > len(single), "the nested look-alikes made the reader fall back"


@pytest.mark.parametrize("chunk", [exports._CHUNK, 300, 64])
def test_the_flag_tells_exactly_which_entries_hold_something_to_decode(tmp_path, monkeypatch, chunk):
    """Per resource, whatever the window: a resource read in a window with others is flagged on its own text."""
    monkeypatch.setattr(exports, "_CHUNK", chunk)
    doc = compliant_stack()
    resources = doc["deployment"]["resources"]
    resources[3]["outputs"]["password"] = {SECRET_SIG_KEY: SECRET_SIG, "ciphertext": "v1:abc"}
    resources[5]["outputs"]["later"] = sorted(UNKNOWN_SENTINELS)[0]
    resources[9]["inputs"]["description"] = "caf\\u00e9"  # a literal backslash-u in the text
    resources[-1]["outputs"]["last"] = sorted(UNKNOWN_SENTINELS)[-1]
    flags = [clean for _, clean in iter_resources(_write(tmp_path, doc))]
    expected = [not any(m in json.dumps(r, ensure_ascii=False) for m in exports._MARKERS) for r in resources]
    assert flags == expected
    assert [i for i, clean in enumerate(flags) if not clean] == [3, 5, 9, len(resources) - 1]


def test_an_escaped_unknown_sentinel_is_still_unknown(tmp_path):
    """Text that spells a sentinel with \\u escapes parses to the sentinel: it must be decoded like any other."""
    doc = _mutated_stack()
    entry = next(r for r in doc["deployment"]["resources"] if r["urn"].endswith("::pg-writer"))
    sentinel = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    entry["inputs"]["storageEncrypted"] = entry["outputs"]["storageEncrypted"] = sentinel
    path = tmp_path / "escaped.json"
    path.write_text(json.dumps(doc).replace(sentinel, "\\u0030" + sentinel[1:]), encoding="utf-8")
    streamed = check_export_file(path, stack="prod")
    assert _findings(streamed) == _findings(check_export(doc, stack="prod"))

    def judged(result):
        return [v for v in result.violations if v.policy == "rds-storage-encrypted" and v.urn == entry["urn"]]

    assert judged(streamed) == []
    entry["inputs"]["storageEncrypted"] = entry["outputs"]["storageEncrypted"] = "sentinel-like but known"
    assert judged(check_export_file(_write(tmp_path, doc), stack="prod")), "a known bad value is judged"


def test_the_window_stays_small_however_large_the_file(synthetic, tmp_path, monkeypatch):
    monkeypatch.setattr(exports, "_CHUNK", 4096)
    sizes = []
    more = exports._Window.more

    def recording(self):
        got = more(self)
        sizes.append(len(self.buf))
        return got

    monkeypatch.setattr(exports._Window, "more", recording)
    path = _write(tmp_path, synthetic)
    largest = max(len(json.dumps(r, ensure_ascii=False)) for r in synthetic["deployment"]["resources"])
    assert sum(1 for _ in iter_resources(path)) == len(synthetic["deployment"]["resources"])
    assert path.stat().st_size > 2_000_000 and max(sizes) <= 3 * 4096 + 2 * largest


def _json_error(text):
    try:
        json.loads(text)
    except json.JSONDecodeError as e:
        return f"not JSON ({e.msg} at line {e.lineno} column {e.colno})"
    return None


@pytest.mark.parametrize("chunk", [5, 64, exports._CHUNK])
def test_a_truncated_export_is_reported_where_json_loads_reports_it(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(exports, "_CHUNK", chunk)
    text = json.dumps(_mutated_stack(), indent=2)
    cuts = sorted({*range(0, 200), *range(len(text) // 2, len(text) // 2 + 150), *range(len(text) - 120, len(text))})
    path = tmp_path / "cut.json"
    for cut in cuts:
        path.write_text(text[:cut], encoding="utf-8")
        expected = _json_error(text[:cut])
        with pytest.raises(BadInput) as e:
            list(iter_resources(path))
        assert str(e.value) == f"{path}: {expected}", cut


@pytest.mark.parametrize(
    "text",
    [
        '{"version": 3, "deployment": {"resources": [{"urn": "urn:pulumi:s::p::t::a", "type": "t"}}]}}',
        '{"version": 3, "deployment": {"resources": [{"urn": "urn:pulumi:s::p::t::a", "type": "t"},]}}',
        '{"version": 3, "deployment": {"resources": []}} trailing',
        '{"version": 3, "deployment": {"resources": []},}',
        '{"version": 3 "deployment": {}}',
        '{"version": 3, "deployment": {"resources": [], }}',
        '\ufeff{"version": 3}',
        "[1] 2",
        "",
    ],
)
def test_broken_json_is_reported_where_json_loads_reports_it(tmp_path, text, parser):
    path = tmp_path / "broken.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadInput) as e:
        list(iter_resources(path))
    assert str(e.value) == f"{path}: {_json_error(text)}"


@pytest.mark.parametrize(
    "text,reason",
    [
        (
            '{"version": 3, "deployment": {"resources": []}, "deployment": {"resources": []}}',
            "'deployment' is given twice",
        ),
        ('{"version": 3, "deployment": {"resources": [], "resources": []}}', "'deployment.resources' is given twice"),
        ('{"version": 3, "deployment": []}', "no 'deployment' object"),
        ('{"version": 3}', "no 'deployment' object"),
        ('{"deployment": {"resources": []}}', "unsupported stack export version None"),
        ('{"deployment": {"resources": []}, "version": 4}', "unsupported stack export version 4"),
        ("[1, 2]", "not a pulumi stack export (expected a JSON object"),
        ('{"version": 3, "deployment": {"resources": {"urn": "x"}}}', "deployment.resources is not a list"),
        ('{"version": 3, "deployment": {"resources": [{"urn": "x", "type": "t"}]}}', "resources[0].urn 'x' is not a"),
        (
            '{"version": 3, "deployment": {"resources": [{"urn": "urn:pulumi:s::p::t::a", "type": "t", "inputs": 1}]}}',
            "deployment.resources[0].inputs is not an object",
        ),
        (
            '{"version": 3, "deployment": {"resources": [{"urn": "urn:pulumi:s::p::t::a", "type": "t", '
            '"dependencies": 5}]}}',
            "deployment.resources[0].dependencies is not a list of URN strings",
        ),
        (
            '{"version": 3, "deployment": {"resources": [{"urn": "urn:pulumi:s::p::t::a", "type": "t", '
            '"dependencies": [{}]}]}}',
            "deployment.resources[0].dependencies is not a list of URN strings",
        ),
        (
            '{"version": 3, "deployment": {"resources": [{"urn": "urn:pulumi:s::p::t::a", "type": "t", '
            '"propertyDependencies": {"x": "urn:pulumi:s::p::t::b"}}]}}',
            "deployment.resources[0].propertyDependencies is not an object of lists of URN strings",
        ),
        (
            '{"version": 3, "deployment": {"resources": [{"urn": "urn:pulumi:s::p::t::a", "type": "t", "parent": 1}]}}',
            "deployment.resources[0].parent is not a URN string",
        ),
    ],
)
def test_shape_errors_name_the_key(tmp_path, text, reason):
    path = tmp_path / "shape.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadInput, match="^" + re.escape(f"{path}: ") + ".*" + re.escape(reason)):
        list(iter_resources(path))


def test_resources_of_several_stacks_are_refused_while_streaming(tmp_path):
    doc = read_export(EXPORTS / "staging.json")
    doc = copy.deepcopy(doc)
    doc["deployment"]["resources"][-1]["urn"] = doc["deployment"]["resources"][-1]["urn"].replace("staging", "prod", 1)
    with pytest.raises(BadInput, match=r"several stacks \(prod, staging\)"):
        check_export_file(_write(tmp_path, doc))
    assert check_export_file(_write(tmp_path, doc), stack="staging").stack == "staging"


def test_a_null_resources_list_is_an_empty_stack(tmp_path):
    path = _write(tmp_path, {"version": 3, "deployment": {"manifest": {}, "resources": None}})
    result = check_export_file(path, stack="prod")
    assert result.resource_count == 0 and result.exit_code == 0


def test_every_escape_that_could_spell_a_marker_is_itself_a_marker():
    """The markers are hex digits and "-", so any escaped spelling of one holds ``\\u00``, which is a marker."""
    spelled = "".join(m for m in exports._MARKERS if m != "\\u00")
    assert set(spelled) <= set("0123456789abcdef-") and "\\u00" in exports._MARKERS
    assert set(UNKNOWN_SENTINELS) | {SECRET_SIG_KEY} <= set(exports._MARKERS)
