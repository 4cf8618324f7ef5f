"""Acceptance: values AWS would refuse are refused by `validate` first."""

from __future__ import annotations

import pytest

from macie_notify.config import loads
from macie_notify.errors import ConfigError


def _problems(text: str) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as info:
        loads(text)
    return [(p.path, p.message) for p in info.value.problems]


@pytest.mark.parametrize(
    ("tags", "path"),
    [
        ('{"team\\nops": a}', "stack.tags.team\nops"),  # AWS's \p{Z} has no newline
        ('{"team\\tops": a}', "stack.tags.team\tops"),
        ('{team: "a\\nb"}', "stack.tags.team"),
    ],
)
def test_tag_with_tab_or_newline_is_refused(tags: str, path: str) -> None:
    problems = _problems(f"stack: {{name: abc, tags: {tags}}}\n")
    assert [p for p, _ in problems] == [path]
    assert "may contain only letters, digits, spaces" in problems[0][1]


@pytest.mark.parametrize("tags", ['{"cost centre": "R D 1"}', "{équipe: données}"])
def test_unicode_letters_and_spaces_stay_valid(tags: str) -> None:
    config = loads(f"stack: {{name: abc, tags: {tags}}}\n")
    assert len(config.stack.tags) == 1
