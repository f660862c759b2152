"""The wheel installs cleanly: built from what the Dockerfile copies (pyproject.toml, README.md,
src/), installed into a fresh virtualenv, it runs the services without Locust or the Chaos
Toolkit, and each extra brings its tool: ``load`` the Locust viewers, ``chaos`` the Chaos
Toolkit extension the experiments use.

Dependencies come at the versions of constraints.txt, so after the first run pip takes them
from its cache.
"""

from __future__ import annotations

import email.parser
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from trafficha import __version__

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
CONSTRAINTS = ROOT / "constraints.txt"
TOOLS = ("locust", "chaostoolkit", "chaostoolkit-kubernetes")


def run(*argv: str | Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(a) for a in argv],
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
        # Nothing of the suite's venv or of the caller's shell leaks into the fresh one.
        env={k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")},
        cwd=Path.home() if Path.home().is_dir() else "/",
    )
    assert done.returncode == 0, (argv, done.stdout[-3000:], done.stderr[-3000:])
    return done


def fails_to_import(python: Path, module: str) -> bool:
    done = subprocess.run(
        [str(python), "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    return done.returncode != 0 and "ModuleNotFoundError" in done.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from a copy of what the Dockerfile copies: nothing else is needed, and
    the build leaves nothing (build/, egg-info) in the working tree."""
    source = tmp_path_factory.mktemp("source")
    shutil.copy(ROOT / "pyproject.toml", source)
    shutil.copy(ROOT / "README.md", source)
    shutil.copytree(
        ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    out = tmp_path_factory.mktemp("wheel")
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--wheel-dir", out, source)
    (built,) = out.glob("trafficha-*.whl")
    return built


def test_the_wheel_requires_no_tool_outside_its_extras(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = (n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = email.parser.Parser().parsestr(archive.read(name).decode())
        files = set(archive.namelist())
    assert metadata["Version"] == __version__
    assert {"chaos", "load", "test"} <= set(metadata.get_all("Provides-Extra") or [])
    requires = metadata.get_all("Requires-Dist") or []
    always = [r for r in requires if "extra ==" not in r]
    assert always, requires
    for tool in TOOLS:
        assert not [r for r in always if r.split(";")[0].split(">")[0].strip() == tool], always
    # The modules the extras serve are in the wheel; the repository's locustfile is not needed.
    assert {"trafficha/loadtest.py", "trafficha/chaos/actions.py", "trafficha/py.typed"} <= files


def test_a_fresh_venv_runs_without_the_tools_and_each_extra_brings_its_own(
    wheel: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    # No pip inside: the suite's pip installs into it (``pip --python``), which is quicker.
    run(sys.executable, "-m", "venv", "--without-pip", venv, timeout=60)
    python = venv / "bin" / "python"

    def install(requirement: str) -> None:
        pip = (sys.executable, "-m", "pip", "--python", python, "install", "-q")
        run(*pip, "--no-compile", "-c", CONSTRAINTS, requirement)

    install(str(wheel))
    version = run(venv / "bin" / "trafficha", "--version", timeout=60)
    assert version.stdout.strip() == f"trafficha {__version__}"
    run(python, "-c", "import trafficha.services.collector, trafficha.services.processor")
    for module in ("locust", "chaostoolkit", "chaoslib", "chaosk8s"):
        assert fails_to_import(python, module), f"the bare wheel installed {module}"

    # [load]: the Locust viewers, still without the Chaos Toolkit.
    install(f"{wheel}[load]")
    run(python, "-c", "from trafficha.loadtest import DashboardViewer")
    assert fails_to_import(python, "chaoslib")

    # [chaos]: the extension the experiments name, and the experiments validate against it.
    install(f"{wheel}[chaos]")
    run(python, "-c", "import trafficha.chaos.actions, trafficha.chaos.probes, chaosk8s")
    run(
        venv / "bin" / "chaos",
        "--no-log-file",
        "validate",
        ROOT / "chaos" / "experiments" / "member1-down.json",
        timeout=60,
    )
