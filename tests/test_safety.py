"""Safety (issue 15): never clobber a user's file, never pass a changed log, fail cleanly
under faults.

One table per class of the issue; every case was checked to fail on the code before the
fix. Each refused case: exit 2 (1 where a run or a verification fails), one line on stderr
naming the file, no traceback, and the files around untouched.

- outputs against inputs (same path, link, hard link, bundled file, branch parent, orders);
- rollback removes only the program's own temporaries;
- planted ``.partial`` links are never followed;
- special files (FIFO, device, link to a descriptor, ``-``) are refused, not replaced;
- a second writer of a log or a batch folder fails cleanly (the first's lock);
- a batch folder is complete, marked partial, or its previous self;
- verify accounts for every byte of a log; a log's scenario_path is not followed anywhere;
- SIGTERM/SIGHUP are handled like SIGINT, a killed worker fails the batch;
- --connect-timeout holds against a silent or garbage-speaking server;
- exit 2 with one line where the input or the environment is at fault; messages.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import resource
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from wargame.cli import main
from wargame.formats import canonical_json
from wargame.turnlog import read_log

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
TUTORIAL = SCENARIOS / "tutorial.toml"
TUTORIAL_TEXT = TUTORIAL.read_text(encoding="utf-8")
PROGRESS = "runs,"  # a plain progress line of batch: "batch: 20/200 runs, ..."


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str, *names: str | Path) -> str:
    assert "Traceback" not in err, err
    lines = err.splitlines()
    assert len(lines) == 1, err
    for name in names:
        assert str(name) in lines[0], (str(name), lines[0])
    return lines[0]


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every entry under ``folder``: file bytes, or what a link points to, or its kind."""
    out: dict[str, bytes | str] = {}
    for p in sorted(folder.rglob("*")):
        key = str(p.relative_to(folder))
        if p.is_symlink():
            out[key] = "-> " + os.readlink(p)
        elif p.is_file():
            out[key] = p.read_bytes()
        else:
            out[key] = stat.filemode(p.lstat().st_mode)
    return out


def wargame(args: list[str], cwd: Path | None = None, **kw: Any) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "wargame", *args],
        cwd=cwd,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kw,
    )


