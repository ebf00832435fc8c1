"""A terminal study channel: people answer as ``name: text``; slash commands do the rest.

The console is the smallest adapter: ``parse_line`` turns a line into a core command (and who gives it), the core's
command layer runs it, and the reply is printed. Whoever types runs the bot, so they are the channel's admin.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import shlex
from dataclasses import dataclass, replace
from pathlib import Path

from bot.core.boards import BoardView
from bot.core.commands import (
    AnswerReply,
    AnswerReview,
    Ask,
    Caller,
    Command,
    DecideDispute,
    Export,
    ExportReply,
    ForgetPrompt,
    GiveAnswer,
    ListDisputable,
    ListDisputes,
    Me,
    MeForget,
    Notebook,
    NotebookReply,
    OpenDispute,
    OverrideRating,
    Pause,
    RateReview,
    Reply,
    Resume,
    RevealNow,
    Review,
    ReviewCardReply,
    ReviewResultReply,
    Setup,
    ShowCategories,
    ShowHelp,
    ShowLeaderboard,
    ShowSettings,
    ShowStats,
    Skip,
    TooEasy,
    Vote,
    VoteReply,
    WithdrawAnswer,
    run,
)
from bot.core.errors import UserError
from bot.core.models import ChannelKey, Member, Period
from bot.core.ports import PlatformError
from bot.core.quiz import Quiz
from bot.core.review.cards import Verdict
from bot.core.service import MAX_ANSWER_CHARS
from bot.messages import Language, text
from bot.platforms.console.platform import Write, answer_message_id
from bot.platforms.review_options import export_file_name, notebook_files, parse_me
from bot.platforms.setup_options import parse_setup, schedule_change
from bot.render import plain, platform_error_text, reply_blocks

log = logging.getLogger(__name__)

COMMANDS = {
    "ko": (
        "명령: 'name: 답변' 으로 답하기 · /ask [분야] · /vote 추천인 작성자 · /unvote 추천인 작성자 · "
        "/withdraw 이름 · /reveal · /skip · /pause · /resume · /settings · "
        "/leaderboard [week|month|all] [around|accuracy] [이름] · "
        "/stats 이름 · /categories · /setup time=09:00 tz=Asia/Seoul days=mon-fri delay=8h ondemand=1m · "
        "/dispute 이름 [개념 번호] · /disputes · /accept 번호 · /reject 번호 · "
        "/review 이름 [답변] · /knew 이름 · /didnt 이름 · /tooeasy 이름 · "
        "/me 이름 [tz=Asia/Seoul reminders=on|off at=20:00 optin=on|off] · /me 이름 forget · /notebook 이름 · "
        "/export · /help · /quit"
    ),
    "en": (
        "Commands: answer as 'name: text' · /ask [category] · /vote voter author · /unvote voter author · "
        "/withdraw name · /reveal · /skip · /pause · /resume · /settings · "
        "/leaderboard [week|month|all] [around|accuracy] [name] · "
        "/stats name · /categories · /setup time=09:00 tz=Asia/Seoul days=mon-fri delay=8h ondemand=1m · "
        "/dispute name [concept number] · /disputes · /accept number · /reject number · "
        "/review name [answer] · /knew name · /didnt name · /tooeasy name · "
        "/me name [tz=Asia/Seoul reminders=on|off at=20:00 optin=on|off] · /me name forget · /notebook name · "
        "/export · /help · /quit"
    ),
}

# Whoever types at the console runs the bot: the channel's admin, and any member they name.
CONSOLE_USER = Member("console", "console")
# A notebook on the console is written to files, with no upload limit to keep under.
CONSOLE_FILE_BYTES = 50 * 1024 * 1024
# Placeholders the session fills in: the card a member was shown, the round or review a rating corrects, the
# language a notebook is written in.
SHOWN_CARD = 0
LATEST = 0
_LATER = functools.partial(text, language="en")


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
    words = line[1:].split(None, 2)
    if len(words) == 3 and words[0].lower() == "review":
        # A review answer is taken as written: spaces, quotes and all.
        return Line(AnswerReview(SHOWN_CARD, 0, words[2]), member(words[1]))
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
        "settings": ShowSettings(),
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
    if name in ("leaderboard", "lb", "top") and len(args) <= 3:
        return _leaderboard(args)
    if name == "stats" and len(args) == 1:
        # Asked as the member: the console's typist is every member, so their personal review shows too.
        return Line(ShowStats(member(args[0])), member(args[0]))
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
    review = _parse_review(name, args)
    if review is not None:
        return review
    known = (
        *simple,
        *_REVIEW_COMMANDS,
        "ask",
        "vote",
        "unvote",
        "withdraw",
        "leaderboard",
        "stats",
        "setup",
        "delay",
        "dispute",
    )
    if name in (*known, "accept", "reject", "lb", "top", "up"):
        raise UserError("console.usage.bad-arguments", command=f"/{name}")
    raise UserError("console.usage.unknown", command=f"/{name}")


_REVIEW_COMMANDS = ("review", "knew", "didnt", "tooeasy", "me", "notebook", "export")


def _parse_review(name: str, args: list[str]) -> Line | None:
    """Personal review: ``/review name``, ``/knew name``, ``/didnt name``, ``/tooeasy name``, ``/me name [...]``,
    ``/notebook name``, ``/export``; ``None`` for anything else (or the wrong number of arguments)."""
    if name == "export" and not args:
        return Line(Export())
    if not args:
        return None
    who = member(args[0])
    rest = args[1:]
    if name == "review" and not rest:
        return Line(Review(), who)
    if name in ("knew", "didnt") and not rest:
        return Line(OverrideRating(LATEST, knew=name == "knew"), who)
    if name == "tooeasy" and not rest:
        return Line(TooEasy(LATEST), who)
    if name == "notebook" and not rest:
        return Line(Notebook(_LATER, "en", CONSOLE_FILE_BYTES), who)
    if name == "me":
        if not rest:
            return Line(Me(), who)
        if rest[0].lower() == "forget":
            if len(rest) == 1:
                return Line(MeForget(), who)
            if [word.lower() for word in rest[1:]] == ["confirm"]:
                return Line(MeForget(confirm=True), who)
            return None
        return Line(parse_me(rest), who)
    return None


def _leaderboard(args: list[str]) -> Line:
    period, view, who = Period.WEEK, BoardView.TOP, CONSOLE_USER
    for arg in args:
        if arg.lower() in Period._value2member_map_:
            period = Period(arg.lower())
        elif arg.lower() in (BoardView.AROUND, BoardView.ACCURACY):
            view = BoardView(arg.lower())
        elif who is CONSOLE_USER:
            who = member(arg)
        else:
            raise UserError("console.usage.bad-period", period=arg)
    return Line(ShowLeaderboard(period, view), who)


class ConsoleSession:
    """Parses one line at a time, runs it as a core command, prints the reply."""

    def __init__(
        self, quiz: Quiz, key: ChannelKey, write: Write, language: Language, files: Path = Path("exports")
    ) -> None:
        self.quiz = quiz
        self.key = key
        self._write = write
        self._lang = language
        # Where notebooks and exports are written.
        self.files = files
        # Per member: the card last shown (id, reviews then), and the personal review last graded (id, when).
        self._shown: dict[str, tuple[int, int]] = {}
        self._graded: dict[str, tuple[int, dt.datetime]] = {}

    async def start(self) -> None:
        """Greet, and open a round at once if none is open, so a first round needs no setup."""
        await self.quiz.open_channel(self.key, daily=True)
        self._write(COMMANDS[self._lang])
        current = await self.quiz.current_round(self.key)
        if current is not None and current.reveal_at <= self.quiz.clock.now():
            # Left open when the console last quit and due since: reveal it now, then ask as promised, rather
            # than greet with a question whose reveal is a moment away and then fall silent.
            await self.quiz.reveal_now(self.key)
            current = None
        if current is None:
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
            self._write(platform_error_text(exc, self._lang))
        except Exception:  # a typo must never end the session
            log.exception("console input %r failed", line)
            self._write("!! internal error; see the log")
        return True

    async def _run(self, line: Line) -> None:
        line = await self._resolve(line)
        reply = await run(self.quiz, line.command, self.key, Caller(line.member, admin=True))
        for block in self._render(line, reply):
            self._write(plain(block))
        if isinstance(line.command, ShowHelp):
            self._write(COMMANDS[self._lang])

    async def _resolve(self, line: Line) -> Line:
        """Fill in what only the session knows: the card shown to the member, what a rating corrects, the language
        of a notebook."""
        command = line.command
        who = line.member.member_id
        match command:
            case AnswerReview(card_id=0):
                shown = self._shown.get(who)
                if shown is None:
                    raise UserError("console.review.show-first", name=line.member.display_name)
                return replace(line, command=replace(command, card_id=shown[0], shown_reviews=shown[1]))
            case OverrideRating(round_id=0) | TooEasy(round_id=0):
                if isinstance(command, TooEasy):
                    verdict = Verdict.TOO_EASY
                else:
                    verdict = Verdict.KNEW if command.knew else Verdict.DIDNT
                # The member's latest graded answer: a personal review, or the channel's last reveal if it is newer.
                latest = await self.quiz.latest_revealed_round(self.key)
                graded = self._graded.get(who)
                revealed_at = None if latest is None else latest.revealed_at
                if graded is not None and (revealed_at is None or graded[1] >= revealed_at):
                    return replace(line, command=RateReview(graded[0], verdict))
                if latest is None:
                    raise UserError("review.error.nothing-to-override")
                return replace(line, command=replace(command, round_id=latest.id))
            case Notebook():
                translate = functools.partial(text, language=self._lang)
                return replace(line, command=replace(command, translate=translate, language=self._lang))
        return line

    def _render(self, line: Line, reply: Reply) -> list[str]:
        who = line.member
        match reply:
            case ReviewCardReply(due) if due is not None:
                self._shown[who.member_id] = (due.card.id, due.card.reviews)
                hint = text("console.review.how", self._lang, name=who.display_name)
                return [*reply_blocks(reply, self._lang), f"  ✎ {hint}"]
            case ReviewResultReply(result):
                self._shown.pop(who.member_id, None)
                self._graded[who.member_id] = (result.review.id, result.review.at)
                hint = text("console.review.rate", self._lang, name=who.display_name)
                return [*reply_blocks(reply, self._lang), f"  ↺ {hint}"]
            case ForgetPrompt():
                hint = text("console.forget.confirm", self._lang, name=who.display_name)
                return [*reply_blocks(reply, self._lang), hint]
            case NotebookReply(_, files):
                written = [self._save(name, data) for name, data in notebook_files(who.display_name, files)]
                return [*reply_blocks(reply, self._lang), *written]
            case ExportReply(channel, data):
                return [*reply_blocks(reply, self._lang), self._save(export_file_name(channel), data)]
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

    def _save(self, name: str, data: bytes) -> str:
        """Write a file for the one at the terminal; the line saying where it is."""
        self.files.mkdir(parents=True, exist_ok=True)
        path = self.files / name
        path.write_bytes(data)
        return f"  💾 {text('console.file-saved', self._lang, path=str(path.resolve()), size=len(data))}"
