"""A terminal study channel: people answer as ``name: text``; slash commands do the rest."""

from __future__ import annotations

import logging
import shlex

from bot.core.deck_schema import Category
from bot.core.models import ChannelKey, GuildKey, Member, Period
from bot.core.scheduler import QuizScheduler
from bot.core.service import MAX_ANSWER_CHARS, QuizError, QuizService
from bot.messages import Language, text
from bot.platforms.console.platform import ConsolePlatform, Write, answer_message_id
from bot.platforms.setup_options import CommandError, parse_setup
from bot.render import category_name, dispute_notice, help_text, leaderboard_blocks, setup_done, stats_blocks

log = logging.getLogger(__name__)

COMMANDS = {
    "ko": (
        "명령: 'name: 답변' 으로 답하기 · /ask [분야] · /vote 추천인 작성자 · /unvote 추천인 작성자 · "
        "/withdraw 이름 · /reveal · /skip · /leaderboard [week|month|all] · /stats 이름 · /categories · "
        "/setup time=09:00 tz=Asia/Seoul days=mon-fri delay=8h ondemand=1m · /dispute 이름 [개념 번호] · "
        "/disputes · /accept 번호 · /reject 번호 · /help · /quit"
    ),
    "en": (
        "Commands: answer as 'name: text' · /ask [category] · /vote voter author · /unvote voter author · "
        "/withdraw name · /reveal · /skip · /leaderboard [week|month|all] · /stats name · /categories · "
        "/setup time=09:00 tz=Asia/Seoul days=mon-fri delay=8h ondemand=1m · /dispute name [concept number] · "
        "/disputes · /accept number · /reject number · /help · /quit"
    ),
}


