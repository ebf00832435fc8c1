"""A terminal study channel: people answer as ``name: text``; slash commands do the rest.

The console is the smallest adapter: ``parse_line`` turns a line into a core command (and who gives it), the core's
command layer runs it, and the reply is printed. Whoever types runs the bot, so they are the channel's admin.
"""

from __future__ import annotations

import logging
import shlex
from dataclasses import dataclass

from bot.core.commands import (
    AnswerReply,
    Ask,
    Caller,
    Command,
    DecideDispute,
    GiveAnswer,
    ListDisputable,
    ListDisputes,
    OpenDispute,
    Pause,
    Reply,
    Resume,
    RevealNow,
    Setup,
    ShowCategories,
    ShowHelp,
    ShowLeaderboard,
    ShowStats,
    Skip,
    Vote,
    VoteReply,
    WithdrawAnswer,
    run,
)
from bot.core.errors import UserError
from bot.core.models import ChannelKey, Member, Period
from bot.core.ports import PlatformError
from bot.core.quiz import Quiz
from bot.core.service import MAX_ANSWER_CHARS
from bot.messages import Language, text
from bot.platforms.console.platform import Write, answer_message_id
from bot.platforms.setup_options import parse_setup, schedule_change
from bot.render import reply_blocks

log = logging.getLogger(__name__)

COMMANDS = {
    "ko": (
        "명령: 'name: 답변' 으로 답하기 · /ask [분야] · /vote 추천인 작성자 · /unvote 추천인 작성자 · "
        "/withdraw 이름 · /reveal · /skip · /pause · /resume · /leaderboard [week|month|all] [이름] · /stats 이름 · "
        "/categories · /setup time=09:00 tz=Asia/Seoul days=mon-fri delay=8h ondemand=1m · "
        "/dispute 이름 [개념 번호] · /disputes · /accept 번호 · /reject 번호 · /help · /quit"
    ),
    "en": (
        "Commands: answer as 'name: text' · /ask [category] · /vote voter author · /unvote voter author · "
        "/withdraw name · /reveal · /skip · /pause · /resume · /leaderboard [week|month|all] [name] · /stats name · "
        "/categories · /setup time=09:00 tz=Asia/Seoul days=mon-fri delay=8h ondemand=1m · "
        "/dispute name [concept number] · /disputes · /accept number · /reject number · /help · /quit"
    ),
}

# Whoever types at the console runs the bot: the channel's admin, and any member they name.
CONSOLE_USER = Member("console", "console")


@dataclass(frozen=True)
class Line:
    """A parsed console line: the command, and the member it speaks for."""

    command: Command
    member: Member = CONSOLE_USER
    about: Member | None = None  # whose answer a vote is for


class Quit(Exception):
    """``/quit``: end the session."""


def member(name: str) -> Member:
    return Member(name.strip().casefold(), name.strip())


def parse_line(line: str, round_id: int | None) -> Line:
    """Parse one console line; raises ``UserError`` (a usage hint) or ``Quit``. ``round_id`` is the open round,
    whose answers are named by member in votes and withdrawals."""
    if not line.startswith("/"):
        name, sep, answer = line.partition(":")
        if not sep or not name.strip():
            raise UserError("console.usage.answer")
        who = member(name)
        return Line(GiveAnswer(answer, answer_message_id(round_id or 0, who.member_id)), who)
    try:
        words = shlex.split(line[1:])
    except ValueError:
        words = line[1:].split()
    if not words:
        raise UserError("console.usage.unknown", command="/")
    name, args = words[0].lower(), words[1:]
    return _parse_command(name, args, round_id)


