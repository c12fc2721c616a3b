"""One concept, one home: measures, reason codes and settings are each listed in one registry only."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from flows.config import ENV_PREFIX, Settings
from flows.normalize.measures import MEASURES, REGISTRY, reference_table
from flows.reasons import all_reason_codes

ROOT = Path(__file__).resolve().parents[1]
MEASURES_HOME = ROOT / "flows" / "normalize" / "measures.py"
REASONS_HOME = ROOT / "flows" / "reasons.py"
SETTINGS_HOME = ROOT / "flows" / "config.py"


def _sources(*patterns: str) -> list[Path]:
    return sorted(p for pattern in patterns for p in ROOT.glob(pattern))


def test_measures_are_listed_only_in_their_registry() -> None:
    names = "|".join(map(re.escape, MEASURES))
    listing = re.compile(rf"\b(?:{names})\b")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _sources("flows/**/*.py", "sql/**/*.sql")
        if path != MEASURES_HOME
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if len(set(listing.findall(line))) >= 3
    ]
    assert not offenders, "measures listed outside flows/normalize/measures.py:\n" + "\n".join(
        offenders
    )


def test_the_reference_table_is_the_registry() -> None:
    table = reference_table()
    assert table.column("measure").to_pylist() == list(MEASURES)
    levels = {m.name for m in REGISTRY.values() if m.level}
    assert {r["measure"] for r in table.to_pylist() if r["is_level"]} == levels


def _dict_literals(path: Path) -> list[ast.Dict]:
    return [
        n for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(n, ast.Dict)
    ]


def test_reason_codes_are_defined_only_in_their_registry() -> None:
    codes = set(all_reason_codes())
    offenders = []
    for path in _sources("flows/**/*.py"):
        if path == REASONS_HOME:
            continue
        for node in _dict_literals(path):
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
            if len(keys & codes) >= 3:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, "reason codes defined outside flows/reasons.py: " + ", ".join(offenders)


def test_every_reason_code_is_documented_with_a_fix() -> None:
    for code, (stage, text) in all_reason_codes().items():
        assert re.fullmatch(r"[a-z]+(?:_[a-z]+)*", code), code
        assert stage and len(text) > 20, code


def _environment_reads(path: Path) -> list[int]:
    """Lines that read os.environ / os.getenv with a SKILLPULSE_ name."""
    hits = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call | ast.Subscript):
            text = ast.unparse(node)
            if ("os.environ" in text or "getenv(" in text) and ENV_PREFIX in text:
                hits.append(node.lineno)
    return hits


def test_settings_are_read_only_by_the_settings_object() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in _sources("flows/**/*.py")
        if path != SETTINGS_HOME
        for line in _environment_reads(path)
    ]
    assert not offenders, "SKILLPULSE_* read outside flows/config.py: " + ", ".join(offenders)


def test_every_variable_the_docs_name_is_a_setting() -> None:
    fields = {ENV_PREFIX + name.upper() for name in Settings.model_fields}
    named = {
        match
        for path in _sources("flows/**/*.py", "README.md", "CONTRIBUTING.md", "docs/*.md")
        for match in re.findall(rf"{ENV_PREFIX}[A-Z_]+[A-Z]", path.read_text(encoding="utf-8"))
    }
    assert named <= fields, f"not settings: {sorted(named - fields)}"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SKILLPULSE_FUZZY_THRESHOLD", "abc"),
        ("SKILLPULSE_FUZZY_THRESHOLD", "101"),
        ("SKILLPULSE_MAX_FILE_MB", "-1"),
        ("SKILLPULSE_MAX_CELLS", "0"),
        ("SKILLPULSE_BATCH_REPORTS", "many"),
    ],
)
def test_an_invalid_setting_is_one_clear_error(monkeypatch, variable: str, value: str) -> None:
    from flows.config import current_settings
    from flows.errors import ConfigError

    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=re.escape(f"{variable}={value!r}")):
        current_settings()
