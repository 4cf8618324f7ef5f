"""Region names checked against botocore's endpoint data (read without importing botocore)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from macie_notify.config import loads
from macie_notify.config.regions import _endpoints_file, known_regions, region_problem
from macie_notify.errors import ConfigError


def test_known_regions_equal_botocore_partitions() -> None:
    path = _endpoints_file()
    assert path is not None
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    expected = {r: p["partition"] for p in data["partitions"] for r in p["regions"]}
    assert known_regions() == expected
    assert known_regions()["cn-north-1"] == "aws-cn"
    assert known_regions()["us-gov-west-1"] == "aws-us-gov"


@pytest.mark.parametrize(
    ("region", "problem"),
    [
        ("eu-west-1", None),
        ("us-gov-east-1", None),
        (
            "eu-wset-1",
            "'eu-wset-1' is not a Region of any AWS partition (did you mean 'eu-west-1'?)",
        ),
        (
            "eu-centrl-1",
            "'eu-centrl-1' is not a Region of any AWS partition (did you mean 'eu-central-1'?)",
        ),
        ("xx-nowhere-7", "'xx-nowhere-7' is not a Region of any AWS partition"),
    ],
)
def test_region_problem_suggests_the_closest(region: str, problem: str | None) -> None:
    assert region_problem(region) == problem


def test_validate_reports_a_typo_with_its_line() -> None:
    with pytest.raises(ConfigError) as caught:
        loads("stack:\n  name: demo-x\n  region: eu-wset-1\n", source="c.yaml")
    assert [str(p) for p in caught.value.problems] == [
        "stack.region (line 3): 'eu-wset-1' is not a Region of any AWS partition "
        "(did you mean 'eu-west-1'?)"
    ]


def test_the_check_does_not_import_botocore() -> None:
    code = (
        "import sys; from macie_notify.config import loads; "
        "loads('stack: {name: demo-x, region: eu-west-1}'); "
        "print('botocore' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_every_command_refuses_a_typo_through_aws() -> None:
    from macie_notify.aws import Aws, AwsSettings
    from macie_notify.errors import UsageError

    with pytest.raises(UsageError) as caught:
        _ = Aws(AwsSettings(region="eu-wset-1")).region
    assert caught.value.exit_code == 2
    assert caught.value.message.endswith("(did you mean 'eu-west-1'?)")
    assert Aws(AwsSettings(region="ap-southeast-2")).region == "ap-southeast-2"
