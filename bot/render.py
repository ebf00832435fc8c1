"""Plain-text rendering of rounds, reveals, leaderboards and stats, shared by every platform.

Platforms wrap these blocks in their own idiom (embeds, Block Kit, terminal lines) and split them with
``split_blocks`` under their length limits, so a reference answer is never cut in the middle of a bullet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from bot.core.commands import (
    AnswerReply,
    BoardReply,
    CategoriesReply,
    DisputableReply,
    DisputeReply,
    DisputesReply,
    HelpReply,
    Notice,
    Posted,
    Reply,
    SetupReply,
    StatsReply,
    VoteReply,
)
from bot.core.deck_schema import Bullet, Category, Question
from bot.core.decks import CategoryCount
from bot.core.models import ChannelSettings, Dispute, DisputeState, Leaderboard, MemberResult, MemberStats
from bot.core.ports import RevealCard
from bot.core.scoring import ScoringRules
from bot.messages import Language, text


def category_name(category: Category, language: Language) -> str:
    return category.ko if language == "ko" else category.en


def answer_lines(bullets: Sequence[Bullet], depth: int = 0) -> list[str]:
    """The reference answer as indented bullet lines, nested bullets kept."""
    lines = []
    marks = ("•", "◦", "▪")
    for bullet in bullets:
        lines.append(f"{'  ' * depth}{marks[min(depth, 2)]} {bullet.text}")
        lines.extend(answer_lines(bullet.children, depth + 1))
    return lines


def top_level_answer_blocks(question: Question) -> list[str]:
    """One block per top-level bullet (with its children): the units a long answer may be split between."""
    return ["\n".join(answer_lines([bullet])) for bullet in question.answer]


def result_block(result: MemberResult, language: Language) -> str:
    """One member's line in the reveal: points, then what the grader found, one kind per line."""
    covered = ", ".join(result.covered) or "-"
    missed = ", ".join(result.missed) or "-"
    points = text(
        "reveal.points",
        language,
        total=result.total,
        answer=result.answer_points,
        coverage=result.coverage_points,
        votes=result.vote_points,
        streak=result.streak_bonus,
    )
    streak = f" · {text('reveal.streak', language, days=result.streak)}" if result.streak > 1 else ""
    lines = [
        f"**{result.member.display_name}**: {points}{streak}",
        f"  ✅ {text('reveal.covered', language)}: {covered}",
    ]
    if result.named:
        lines.append(f"  🏷️ {text('reveal.named', language)}: {', '.join(result.named)}")
    if result.contradicted:
        lines.append(f"  ❌ {text('reveal.contradicted', language)}: {', '.join(result.contradicted)}")
    lines.append(f"  ➖ {text('reveal.missed', language)}: {missed}")
    for note in result.misconceptions:
        correction = f" → {note.correction.strip()}" if note.correction else ""
        lines.append(f"  ⚠️ {text('reveal.misconception', language)}: {note.claim}{correction}")
    return "\n".join(lines)


def reveal_blocks(card: RevealCard, language: Language) -> list[str]:
    """The reveal in order: reference answer, correction, private answers, per-member results."""
    blocks = [f"**{text('reveal.title', language)}**", *top_level_answer_blocks(card.question)]
    if card.question.correction:
        blocks.append(f"**{text('reveal.correction', language)}**\n{card.question.correction.strip()}")
    if card.private_answers:
        blocks.append(f"**{text('reveal.private_answers', language)}**")
        blocks.extend(f"**{a.member.display_name}**: {a.text}" for a in card.private_answers)
    blocks.append(f"**{text('reveal.results', language)}**")
    if card.results:
        blocks.extend(result_block(r, language) for r in sorted(card.results, key=lambda r: -r.total))
    else:
        blocks.append(text("reveal.no_answers", language))
    return blocks


def leaderboard_blocks(board: Leaderboard, language: Language) -> list[str]:
    title = f"**{text('leaderboard.title', language)} · {text(f'leaderboard.period.{board.period.value}', language)}**"
    if not board.rows:
        return [title, text("leaderboard.empty", language)]
    rows = [
        text("leaderboard.row", language, rank=r.rank, name=r.member.display_name, points=r.points, answers=r.answers)
        for r in board.rows
    ]
    blocks = [title, "\n".join(rows)]
    if board.caller is not None:
        blocks.append(
            text(
                "leaderboard.you",
                language,
                rank=board.caller.rank,
                total=board.total_members,
                points=board.caller.points,
            )
        )
    return blocks


def stats_blocks(stats: MemberStats, categories: dict[str, Category], language: Language) -> list[str]:
    blocks = [f"**{text('stats.title', language, name=stats.member.display_name)}**"]
    if stats.rounds_answered == 0:
        return [*blocks, text("stats.none", language)]
    blocks.append(
        text(
            "stats.summary",
            language,
            answered=stats.rounds_answered,
            points=stats.points,
            current=stats.current_streak,
            best=stats.best_streak,
            coverage=percent(stats.average_coverage),
        )
    )
    weakest_first = sorted(stats.by_category, key=lambda c: (c.average_coverage, c.category))
    rows = [
        text(
            "stats.category_row",
            language,
            category=category_name(categories[c.category], language) if c.category in categories else c.category,
            coverage=percent(c.average_coverage),
            answers=c.answers,
        )
        for c in weakest_first
    ]
    blocks.append(f"{text('stats.by_category', language)}\n" + "\n".join(rows))
    return blocks


