"""The real bot as a process on the console: acknowledged answers survive ``kill -9``, a reveal after a restart
happens exactly once, and SIGTERM stops it cleanly."""

from __future__ import annotations

import datetime as dt
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.decks import load_decks
from tests.integration.quiz_steps import claim_for

ROOT = Path(__file__).resolve().parents[2]
WAIT = 30.0  # seconds; generous for a loaded machine, never reached when things work
OTHER_ANSWERS = {"Bob": "잘 모르겠습니다", "Carol": "다음에 답할게요", "Dave": "모르겠어요"}


class BotProcess:
    """``python -m bot run`` with stdin to type into and stdout read line by line, every wait bounded."""

    def __init__(self, env: dict[str, str], cwd: Path, log: Path) -> None:
        self._log = log.open("a", encoding="utf-8")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            env=env,
            cwd=cwd,
            text=True,
            encoding="utf-8",
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, wanted: Callable[[str], bool], what: str, timeout: float = WAIT) -> str:
        """The first new output line satisfying ``wanted``; fails after ``timeout`` seconds or at exit."""
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=remaining)
            except queue.Empty:
                break
            if line is None:
                raise AssertionError(f"the bot exited while waiting for {what}; last output: {self.lines[-15:]}")
            self.lines.append(line)
            if wanted(line):
                return line
        raise AssertionError(f"no {what} within {timeout}s; last output: {self.lines[-15:]}")

    def wait_line(self, text: str) -> str:
        return self.wait_for(lambda line: line == text, repr(text))

    def type(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def kill(self) -> None:
        self.proc.kill()  # SIGKILL: no cleanup of any kind
        self.proc.wait(timeout=WAIT)
        self.close()

    def close(self) -> None:
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()
        self._log.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=WAIT)
        self.close()