@pytest.fixture
def tut(tmp_path: Path) -> Path:
    p = tmp_path / "mytut.toml"
    p.write_text(TUTORIAL_TEXT, encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete log, an interrupted-style copy, and a branch of the first, in one folder."""
    d = tmp_path_factory.mktemp("logs")
    assert main(["run", "tutorial", "--seed", "3", "--quiet", "--log", str(d / "a.jsonl")]) == 0
    assert (
        main(
            [
                "run",
                "--from",
                str(d / "a.jsonl"),
                "--day",
                "1",
                "--set",
                "params.ambush.surprise_factor=1.0",
                "--quiet",
                "--log",
                str(d / "b.jsonl"),
            ]
        )
        == 0
    )
    (d / "tut.toml").write_text(TUTORIAL_TEXT, encoding="utf-8")
    return d


# =========================================================================== 1 outputs vs inputs


def _cases_outputs_vs_inputs(tmp: Path, tut: Path, logs: Path) -> dict[str, list[str]]:
    parent = tmp / "parent.jsonl"
    parent.write_bytes((logs / "a.jsonl").read_bytes())
    os.link(tut, tmp / "hard.jsonl")
    (tmp / "soft.json").symlink_to(tut)
    orders = tmp / "orders.toml"
    orders.write_text('side = "chinese"\n', encoding="utf-8")
    return {
        "log is the scenario": ["run", str(tut), "--seed", "1", "--log", str(tut)],
        "summary is the scenario": ["run", str(tut), "--seed", "1", "--summary", str(tut)],
        "log is a hard link to the scenario": [
            "run",
            str(tut),
            "--seed",
            "1",
            "--log",
            str(tmp / "hard.jsonl"),
        ],
        "summary is a symbolic link to the scenario": [
            "run",
            str(tut),
            "--seed",
            "1",
            "--summary",
            str(tmp / "soft.json"),
        ],
        "branch log is its parent": [
            "run",
            "--from",
            str(parent),
            "--day",
            "1",
            "--log",
            str(parent),
        ],
        "log is a bundled scenario": ["run", str(tut), "--seed", "1", "--log", str(TUTORIAL)],
        "play log is its orders file": [
            "play",
            str(tut),
            "--side",
            "chinese",
            "--seed",
            "1",
            "--orders",
            str(orders),
            "--log",
            str(orders),
        ],
    }


CASES_1 = [
    "log is the scenario",
    "summary is the scenario",
    "log is a hard link to the scenario",
    "summary is a symbolic link to the scenario",
    "branch log is its parent",
    "log is a bundled scenario",
]


@pytest.mark.parametrize("case", CASES_1)
def test_an_output_that_is_an_input_is_refused_and_the_input_kept(
    case: str,
    tmp_path: Path,
    tut: Path,
    logs: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bundled = tmp_path / "bundled"
    bundled.mkdir()
    (bundled / "tutorial.toml").write_text(TUTORIAL_TEXT, encoding="utf-8")
    args = _cases_outputs_vs_inputs(tmp_path, tut, logs)[case]
    if "bundled" in case:  # aim at a copy standing in for the bundled folder, never the real one
        import wargame.session as session

        monkeypatch.setattr(session, "SCENARIO_DIR", bundled)
        args = [a if a != str(TUTORIAL) else str(bundled / "tutorial.toml") for a in args]
        args[1] = "tutorial"
    before = snapshot(tmp_path)
    monkeypatch.setattr("sys.stdin", open(os.devnull))  # noqa: SIM115
    code, _, err = run_cli(args, capsys)
    assert code == 2, err
    one_line(err)
    assert snapshot(tmp_path) == before


# =========================================================================== 2 rollback


def _fail_after(k: int, exc: BaseException) -> Callable[..., Any]:
    from wargame.analysis import batch

    real = batch.simulate
    count = {"n": 0}

    def simulate(*a: Any, **kw: Any) -> Any:
        count["n"] += 1
        if count["n"] > k:
            raise exc
        return real(*a, **kw)

    return simulate


@pytest.mark.parametrize(
    "command",
    [
        ["batch", "tutorial", "-n", "6", "--force"],
        ["whatif", "tutorial", "-n", "3", "--variants", "no_ambush", "--force"],
    ],
    ids=["batch --force, an error", "whatif, Ctrl-C"],
)
def test_rollback_removes_only_the_programs_own_temporaries(
    command: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from wargame.analysis import batch

    out = tmp_path / "out"
    out.mkdir()
    for name in ("notes.partial", "runs.csv.partial", "mine.md.partial"):
        (out / name).write_text("the user's own file\n", encoding="utf-8")
    before = snapshot(tmp_path)
    exc: BaseException = KeyboardInterrupt() if command[0] == "whatif" else RuntimeError("boom")
    monkeypatch.setattr(batch, "simulate", _fail_after(2, exc))
    code, _, _ = run_cli(
        [*command, "--seed", "1", "--workers", "1", "--quiet", "--out", str(out)], capsys
    )
    assert code in (1, 130)
    assert snapshot(tmp_path) == before


# =========================================================================== 3 planted links


@pytest.mark.parametrize(
    ("option", "planted"),
    [
        ("--log", "x.jsonl.partial"),
        ("--summary", "x.json.partial"),
        ("--export", "x.txt.partial"),
    ],
)
def test_a_planted_partial_link_is_never_followed(
    option: str, planted: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    (tmp_path / planted).symlink_to(victim)
    target = tmp_path / planted.removesuffix(".partial")
    code, _, err = run_cli(
        ["run", "tutorial", "--seed", "1", "--quiet", option, str(target)], capsys
    )
    assert code == 0, err
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert (tmp_path / planted).is_symlink()  # not ours: left alone
    assert target.is_file() and not target.is_symlink()


def test_a_planted_runs_csv_partial_link_is_never_followed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    out = tmp_path / "b"
    out.mkdir()
    (out / "runs.csv.partial").symlink_to(victim)
    code, _, err = run_cli(
        [
            "batch",
            "tutorial",
            "-n",
            "2",
            "--seed",
            "1",
            "--workers",
            "1",
            "--quiet",
            "--force",
            "--out",
            str(out),
        ],
        capsys,
    )
    assert code == 0, err
    assert victim.read_text(encoding="utf-8") == "precious\n"


# =========================================================================== 4 special files


def _special(kind: str, tmp: Path) -> Path:
    p = tmp / f"special-{kind.replace(' ', '-').replace('/', '_')}"
    if kind == "fifo":
        os.mkfifo(p)
    elif kind == "character device":
        if os.geteuid() != 0:
            pytest.skip("making a device needs root")
        os.mknod(p, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a private /dev/null
    elif kind == "link to /proc/self/fd/1":
        p.symlink_to("/proc/self/fd/1")
    elif kind == "socket":
        s = socket.socket(socket.AF_UNIX)
        s.bind(str(p))
        s.close()
    return p


@pytest.mark.parametrize("option", ["--log", "--summary"])
@pytest.mark.parametrize("kind", ["fifo", "character device", "link to /proc/self/fd/1", "socket"])
def test_a_special_file_as_output_is_refused_not_replaced(
    kind: str, option: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = _special(kind, tmp_path)
    before = snapshot(tmp_path)
    args = ["run", "tutorial", "--seed", "1", "--quiet", option, str(p)]
    if kind.startswith("link"):  # fd 1 of a process of its own: a pipe
        proc = subprocess.run(
            [sys.executable, "-m", "wargame", *args], capture_output=True, text=True, timeout=120
        )
        code, err = proc.returncode, proc.stderr
    else:
        code, _, err = run_cli(args, capsys)
    assert code == 2, err
    one_line(err, p)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("option", ["--log", "--summary"])
def test_a_dash_is_not_taken_for_a_file_name(
    option: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(["run", "tutorial", "--seed", "1", "--quiet", option, "-"], capsys)
    assert code == 2
    assert "standard output" in one_line(err)
    assert not list(tmp_path.iterdir())


# =========================================================================== 5 concurrent writers


def _hold_lock(path: Path) -> int:
    """Take the lock another wargame process would hold on ``path`` (its NAME.lock)."""
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


@pytest.mark.parametrize(
    "command",
    [
        ["run", "tutorial", "--seed", "1", "--quiet", "--log", "{p}"],
        ["run", "tutorial", "--seed", "1", "--quiet", "--summary", "{p}"],
        ["play", "tutorial", "--side", "chinese", "--seed", "1", "--quiet", "--log", "{p}"],
        ["batch", "tutorial", "-n", "2", "--seed", "1", "--quiet", "--force", "--out", "{p}"],
    ],
    ids=["run --log", "run --summary", "play --log", "batch --out"],
)
def test_a_second_writer_of_the_same_output_fails_cleanly(
    command: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = tmp_path / "shared"
    if command[0] == "batch":
        target.mkdir()
        (target / "theirs.txt").write_text("the first writer's\n", encoding="utf-8")
    fd = _hold_lock(target)
    monkeypatch.setattr("sys.stdin", open(os.devnull))  # noqa: SIM115
    try:
        before = snapshot(tmp_path)
        code, _, err = run_cli([a.replace("{p}", str(target)) for a in command], capsys)
        assert code == 2, err
        assert "another process" in one_line(err, target)
        assert snapshot(tmp_path) == before
    finally:
        os.close(fd)


def test_two_processes_writing_one_log_never_corrupt_it(tmp_path: Path) -> None:
    log = tmp_path / "x.jsonl"
    first = wargame(
        ["run", "tutorial", "--seed", "1", "--plain", "--delay", "0.3", "--log", "x.jsonl"],
        cwd=tmp_path,
    )
    assert first.stdout is not None
    first.stdout.readline()  # day 0 played: the first holds the log
    second = subprocess.run(
        [
            sys.executable,
            "-m",
            "wargame",
            "run",
            "tutorial",
            "--seed",
            "2",
            "--quiet",
            "--log",
            "x.jsonl",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    _, err = first.communicate(timeout=120)
    assert second.returncode == 2, second.stderr
    one_line(second.stderr, "x.jsonl")
    assert first.returncode == 0, err
    assert read_log(log).header.seed == 1
    assert main(["verify", str(log)]) == 0


# =========================================================================== 6 batch folders


def _batch(out: Path, *extra: str, n: int = 4) -> list[str]:
    return [
        "batch",
        "tutorial",
        "-n",
        str(n),
        "--seed",
        "1",
        "--workers",
        "1",
        "--quiet",
        "--out",
        str(out),
        *extra,
    ]


def _is_consistent(out: Path, before: dict[str, bytes | str]) -> str:
    """A batch folder is its previous self, a complete batch or a marked partial batch."""
    if not out.exists():
        assert not before, "the previous batch vanished"
        return "absent"
    now = snapshot(out)
    if now == before:
        return "previous"
    assert not [n for n in now if n.endswith(".partial")], now
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    rows = (out / "runs.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert summary["runs_done"] == len(rows)
    assert (out / "report.md").is_file()
    if summary["partial"]:
        assert ("daily.csv" in now) == (len(rows) > 0), now  # no old daily.csv left over
        return "partial"
    assert "daily.csv" in now
    return "complete"


@pytest.mark.parametrize(
    ("fault", "where", "previous"),
    [
        ("error", "report", False),
        ("error", "report", True),
        ("error", "daily", False),
        ("error", "daily", True),
        ("Ctrl-C", "report", False),
        ("Ctrl-C at 0 runs", "runs", True),
        ("double Ctrl-C", "summary", False),
        ("double Ctrl-C", "summary", True),
    ],
)
def test_a_batch_folder_is_always_complete_partial_or_its_previous_self(
    fault: str,
    where: str,
    previous: bool,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from wargame.analysis import batch, stats

    out = tmp_path / "b"
    if previous:
        assert main(_batch(out, n=3)) == 0
    before = snapshot(out) if out.exists() else {}
    exc: BaseException = RuntimeError("boom") if fault == "error" else KeyboardInterrupt()

    def raiser(*a: Any, **kw: Any) -> Any:
        raise exc

    if where == "runs":
        monkeypatch.setattr(batch, "simulate", _fail_after(0, KeyboardInterrupt()))
    else:
        if fault == "double Ctrl-C":
            monkeypatch.setattr(batch, "simulate", _fail_after(2, KeyboardInterrupt()))
        if where == "report":
            monkeypatch.setattr(batch, "batch_report", raiser)
        elif where == "daily":
            monkeypatch.setattr(batch.DailyBands, "rows", raiser)
        elif where == "summary":
            monkeypatch.setattr(stats, "summarise", raiser)
    code, _, _ = run_cli(_batch(out, "--force"), capsys)
    assert code in (1, 130)
    state = _is_consistent(out, before)
    if fault == "Ctrl-C at 0 runs":
        assert state == "partial"
    elif fault != "Ctrl-C":
        assert state in ("absent", "previous")


def test_a_full_disk_leaves_no_temporary_behind(tmp_path: Path) -> None:
    def small_files() -> None:  # a file may not grow past 8 KB: as good as a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (8000, 8000))

    for args in (
        _batch(tmp_path / "b", n=60),
        ["run", "tutorial", "--seed", "1", "--quiet", "--log", str(tmp_path / "x.jsonl")],
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "wargame", *args],
            capture_output=True,
            text=True,
            timeout=300,
            preexec_fn=small_files,
        )
        assert proc.returncode == 2, proc.stderr
        one_line(proc.stderr, "cannot write")
        assert not [p for p in tmp_path.rglob("*") if p.is_file()], list(tmp_path.rglob("*"))


def test_compare_says_a_folder_without_its_summary_is_not_a_complete_batch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "b"
    assert main(_batch(out, n=3)) == 0
    (out / "summary.json").unlink()
    capsys.readouterr()
    code, _, err = run_cli(["compare", str(out)], capsys)
    assert code == 0
    assert "no summary.json" in one_line(err, out)


# =========================================================================== 7 verify


def _edit(src: Path, dst: Path, line: int, change: Callable[[dict[str, Any]], None]) -> Path:
    lines = src.read_text(encoding="utf-8").splitlines()
    rec = json.loads(lines[line])
    change(rec)
    lines[line] = canonical_json(rec)
    dst.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dst


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(rec: dict[str, Any]) -> None:
        node = rec
        *path, last = key.split(".")
        for k in path:
            node = node[k]
        node[last] = value

    return change


VERIFY_EDITS = [
    ("a.jsonl", 0, "program", "wargame 9.9.9"),
    ("a.jsonl", 0, "scenario", "Another name"),
    ("a.jsonl", 0, "scenario_path", "./tut.toml"),  # the same file, spelt another way
    ("b.jsonl", 0, "branch.from_log", "elsewhere.jsonl"),
    ("b.jsonl", 0, "branch.date", "1945-01-01"),
    ("b.jsonl", 0, "branch.from_log_sha256", "not a digest"),
    ("b.jsonl", 0, "branch.extra", "an extra key"),
    ("b.jsonl", 0, "branch.overrides", ["params.ambush.surprise_factor=1.0", "x"]),
]


@pytest.mark.parametrize(("log", "line", "key", "value"), VERIFY_EDITS)
def test_verify_fails_on_any_changed_field(
    log: str,
    line: int,
    key: str,
    value: Any,
    logs: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "tut.toml").write_text(TUTORIAL_TEXT, encoding="utf-8")
    edited = _edit(logs / log, tmp_path / log, line, _set(key, value))
    capsys.readouterr()
    code, _, err = run_cli(["verify", str(edited)], capsys)
    assert code in (1, 2), err
    one_line(err, edited)


@pytest.mark.parametrize("reason", ["whatever", "interrupted by the user", "failed", 42], ids=repr)
def test_verify_fails_on_a_changed_footer_reason(
    reason: Any, logs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "i.jsonl"
    lines = (logs / "a.jsonl").read_text(encoding="utf-8").splitlines()
    head, days = lines[0], lines[1:3]
    footer = {"type": "footer", "complete": False, "days": 2, "reason": reason}
    footer["final_hash"] = json.loads(days[-1])["hash"]
    src.write_text("\n".join([head, *days, canonical_json(footer)]) + "\n", encoding="utf-8")
    code, _, err = run_cli(["verify", str(src)], capsys)
    assert code == 1, err
    one_line(err, src)


def test_a_complete_footer_with_a_reason_fails_verify(
    logs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edited = _edit(logs / "a.jsonl", tmp_path / "a.jsonl", -1, _set("reason", "interrupted"))
    code, _, err = run_cli(["verify", str(edited)], capsys)
    assert code == 1
    one_line(err, edited)


def test_a_log_without_its_footer_verifies_its_days_but_exits_1(
    logs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cut = tmp_path / "cut.jsonl"
    lines = (logs / "a.jsonl").read_text(encoding="utf-8").splitlines()
    cut.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    code, _out, err = run_cli(["verify", str(cut)], capsys)
    assert code == 1
    assert "incomplete" in one_line(err, cut)


def test_an_untouched_log_and_its_branch_still_verify(
    logs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The control of the table above (passes before and after the fix)."""
    for name in ("a.jsonl", "b.jsonl"):
        code, out, err = run_cli(["verify", str(logs / name)], capsys)
        assert code == 0, err
        assert out.startswith("verified")


# =========================================================================== 8 scenario_path


@pytest.mark.parametrize(
    "ref",
    [
        "/etc/passwd",
        "/proc/self/environ",
        "{outside}",
        "../outside/tut.toml",
        "link.toml",
    ],
)
@pytest.mark.parametrize("command", ["replay", "verify", "plot"])
def test_a_logs_scenario_path_is_followed_only_to_bundled_files_or_beside_the_log(
    ref: str, command: str, logs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "tut.toml").write_text(TUTORIAL_TEXT, encoding="utf-8")
    here = tmp_path / "here"
    here.mkdir()
    (here / "link.toml").symlink_to(outside / "tut.toml")
    ref = ref.replace("{outside}", str(outside / "tut.toml"))
    log = _edit(logs / "a.jsonl", here / "a.jsonl", 0, _set("scenario_path", ref))
    args = {
        "replay": ["replay", str(log), "--day", "1"],
        "verify": ["verify", str(log)],
        "plot": ["plot", str(log), "--out", str(tmp_path / "map.png")],
    }[command]
    if command == "plot":
        pytest.importorskip("matplotlib")
    code, _, err = run_cli(args, capsys)
    assert code == 2, err
    one_line(err, log)
    assert not (tmp_path / "map.png").exists()


@pytest.mark.parametrize(
    "ref", ["sub/../../outside/tut.toml", "http://example.com/tut.toml", "no_such_bundled"]
)
def test_other_scenario_paths_stay_refused(
    ref: str, logs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Refused before the fix too (not found): a guard that the new resolution keeps them."""
    log = _edit(logs / "a.jsonl", tmp_path / "a.jsonl", 0, _set("scenario_path", ref))
    code, _, err = run_cli(["verify", str(log)], capsys)
    assert code == 2, err
    one_line(err, log)


def test_replay_and_verify_take_the_scenario_from_the_command_line(
    logs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "tut.toml").write_text(TUTORIAL_TEXT, encoding="utf-8")
    log = logs / "a.jsonl"
    code, _, err = run_cli(
        ["replay", str(log), "--day", "1", "--scenario", str(outside / "tut.toml")], capsys
    )
    assert code == 0, err


# =========================================================================== 9 signals


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in text.split()]


def _started_batch(out: Path, workers: int) -> subprocess.Popen[str]:
    """A batch with plain progress lines; returns once the first 10 % are done."""
    proc = wargame(
        [
            "batch",
            "tutorial",
            "-n",
            "400",
            "--seed",
            "1",
            "--workers",
            str(workers),
            "--out",
            str(out),
        ],
        start_new_session=True,
    )
    assert proc.stderr is not None
    first = proc.stderr.readline()
    assert PROGRESS in first, first
    return proc


def _rest_of_stderr(proc: subprocess.Popen[str], timeout: float) -> str:
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise AssertionError("the batch hung") from None
    return "\n".join(line for line in err.splitlines() if PROGRESS not in line)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
@pytest.mark.parametrize("group", [False, True], ids=["the parent", "the process group"])
def test_sigterm_and_sighup_stop_a_batch_like_ctrl_c(
    sig: signal.Signals, group: bool, tmp_path: Path
) -> None:
    out = tmp_path / "b"
    proc = _started_batch(out, workers=2)
    if group:
        os.killpg(proc.pid, sig)
    else:
        proc.send_signal(sig)
    err = _rest_of_stderr(proc, 60)
    assert proc.returncode == 130, err
    assert "interrupted" in one_line(err)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["partial"] is True


def test_a_killed_worker_fails_the_batch_instead_of_hanging_it(tmp_path: Path) -> None:
    out = tmp_path / "b"
    proc = _started_batch(out, workers=2)
    workers = [c for c in _children(proc.pid) if c != proc.pid]
    assert workers
    for w in workers:
        with pytest.MonkeyPatch.context():
            try:
                cmdline = Path(f"/proc/{w}/cmdline").read_bytes()
            except OSError:
                continue
            if b"resource_tracker" not in cmdline:
                os.kill(w, signal.SIGKILL)
                break
    err = _rest_of_stderr(proc, 60)
    assert proc.returncode == 1, err
    assert "worker" in one_line(err)
    assert not out.exists()


def test_sigterm_stops_a_run_like_ctrl_c(tmp_path: Path) -> None:
    proc = wargame(
        ["run", "tutorial", "--seed", "6", "--plain", "--delay", "0.3", "--log", "x.jsonl"],
        cwd=tmp_path,
    )
    assert proc.stdout is not None
    proc.stdout.readline()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in one_line(err)
    log = read_log(tmp_path / "x.jsonl")
    assert log.footer is not None and log.footer["reason"] == "interrupted"


# =========================================================================== 10 connect timeout


@pytest.fixture
def server() -> Iterator[Callable[[bytes | None], int]]:
    """A TCP server that accepts and then stays silent (None) or sends some bytes."""
    socks: list[socket.socket] = []

    def start(greeting: bytes | None) -> int:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(16)
        socks.append(s)

        def serve() -> None:
            while True:
                try:
                    c, _ = s.accept()
                except OSError:
                    return
                socks.append(c)
                if greeting is not None:
                    with contextlib.suppress(OSError):
                        c.sendall(greeting)

        threading.Thread(target=serve, daemon=True).start()
        return int(s.getsockname()[1])

    yield start
    for s in socks:
        s.close()


@pytest.mark.parametrize(
    "greeting",
    [None, b"\xff" * 64, b"HTTP/1.1 400 Bad Request\r\n\r\n", (10**6).to_bytes(8, "little")],
    ids=["silent", "0xff bytes", "an HTTP server", "a length and then silence"],
)
def test_connect_timeout_holds_against_a_server_that_is_not_a_scheduler(
    greeting: bytes | None, server: Callable[[bytes | None], int], tmp_path: Path
) -> None:
    pytest.importorskip("distributed")
    port = server(greeting)
    t0 = time.monotonic()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "wargame",
            "batch",
            "tutorial",
            "-n",
            "2",
            "--seed",
            "1",
            "--quiet",
            "--scheduler",
            f"tcp://127.0.0.1:{port}",
            "--connect-timeout",
            "1",
            "--out",
            str(tmp_path / "b"),
        ],
        capture_output=True,
        text=True,
        timeout=45,
    )
    assert proc.returncode == 2, proc.stderr
    one_line(proc.stderr, f"tcp://127.0.0.1:{port}")
    assert time.monotonic() - t0 < 30
    assert not (tmp_path / "b").exists()


# =========================================================================== 11 exit 2, not 1


def test_exit_2_where_the_input_or_the_environment_is_at_fault(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    os.symlink("loop_b", "loop_a")
    os.symlink("loop_a", "loop_b")
    rec = tmp_path / "rec.toml"
    text = (ROOT / "wargame" / "data" / "historical_record.toml").read_text(encoding="utf-8")
    rec.write_text(text.replace("value = 11000", "value = nan", 1), encoding="utf-8")
    assert (
        main(
            [
                "batch",
                "tutorial",
                "-n",
                "2",
                "--seed",
                "1",
                "--workers",
                "1",
                "--quiet",
                "--out",
                "b",
            ]
        )
        == 0
    )
    capsys.readouterr()
    cases = {
        "output name too long": (
            ["run", "tutorial", "--seed", "1", "--quiet", "--log", "x" * 300 + ".jsonl"],
            "x" * 50,
        ),
        "output is a loop of links": (
            ["run", "tutorial", "--seed", "1", "--quiet", "--log", "loop_a"],
            "loop_a",
        ),
        "scenario name too long": (["validate", "y" * 300 + ".toml"], "y" * 50),
        "a NaN in the historical record": (["compare", "b", "--record", str(rec)], "rec.toml"),
    }
    for case, (args, name) in cases.items():
        before = snapshot(tmp_path)
        code, _, err = run_cli(args, capsys)
        assert code == 2, (case, err)
        one_line(err, name)
        assert snapshot(tmp_path) == before, case


@pytest.mark.parametrize(
    "args",
    [
        ["oob"],
        ["validate", "tutorial"],
        ["run", "tutorial", "--seed", "1"],
        ["params", "tutorial"],
    ],
    ids=" ".join,
)
def test_every_command_prints_in_the_encoding_it_has(args: list[str], tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "LC_ALL": "C"}
    proc = subprocess.run(
        [sys.executable, "-m", "wargame", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        errors="replace",
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout


@pytest.mark.parametrize("args", [["oob"], ["oob", "tutorial"]], ids=" ".join)
def test_a_closed_pipe_ends_the_output_quietly(args: list[str]) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "wargame", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # like `| head -0`: every write meets a closed pipe
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, err
    assert err == ""


# =========================================================================== 12 messages


def test_messages_name_the_field_and_the_problem(
    tmp_path: Path, tut: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    bom = tmp_path / "bom.toml"
    bom.write_bytes(b"\xef\xbb\xbf" + TUTORIAL_TEXT.encode("utf-8"))
    os.symlink("loop_b.toml", "loop_a.toml")
    os.symlink("loop_a.toml", "loop_b.toml")
    os.symlink("missing.toml", "dangling.toml")
    cases = [
        (
            ["validate", str(tut), "--set", "units.def_10div.strength_men=" + "9" * 5000],
            "units.def_10div.strength_men",
        ),
        (["validate", str(bom)], "byte-order mark"),
        (["validate", "loop_a.toml"], "loop"),
        (["validate", "loop_a"], "loop"),
        (["validate", "dangling.toml"], "missing file"),
        (["run", "--seed", "1", "--log", "loop_a.toml", "--quiet"], "loop"),
    ]
    for args, words in cases:
        code, _, err = run_cli(args, capsys)
        assert code == 2, (args[:2], err)
        assert words in one_line(err), (args[:2], err)


def test_twenty_thousand_unknown_keys_print_twenty_lines_and_a_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = "".join(f"zz{i} = 1\n" for i in range(20_000))
    p = tmp_path / "many.toml"
    p.write_text(TUTORIAL_TEXT.replace("[meta]\n", "[meta]\n" + extra, 1), encoding="utf-8")
    code, _, err = run_cli(["validate", str(p)], capsys)
    assert code == 2
    lines = err.splitlines()
    assert len(lines) == 21, len(lines)
    assert "19,980 more" in lines[-1]


def test_plot_says_so_when_it_draws_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("matplotlib")
    from wargame.analysis.batch import COLUMNS

    d = tmp_path / "empty"
    d.mkdir()
    (d / "runs.csv").write_text(",".join(COLUMNS) + "\n", encoding="utf-8")
    code, out, err = run_cli(["plot", str(d)], capsys)
    assert code == 2
    assert "wrote" not in out
    assert "nothing to draw" in one_line(err, d)


# =========================================================================== 13 other


def test_a_variant_named_baseline_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    v = tmp_path / "v.toml"
    v.write_text(
        '[variants.baseline]\ndescription = "sneaky"\n'
        'set = ["params.ambush.surprise_factor=1.0"]\n',
        encoding="utf-8",
    )
    code, _, err = run_cli(
        [
            "whatif",
            "tutorial",
            "-n",
            "2",
            "--seed",
            "1",
            "--workers",
            "1",
            "--quiet",
            "--variants-file",
            str(v),
        ],
        capsys,
    )
    assert code == 2
    assert "baseline" in one_line(err, v)


@pytest.mark.parametrize("what", ["batch folder", "log map"])
def test_plot_does_not_draw_over_existing_charts_without_force(
    what: str, tmp_path: Path, logs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("matplotlib")
    if what == "batch folder":
        out = tmp_path / "b"
        assert main(_batch(out, n=3)) == 0
        chart = out / "outcomes.png"
        args = ["plot", str(out)]
    else:
        chart = tmp_path / "map.png"
        args = ["plot", str(logs / "a.jsonl"), "--out", str(chart)]
    chart.write_bytes(b"the user's chart")
    capsys.readouterr()
    code, _, err = run_cli(args, capsys)
    assert code == 2
    assert "--force" in one_line(err, chart)
    assert chart.read_bytes() == b"the user's chart"
    code, _, err = run_cli([*args, "--force"], capsys)
    assert code == 0, err
    assert chart.read_bytes().startswith(b"\x89PNG")
