"""The README stays true: its example runs, its commands are the ones CI uses, every command is documented."""

import re
import shutil
import subprocess
import sys

from newsearch.cli import app

from .conftest import ROOT, SAMPLE

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README, flags=re.S)


def test_readme_python_example_runs(tmp_path):
    shutil.copytree(SAMPLE, tmp_path / "sample_corpus")
    script = tmp_path / "example.py"
    script.write_text(_python_blocks()[0], encoding="utf-8")
    out = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "Hà Nội mùa thu" in out.stdout and "hits in" in out.stdout


def test_readme_starts_with_the_two_commands():
    commands = re.findall(r"```sh\n(.*?)\n```", README, flags=re.S)[:2]
    assert "pip install ." in commands[0] and "newsearch search" in commands[0]
    assert "pip install '.[test]'" in commands[1] and "pytest" in commands[1]


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "Run the tests:" in README and "awk '/^Run the tests:/{found=1} found && /^python3 -m venv /{print; exit}' README.md" in ci


def test_every_command_is_documented():
    for command in app.registered_commands:
        assert f"newsearch {command.name}" in README