@pytest.fixture
def bot_env(tmp_path: Path) -> dict[str, str]:
    """Environment for a console bot on a temp database, with no daily slot anywhere near now."""
    far_from_now = (dt.datetime.now(ZoneInfo("Asia/Seoul")) + dt.timedelta(hours=12)).strftime("%H:%M")
    config = tmp_path / "quizbot.yaml"
    config.write_text(
        f"language: en\n"
        f"decks: [{ROOT / 'questions'}]\n"
        f"defaults:\n  post_time: '{far_from_now}'\n"
        f"scheduler:\n  grace_period: 1m\n"
        # Reveals happen only when typed: the test controls time by commands, not by waiting.
        f"console:\n  reveal_delay: 6h\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "QUIZBOT_"))}
    env.update(
        QUIZBOT_DB=str(tmp_path / "quiz.sqlite3"),
        QUIZBOT_CONFIG=str(config),
        QUIZBOT_PLATFORM="console",  # stdin is a pipe, not a terminal: the console must be asked for
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture
def launch(bot_env: dict[str, str], tmp_path: Path) -> Iterator[Callable[[], BotProcess]]:
    started: list[BotProcess] = []

    def start() -> BotProcess:
        process = BotProcess(bot_env, tmp_path, tmp_path / "bot.log")
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


def query(path: str, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        return [tuple(row) for row in conn.execute(sql, params)]
    finally:
        conn.close()


def open_question(bot: BotProcess) -> str:
    """Wait for the opening question; returns its header line."""
    return bot.wait_for(lambda line: line.startswith("[Interview question] #"), "the question")


def test_acknowledged_answers_survive_kill_9_and_the_reveal_after_restart_happens_once(
    launch: Callable[[], BotProcess], bot_env: dict[str, str]
) -> None:
    db = bot_env["QUIZBOT_DB"]
    first = launch()
    header = open_question(first)
    assert header.startswith("[Interview question] #1 · ")
    question = load_decks([ROOT / "questions"]).question("dl-interview-ko", header.rsplit(" · ", 1)[1])
    answers = {"Alice": " ".join(claim_for(c) for c in question.key_concepts), **OTHER_ANSWERS}
    for name, text in answers.items():
        first.type(f"{name}: {text}")
        first.wait_line(f"  ✓ {name}: Answer saved.")
    first.kill()

    stored = query(db, "SELECT member_id, text, late, withdrawn FROM answers WHERE round_id = 1 ORDER BY id")
    assert stored == [(name.casefold(), text, 0, 0) for name, text in answers.items()]
    assert query(db, "SELECT state FROM rounds") == [("open",)]

    second = launch()
    second.wait_for(lambda line: line.startswith("Commands:"), "the greeting")
    second.type("/reveal")
    second.wait_line("Reference answer")
    second.wait_line("Results")
    second.type("/reveal")
    second.wait_line("No round is open in this channel.")
    second.type("/leaderboard all")
    second.wait_line("Leaderboard · All time")
    board = [second.wait_for(lambda line: line[:1].isdigit(), "a leaderboard row") for _ in answers]
    second.kill()

    assert second.lines.count("Reference answer") == 1
    assert not any(line.startswith("[Interview question]") for line in second.lines)
    assert query(db, "SELECT id, state FROM rounds") == [(1, "revealed")]
    results = query(
        db,
        "SELECT member_id, answer_points + coverage_points + vote_points + streak_bonus FROM results "
        "WHERE round_id = 1 ORDER BY member_id",
    )
    assert [member for member, _ in results] == sorted(name.casefold() for name in answers)
    totals = query(db, "SELECT member_id, points, answers FROM totals WHERE period = 'all' ORDER BY member_id")
    assert totals == [(member, total, 1) for member, total in results]
    points = dict(results)
    assert {row.split(". ", 1)[1] for row in board} == {
        f"{name}: {points[name.casefold()]} pts (1)" for name in answers
    }
    assert points == {"alice": 30, "bob": 10, "carol": 10, "dave": 10}

    third = launch()
    open_question(third)  # nothing open any more, so the restarted console asks a new question
    third.type("/leaderboard all")
    third.wait_line("Leaderboard · All time")
    for _ in answers:
        third.wait_for(lambda line: line[:1].isdigit(), "a leaderboard row")
    third.type("/quit")
    assert third.proc.wait(timeout=WAIT) == 0
    third.close()
    assert "Reference answer" not in third.lines
    assert query(db, "SELECT member_id, points, answers FROM totals WHERE period = 'all' ORDER BY member_id") == totals
    assert query(db, "SELECT COUNT(*) FROM results") == [(len(answers),)]


def test_sigterm_stops_the_bot_promptly_and_leaves_a_sound_database(
    launch: Callable[[], BotProcess], bot_env: dict[str, str]
) -> None:
    bot = launch()
    open_question(bot)
    bot.type("Alice: 역전파는 chain rule을 씁니다")
    bot.wait_line("  ✓ Alice: Answer saved.")

    signalled = time.monotonic()
    bot.proc.send_signal(signal.SIGTERM)
    assert bot.proc.wait(timeout=WAIT) == 0
    assert time.monotonic() - signalled < 5.0
    bot.close()

    db = bot_env["QUIZBOT_DB"]
    assert query(db, "PRAGMA integrity_check") == [("ok",)]
    assert query(db, "PRAGMA foreign_key_check") == []
    assert query(db, "SELECT member_id FROM answers") == [("alice",)]


def test_end_of_input_stops_the_bot_cleanly(launch: Callable[[], BotProcess], bot_env: dict[str, str]) -> None:
    bot = launch()
    open_question(bot)
    assert bot.proc.stdin is not None
    bot.proc.stdin.close()
    assert bot.proc.wait(timeout=WAIT) == 0
    bot.close()
    assert query(bot_env["QUIZBOT_DB"], "PRAGMA integrity_check") == [("ok",)]


def test_a_seeded_console_asks_the_same_question_on_a_fresh_database(bot_env: dict[str, str], tmp_path: Path) -> None:
    config = Path(bot_env["QUIZBOT_CONFIG"])
    config.write_text(config.read_text(encoding="utf-8") + "  seed: 11\n", encoding="utf-8")
    headers = []
    for run in range(2):
        env = {**bot_env, "QUIZBOT_DB": str(tmp_path / f"fresh-{run}.sqlite3")}
        bot = BotProcess(env, tmp_path, tmp_path / "seeded.log")
        try:
            headers.append(open_question(bot))
            bot.type("/quit")
            assert bot.proc.wait(timeout=WAIT) == 0
        finally:
            bot.stop()
    assert headers[0] == headers[1]