def help_text(rules: ScoringRules, language: Language) -> str:
    return f"**{text('help.title', language)}**\n" + text("help.body", language, **rules.model_dump())


def percent(ratio: float) -> str:
    return f"{round(ratio * 100)}%"


def split_blocks(blocks: Iterable[str], limit: int) -> list[str]:
    """Join blocks into messages of at most ``limit`` characters, breaking only between blocks; a single block
    longer than the limit is broken between lines, and a line longer than the limit between words."""
    if limit < 1:
        raise ValueError(f"a message limit must be at least 1 character, not {limit}")  # 0 would never finish
    messages: list[str] = []
    current = ""
    for piece in _fit(blocks, limit):
        candidate = f"{current}\n{piece}" if current else piece
        if len(candidate) <= limit:
            current = candidate
        else:
            messages.append(current)
            current = piece
    if current:
        messages.append(current)
    return messages


def _fit(blocks: Iterable[str], limit: int) -> Iterable[str]:
    for block in blocks:
        if len(block) <= limit:
            yield block
            continue
        for line in block.split("\n"):
            while len(line) > limit:
                cut = line.rfind(" ", 0, limit)
                cut = cut if cut > limit // 2 else limit
                yield line[:cut]
                line = line[cut:].lstrip()
            if line:
                yield line


def describe_duration(delay: dt.timedelta) -> str:
    """``8h``, ``1h30m``, ``45m``, ``2d``: the notation the setup options take."""
    seconds = int(delay.total_seconds())
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    parts = [f"{value}{unit}" for value, unit in ((days, "d"), (hours, "h"), (minutes, "m"), (seconds, "s")) if value]
    return "".join(parts) or "0m"


def describe_weekdays(days: frozenset[int], language: Language) -> str:
    if days == frozenset(range(7)):
        return text("weekday.daily", language)
    return ",".join(text(f"weekday.{day}", language) for day in sorted(days))


def setup_done(settings: ChannelSettings, language: Language) -> str:
    """The confirmation an admin sees after changing a channel's schedule."""
    schedule = settings.schedule
    return text(
        "admin.setup_done",
        language,
        time=schedule.post_time.strftime("%H:%M"),
        timezone=schedule.timezone,
        weekdays=describe_weekdays(schedule.weekdays, language),
        delay=describe_duration(settings.daily_reveal_delay),
    )


def dispute_notice(dispute: Dispute, language: Language) -> str:
    """The line posted in a round's thread when an admin decides a dispute (or when one is opened)."""
    key = {
        DisputeState.OPEN: "dispute.opened",
        DisputeState.ACCEPTED: "dispute.accepted",
        DisputeState.REJECTED: "dispute.rejected",
    }[dispute.state]
    return text(
        key,
        language,
        name=dispute.member.display_name,
        concept=dispute.concept,
        points=dispute.points_delta,
        id=dispute.id,
    )


def reply_blocks(reply: Reply, language: Language) -> list[str]:
    """A command's reply as text blocks, the way every platform shows it unless its idiom says otherwise (a
    posted question is seen in the channel, so it has no reply of its own here)."""
    match reply:
        case Notice(key, values):
            return [text(key, language, **dict(values))]
        case Posted():
            return []
        case BoardReply(board):
            blocks = leaderboard_blocks(board, language)
            if board.rows and board.caller is None:
                blocks.append(text("leaderboard.you_none", language))
            return blocks
        case StatsReply(stats, categories):
            return stats_blocks(stats, categories, language)
        case CategoriesReply(entries):
            return [f"**{text('categories.title', language)}**", "\n".join(category_rows(entries, language))]
        case HelpReply(rules):
            return [help_text(rules, language)]
        case SetupReply(settings):
            return [setup_done(settings, language)]
        case AnswerReply(member, receipt):
            return [f"{member.display_name}: {text('answer.' + receipt.status, language)}"]
        case VoteReply(result):
            return [text(f"vote.{result.reason}", language)]
        case DisputableReply(concepts):
            if not concepts:
                return [text("dispute.nothing", language)]
            return ["\n".join(f"{n}. {concept}" for n, concept in enumerate(concepts, 1))]
        case DisputeReply(dispute):
            return [dispute_notice(dispute, language)]
        case DisputesReply(disputes):
            rows = [
                text("dispute.row", language, id=d.id, name=d.member.display_name, concept=d.concept) for d in disputes
            ]
            return ["\n".join(rows) if rows else text("dispute.none_open", language)]
    raise AssertionError(f"unhandled reply {reply!r}")


def category_rows(entries: Iterable[CategoryCount], language: Language) -> list[str]:
    return [
        text("categories.row", language, id=e.category.id, name=category_name(e.category, language), count=e.count)
        for e in entries
    ]
