"""docs/architecture.md keeps up with the code, checked without running a simulation.

In the page's prose (fenced blocks excluded), every inline code span that is
- a repository path (first part a top-level folder of the project, or a root file such as
  README.md; spans with placeholders like ``<name>`` or ``*`` are skipped) must exist;
- a dotted name starting with a package of the project (``eventsim.simulation.simulate``,
  ``hardware_models.placement.place``) must resolve: the longest importable module prefix,
  then attributes.
"""
import importlib
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"
TEXT = DOC.read_text(encoding="utf-8")
PROSE = re.sub(r"^```.*?^```[^\n]*$", "", TEXT, flags=re.S | re.M)
SPANS = [" ".join(s.split()) for s in re.findall(r"`([^`]+)`", PROSE)]

PACKAGES = ("eventsim", "networks", "hardware_models", "scenarios")
TOP_FOLDERS = PACKAGES + ("tests", "benchmarks", "docs")
ROOT_FILES = ("README.md", "Makefile", "setup.cfg", "pyproject.toml")
PLACEHOLDER = re.compile(r"[<>*{}$~\s]")
DOTTED = re.compile(r"(?:%s)(?:\.[A-Za-z_][A-Za-z0-9_]*)+" % "|".join(PACKAGES))


def _is_path(span: str) -> bool:
    if PLACEHOLDER.search(span):
        return False
    if "/" not in span:
        return span in ROOT_FILES
    return span.split("/")[0] in TOP_FOLDERS


PATHS = sorted({s for s in SPANS if _is_path(s)})
NAMES = sorted({s for s in SPANS if DOTTED.fullmatch(s)})


def resolve(name: str):
    """The object ``name`` stands for: its longest importable module prefix, then attributes
    (AttributeError or ImportError if it does not exist)."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        module = ".".join(parts[:i])
        try:
            obj = importlib.import_module(module)
        except ModuleNotFoundError as e:
            if e.name and (module == e.name or module.startswith(e.name + ".")):
                continue            # this prefix is not a module: try a shorter one
            raise                   # a module that exists failed to import
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(f"no module of {name!r} can be imported")


def test_the_page_has_checkable_references():
    assert len(PATHS) >= 30, PATHS
    assert len(NAMES) >= 20, NAMES


@pytest.mark.parametrize("path", PATHS)
def test_a_path_on_the_page_exists(path):
    target = ROOT / path
    assert target.exists(), f"docs/architecture.md names `{path}`, which does not exist"
    if path.endswith("/"):
        assert target.is_dir(), f"`{path}` is written as a folder but is a file"


@pytest.mark.parametrize("name", NAMES)
def test_a_dotted_name_on_the_page_resolves(name):
    try:
        resolve(name)
    except (ImportError, AttributeError) as e:
        pytest.fail(f"docs/architecture.md names `{name}`, which does not resolve: {e}")


def test_the_page_says_as_of_which_commit():
    found = re.search(r"^As of `([0-9a-f]{7,40})`", TEXT, flags=re.M)
    assert found, "docs/architecture.md must say 'As of `<short commit hash>`' at the top"
    git = shutil.which("git")
    if git is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    shallow = subprocess.run([git, "rev-parse", "--is-shallow-repository"], cwd=ROOT,
                             capture_output=True, text=True)
    if shallow.stdout.strip() != "false":
        pytest.skip("shallow or unreadable git history")
    known = subprocess.run([git, "cat-file", "-e", f"{found.group(1)}^{{commit}}"], cwd=ROOT,
                           capture_output=True)
    assert known.returncode == 0, f"commit {found.group(1)} is not in this repository"


def test_the_readme_links_the_page():
    assert "docs/architecture.md" in (ROOT / "README.md").read_text(encoding="utf-8")