def _parse_command(name: str, args: list[str], round_id: int | None) -> Line:
    simple: dict[str, Command] = {
        "reveal": RevealNow(),
        "skip": Skip(),
        "pause": Pause(),
        "resume": Resume(),
        "categories": ShowCategories(),
        "disputes": ListDisputes(),
        "help": ShowHelp(),
    }
    if name in ("quit", "exit", "q"):
        raise Quit
    if name in simple and not args:
        return Line(simple[name])
    if name == "ask" and len(args) <= 1:
        return Line(Ask(args[0].lower() if args else None))
    if name in ("vote", "unvote", "up") and len(args) == 2:
        voter, author = member(args[0]), member(args[1])
        return Line(Vote(answer_message_id(round_id or 0, author.member_id), add=name != "unvote"), voter, author)
    if name == "withdraw" and len(args) == 1:
        who = member(args[0])
        return Line(WithdrawAnswer(answer_message_id(round_id or 0, who.member_id)), who)
    if name in ("leaderboard", "lb", "top") and len(args) <= 2:
        return _leaderboard(args)
    if name == "stats" and len(args) == 1:
        return Line(ShowStats(member(args[0])))
    if name == "setup" and args:
        return Line(parse_setup(args))
    if name == "delay" and len(args) == 1:
        return Line(Setup(schedule_change({"ondemand": args[0]})))
    if name == "dispute" and len(args) in (1, 2):
        if len(args) == 1:
            return Line(ListDisputable(), member(args[0]))
        if not args[1].isdigit():
            raise UserError("console.usage.dispute")
        return Line(OpenDispute(int(args[1])), member(args[0]))
    if name in ("accept", "reject") and len(args) == 1 and args[0].lstrip("#").isdigit():
        return Line(DecideDispute(int(args[0].lstrip("#")), accept=name == "accept"))
    known = (*simple, "ask", "vote", "unvote", "withdraw", "leaderboard", "stats", "setup", "delay", "dispute")
    if name in (*known, "accept", "reject", "lb", "top", "up"):
        raise UserError("console.usage.bad-arguments", command=f"/{name}")
    raise UserError("console.usage.unknown", command=f"/{name}")


def _leaderboard(args: list[str]) -> Line:
    period, who = Period.WEEK, CONSOLE_USER
    for arg in args:
        if arg.lower() in Period._value2member_map_:
            period = Period(arg.lower())
        elif who is CONSOLE_USER:
            who = member(arg)
        else:
            raise UserError("console.usage.bad-period", period=arg)
    return Line(ShowLeaderboard(period), who)


class ConsoleSession:
    """Parses one line at a time, runs it as a core command, prints the reply."""

    def __init__(self, quiz: Quiz, key: ChannelKey, write: Write, language: Language) -> None:
        self.quiz = quiz
        self.key = key
        self._write = write
        self._lang = language

    async def start(self) -> None:
        """Greet, and open a round at once if none is open, so a first round needs no setup."""
        await self.quiz.open_channel(self.key, daily=True)
        self._write(COMMANDS[self._lang])
        if await self.quiz.current_round(self.key) is None:
            await self._run(Line(Ask()))

    async def handle(self, line: str) -> bool:
        """Handle one input line. Returns False when the user asked to quit."""
        line = line.strip()
        if not line:
            return True
        try:
            # Answers and votes name the round they are for: the open one, else (a late answer) the last revealed.
            target = await self.quiz.current_round(self.key) or await self.quiz.latest_revealed_round(self.key)
            await self._run(parse_line(line, None if target is None else target.id))
        except Quit:
            return False
        except UserError as exc:
            self._write(text(exc.key, self._lang, **exc.values))
        except PlatformError as exc:
            self._write(text("error.cannot-post", self._lang, detail=str(exc)))
        except Exception:  # a typo must never end the session
            log.exception("console input %r failed", line)
            self._write("!! internal error; see the log")
        return True

    async def ask(self, category: str | None) -> None:
        await self._run(Line(Ask(category)))

    async def _run(self, line: Line) -> None:
        reply = await run(self.quiz, line.command, self.key, Caller(line.member, admin=True))
        for block in self._render(line, reply):
            self._write(block.replace("**", ""))
        if isinstance(line.command, ShowHelp):
            self._write(COMMANDS[self._lang])

    def _render(self, line: Line, reply: Reply) -> list[str]:
        match reply:
            case AnswerReply(who, receipt):
                blocks = [f"  ✓ {who.display_name}: {text('answer.' + receipt.status, self._lang)}"]
                if receipt.truncated:
                    blocks.append(f"  ✂ {text('answer.truncated', self._lang, limit=f'{MAX_ANSWER_CHARS:,}')}")
                return blocks
            case VoteReply(result):
                assert isinstance(line.command, Vote) and line.about is not None
                mark = "👍" if line.command.add else "↩"
                pair = f"{line.member.display_name} → {line.about.display_name}"
                return [f"  {mark} {pair}: {text(f'vote.{result.reason}', self._lang)}"]
        return reply_blocks(reply, self._lang)
