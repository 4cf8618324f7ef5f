"""After a plain `pip install .` (no `local` extra), `demo` and `local serve` say what to
install instead of reporting a bug. moto is made unimportable in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

WITHOUT_MOTO = """
import sys
from pathlib import Path
sys.modules["moto"] = None  # as if the local extra were not installed
from macie_notify.cli.main import main
main(sys.argv[1:])
"""


@pytest.mark.parametrize(
    "argv",
    [["local", "serve", "--port", "0"], ["demo"], ["--local", "local", "serve", "--port", "0"]],
)
def test_the_local_extra_is_named_with_its_install_command(argv: list[str], tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_MOTO, *argv],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr.splitlines()[-2:] == [
        "Error: this command needs the embedded local AWS, which is not installed "
        "(moto is missing).",
        "Hint: install the 'local' extra: pip install 'macie-notify[local]' "
        "(from a clone: pip install -e '.[local]').",
    ]
    assert "Traceback" not in done.stderr and "report it as a bug" not in done.stderr