class ConsoleSession:
    """Parses one line at a time, calls the core, prints the result."""

    def __init__(
        self,
        service: QuizService,
        scheduler: QuizScheduler,
        platform: ConsolePlatform,
        key: ChannelKey,
        write: Write,
        language: Language,
    ) -> None:
        self.service = service
        self.scheduler = scheduler
        self.platform = platform
        self.key = key
        self._write = write
        self._lang = language

    @property
    def guild(self) -> GuildKey:
        return GuildKey(self.key.platform, self.key.guild_id)

    async def start(self) -> None:
        """Greet, and open a round at once if none is open, so a first round needs no setup."""
        await self.service.ensure_channel(self.key, enabled=True)
        self._write(COMMANDS[self._lang])
        if await self.service.current_round(self.key) is None:
            await self.ask(None)

    async def handle(self, line: str) -> bool:
        """Handle one input line. Returns False when the user asked to quit."""
        line = line.strip()
        if not line:
            return True
        try:
            if line.startswith("/"):
                return await self._command(line)
            await self._answer(line)
        except QuizError as exc:
            self._write(text(f"error.{exc.code}", self._lang, **exc.details))
        except Exception:  # a typo must never end the session
            log.exception("console input %r failed", line)
            self._write("!! internal error; see the log")
        return True

    async def ask(self, category: str | None) -> None:
        await self.scheduler.ask(self.platform, self.key, category)

    async def _answer(self, line: str) -> None:
        name, sep, answer = line.partition(":")
        if not sep or not name.strip():
            self._write(COMMANDS[self._lang])
            return
        round_ = await self.service.current_round(self.key)
        if round_ is None:
            self._write(text("error.no-open-round", self._lang))
            return
        member = Member(name.strip().casefold(), name.strip())
        receipt = await self.service.record_answer(
            round_, member, answer, message_id=answer_message_id(round_.id, member.member_id)
        )
        if receipt is None:
            self._write(text("answer.empty" if not answer.strip() else "answer.closed", self._lang))
            return
        self._write(f"  ✓ {member.display_name}: {text('answer.' + receipt.status, self._lang)}")
        if receipt.truncated:
            self._write(f"  ✂ {text('answer.truncated', self._lang, limit=f'{MAX_ANSWER_CHARS:,}')}")

    async def _command(self, line: str) -> bool:
        try:
            name, *args = shlex.split(line[1:])
        except ValueError:
            name, *args = line[1:].split()
        name = name.lower()
        if name in ("quit", "exit", "q"):
            return False
        if name == "ask":
            await self.ask(args[0] if args else None)
        elif name in ("vote", "unvote", "up"):
            await self._vote(args, add=name != "unvote")
        elif name == "withdraw" and args:
            round_ = await self.service.current_round(self.key)
            if round_ is not None:
                member_id = args[0].casefold()
                receipt = await self.service.withdraw_answer(round_, answer_message_id(round_.id, member_id))
                self._write(f"  {text('answer.withdrawn', self._lang) if receipt else '-'}")
        elif name == "reveal":
            if await self.scheduler.reveal_now(self.key) is None:
                self._write(text("error.no-open-round", self._lang))
        elif name == "skip":
            skipped = await self.scheduler.skip(self.key)
            self._write(text("admin.skipped" if skipped else "error.no-open-round", self._lang))
        elif name in ("leaderboard", "lb", "top"):
            period = Period(args[0]) if args and args[0] in Period._value2member_map_ else Period.WEEK
            board = await self.service.leaderboard(self.guild, period, args[1].casefold() if len(args) > 1 else None)
            self._blocks(leaderboard_blocks(board, self._lang))
        elif name == "stats" and args:
            stats = await self.service.member_stats(self.guild, args[0].casefold())
            self._blocks(stats_blocks(stats, self._categories(), self._lang))
        elif name == "categories":
            for entry in self.service.categories(await self.service.channel(self.key)):
                name_ = category_name(entry.category, self._lang)
                self._write(text("categories.row", self._lang, id=entry.category.id, name=name_, count=entry.count))
        elif name == "setup" and args:
            await self._setup(args)
        elif name == "dispute" and args:
            await self._dispute(args[0], args[1] if len(args) > 1 else None)
        elif name == "disputes":
            disputes = await self.service.open_disputes(self.key)
            rows = [
                text("dispute.row", self._lang, id=d.id, name=d.member.display_name, concept=d.concept)
                for d in disputes
            ]
            self._blocks(rows or [text("dispute.none_open", self._lang)])
        elif name in ("accept", "reject") and len(args) == 1 and args[0].lstrip("#").isdigit():
            # The console's user runs the bot, and so is the channel's admin.
            await self.service.decide_dispute(
                self.platform, int(args[0].lstrip("#")), accept=name == "accept", admin_id="console"
            )
        elif name == "delay" and len(args) == 1:
            await self._setup([f"ondemand={args[0]}"])
        else:
            self._blocks([help_text(self.service.rules, self._lang), COMMANDS[self._lang]])
        return True

    async def _setup(self, args: list[str]) -> None:
        try:
            options = parse_setup(args)
        except CommandError as exc:
            self._write(text(exc.key, self._lang, **exc.values))
            return
        settings = await self.service.configure_channel(
            self.key,
            post_time=options.post_time,
            timezone=options.timezone,
            weekdays=options.weekdays,
            daily_reveal_delay=options.daily_reveal_delay,
            on_demand_reveal_delay=options.on_demand_reveal_delay,
            decks=options.decks,
        )
        await self.scheduler.schedule_channel(settings)
        self._write(setup_done(settings, self._lang))

    async def _dispute(self, name: str, choice: str | None) -> None:
        """Dispute a concept of a member's answer in the last revealed round: list them, or open one by number."""
        round_ = await self.service.latest_revealed_round(self.key)
        if round_ is None:
            raise QuizError("dispute-not-revealed")
        concepts = await self.service.disputable_concepts(round_.id, name.casefold())
        if choice is None or not choice.isdigit() or not 1 <= int(choice) <= len(concepts):
            if not concepts:
                self._write(text("dispute.nothing", self._lang))
                return
            self._blocks([f"  {n}. {concept}" for n, concept in enumerate(concepts, 1)])
            return
        dispute = await self.service.open_dispute(round_.id, name.casefold(), concepts[int(choice) - 1])
        self._write(f"  ⚖ {dispute_notice(dispute, self._lang).replace('**', '')}")

    async def _vote(self, args: list[str], *, add: bool) -> None:
        if len(args) != 2:
            self._write(COMMANDS[self._lang])
            return
        round_ = await self.service.current_round(self.key)
        if round_ is None:
            self._write(text("error.no-open-round", self._lang))
            return
        voter, author = (a.casefold() for a in args)
        result = await self.service.vote(round_, answer_message_id(round_.id, author), voter, add=add)
        self._write(f"  {'👍' if add else '👎'} {args[0]} → {args[1]}: {result.reason}")

    def _categories(self) -> dict[str, Category]:
        return {c.category.id: c.category for c in self.service.categories(None)}

    def _blocks(self, blocks: list[str]) -> None:
        for block in blocks:
            self._write(block.replace("**", ""))
