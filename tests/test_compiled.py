"""The optional mypyc build gives the same results as the pure-Python package.

Builds the package as a user opts in (``WARGAME_COMPILE=1 pip install .``, into a temporary
directory; ``--no-build-isolation``, as mypy and setuptools come with the test extra), checks
that the engine then loads compiled, and compares its output byte for byte with the pure
sources': two West Hunan turn logs, a tutorial log (the objective falls: 0 km) and a small
2-worker batch's runs.csv. Skipped without a C compiler, Python headers or mypy. About a
minute on 2 cores, most of it the C compile.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ["pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "build_backend", "wargame"]
SOURCES += ["scenarios"]


def _missing() -> str | None:
    """Why the compiled build cannot be made here, or None."""
    cc = (os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(cc) is None:
        return f"no C compiler ({cc})"
    include = Path(sysconfig.get_paths()["include"])
    if not (include / "Python.h").exists():
        return f"no Python headers ({include}/Python.h)"
    for module in ("mypyc", "setuptools", "wheel"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (the test extra has it)"
    return None


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``pure``: the source tree; ``compiled``: the mypyc build of a copy of it."""
    why = _missing()
    if why:
        pytest.skip(f"cannot build the mypyc package: {why}")
    tmp = tmp_path_factory.mktemp("compiled")
    src = tmp / "src"
    src.mkdir()
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.so", "*.pyd", "*.egg-info")
            shutil.copytree(path, src / name, ignore=ignore)
        else:
            shutil.copy2(path, src / name)
    site = tmp / "site"
    env = {**os.environ, "WARGAME_COMPILE": "1"}
    cmd = [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation"]
    cmd += ["--no-cache-dir", "--target", str(site), str(src)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return {"pure": ROOT, "compiled": site}


def _python(site: Path, cwd: Path, *args: str) -> str:
    """Run Python on the package at ``site`` (first on the path: cwd is not the checkout)."""
    env = {**os.environ, "PYTHONPATH": str(site), "PYTHONHASHSEED": "0"}
    env.pop("WARGAME_COMPILE", None)
    done = subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_compiled_engine_loads(sites: dict[str, Path], tmp_path: Path) -> None:
    code = "import wargame, wargame.engine as e; print(wargame.COMPILED, e.__file__)"
    compiled, where = _python(sites["compiled"], tmp_path, "-c", code).split()
    assert compiled == "True"
    assert Path(where).is_relative_to(sites["compiled"]) and not where.endswith(".py")
    pure, where = _python(sites["pure"], tmp_path, "-c", code).split()
    assert pure == "False" and Path(where) == ROOT / "wargame" / "engine.py"
    out = _python(sites["compiled"], tmp_path, "-m", "wargame", "--version")
    assert out.strip().endswith("(compiled with mypyc)")


DRAWS = """
import numpy as np
from wargame import draws
assert draws.KERNEL, "the compiled draws are not in use"
pick = np.random.default_rng(11)
ours, theirs = np.random.default_rng(1945), np.random.default_rng(1945)
for _ in range(20_000):
    n = int(pick.integers(0, 20_000)) if pick.random() < 0.5 else int(pick.integers(0, 60))
    p = float(pick.choice([0.0, 1.0, pick.random(), pick.random() / 100]))
    assert draws.binomial(ours, n, p) == int(theirs.binomial(n, p)), (n, p)
    k = pick.random()
    w = (1 - k) * pick.random()
    split = draws.multinomial3(ours, n, k, w, max(0.0, 1 - k - w))
    assert split == tuple(int(x) for x in theirs.multinomial(n, [k, w, max(0.0, 1 - k - w)]))
assert ours.bit_generator.state == theirs.bit_generator.state
for bad in ((-1, 0.5), (10, 1.5), (10, float("nan"))):
    try:
        draws.binomial(ours, *bad)
    except ValueError:
        pass
    else:
        raise AssertionError(f"binomial{bad} was accepted")
print("ok")
"""


def test_compiled_draws_are_numpys(sites: dict[str, Path], tmp_path: Path) -> None:
    """The kernel is in use and gives numpy's numbers over 20,000 draws of each kind (both of
    numpy's binomial paths, p = 0 and 1), leaving the generator as numpy would."""
    assert _python(sites["compiled"], tmp_path, "-c", DRAWS).strip() == "ok"


@pytest.mark.parametrize(
    "args", [["--seed", "1"], ["--seed", "7"], ["tutorial", "--seed", "3"]], ids=str
)
def test_same_turn_log(sites: dict[str, Path], tmp_path: Path, args: list[str]) -> None:
    logs = {}
    for build, site in sites.items():
        log = tmp_path / f"{build}.jsonl"
        _python(site, tmp_path, "-m", "wargame", "run", *args, "--log", str(log), "--quiet")
        logs[build] = log.read_bytes()
    assert logs["compiled"] == logs["pure"]


def test_same_batch(sites: dict[str, Path], tmp_path: Path) -> None:
    runs = {}
    for build, site in sites.items():
        out = tmp_path / build
        batch = ["batch", "-n", "20", "--seed", "5", "--workers", "2", "--quiet"]
        _python(site, tmp_path, "-m", "wargame", *batch, "--out", str(out))
        runs[build] = (out / "runs.csv").read_bytes()
    assert runs["compiled"] == runs["pure"]
