"""The library stays a library: no CLI frameworks, no printing, pyvi loaded only when needed."""

import subprocess
import sys


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "; import sys; print(' '.join(sys.modules))"],
                         capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_library_imports_no_cli_framework_and_no_pyvi():
    loaded = _modules_after("import newsearch")
    assert not {"typer", "rich", "click", "pycrfsuite", "pyvi", "sklearn", "dask", "distributed"} & loaded


def test_accent_free_search_does_not_load_pyvi(tmp_path):
    code = (
        "import newsearch; ix = newsearch.create_index(r'%s');"
        "ix.searcher().search('tri tue nhan tao')" % (tmp_path / "ix")
    )
    assert "pycrfsuite" not in _modules_after(code)


def test_single_whoosh_distribution_installed():
    from importlib import metadata

    names = {d.metadata["Name"].lower() for d in metadata.distributions()}
    assert "whoosh3" in names
    assert not names & {"whoosh", "whoosh-reloaded", "whoosh-ng"}
