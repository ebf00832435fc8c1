"""Plain-text rendering of rounds, reveals, leaderboards and stats, shared by every platform.

Platforms wrap these blocks in their own idiom (embeds, Block Kit, terminal lines) and split them with
``split_blocks`` under their length limits, so a reference answer is never cut in the middle of a bullet.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence

from bot.core.boards import AccuracyBoard, BoardView
from bot.core.commands import (
    AccuracyReply,
    AnswerReply,
    BoardReply,
    CategoriesReply,
    DisputableReply,
    DisputeReply,
    DisputesReply,
    ExportReply,
    ForgetPrompt,
    ForgetReply,
    HelpReply,
    MeReply,
    NotebookReply,
    Notice,
    Posted,
    RatingReply,
    Reply,
    ReviewCardReply,
    ReviewResultReply,
    SettingsReply,
    SetupReply,
    StatsReply,
    VoteReply,
)
from bot.core.deck_schema import Bullet, Category, Question
from bot.core.decks import CategoryCount
from bot.core.models import ChannelSettings, Dispute, DisputeState, Leaderboard, MemberResult, MemberStats
from bot.core.ports import PlatformError, ReminderCard, RevealCard
from bot.core.review.cards import Verdict
from bot.core.review.records import ForgetReport
from bot.core.review.service import DueCard, ReviewResult, ReviewStats
from bot.core.review.settings import MemberSettings
from bot.core.scoring import ScoringRules
from bot.messages import Language, counted, text

# What Markdown reads as markup anywhere in a line, and what only at its start (quotes, headings, lists).
_MARKUP = re.compile(r"[\\*_~`|\[\]]|^[>#-]", re.MULTILINE)
# A character ``member_text`` escaped, as platforms that render differently find it.
ESCAPED_MARKUP = re.compile(r"\\([\\*_~`|\[\]>#-])")
_BOLD_MARK = re.compile(r"(?<!\\)\*\*")


def member_text(written: str) -> str:
    """Text a member wrote (a name, an answer) made safe to put in a rendered block: Markdown characters
    escaped, so nobody can forge bold result lines, links or code fences. Platforms without Markdown strip the
    escapes again (``unescape``)."""
    return _MARKUP.sub(lambda match: "\\" + match.group(0), written)


def unescape(block: str) -> str:
    """A rendered block as plain text: the escapes of ``member_text`` taken out again."""
    return ESCAPED_MARKUP.sub(r"\1", block)


def plain(block: str) -> str:
    """A rendered block as terminal text: the bold markers taken out, members' text as they wrote it."""
    return unescape(_BOLD_MARK.sub("", block))


def private_answer_block(name: str, answer: str) -> str:
    """A private answer published at the reveal: the name, then every line of the answer quoted, so no line of it
    can pass for a line of the results."""
    quoted = "\n".join(f"> {member_text(line)}" for line in answer.splitlines() or [""])
    return f"**{member_text(name)}**:\n{quoted}"


def platform_error_text(error: PlatformError, language: Language) -> str:
    """What to tell the one who asked when the platform refused a post: try later, or what went wrong."""
    return text("error.platform-busy" if error.retryable else "error.post-failed", language, detail=str(error))


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
        f"**{member_text(result.member.display_name)}**: {points}{streak}",
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
        blocks.extend(private_answer_block(a.member.display_name, a.text) for a in card.private_answers)
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
        text(
            "leaderboard.row",
            language,
            rank=r.rank,
            name=member_text(r.member.display_name),
            points=r.points,
            answers=r.answers,
        )
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


def around_blocks(board: Leaderboard, language: Language) -> list[str]:
    """The caller among their neighbours on the points board, their own line in bold."""
    period = text(f"leaderboard.period.{board.period.value}", language)
    title = f"**{text('leaderboard.title', language)} · {period} · {text('leaderboard.around', language)}**"
    if board.caller is None or not board.rows:
        return [title, text("leaderboard.you_none", language)]
    rows = []
    for r in board.rows:
        row = text(
            "leaderboard.row",
            language,
            rank=r.rank,
            name=member_text(r.member.display_name),
            points=r.points,
            answers=r.answers,
        )
        rows.append(f"**{row}**" if r.member.member_id == board.caller.member.member_id else row)
    you = text(
        "leaderboard.you", language, rank=board.caller.rank, total=board.total_members, points=board.caller.points
    )
    return [title, "\n".join(rows), you]


def accuracy_blocks(board: AccuracyBoard, language: Language) -> list[str]:
    """Members by the mean grade of their answers, those with enough answers, and the caller's own."""
    period = text(f"leaderboard.period.{board.period.value}", language)
    title = f"**{text('accuracy.title', language, period=period, min=board.min_answers)}**"
    blocks = [title]
    if board.rows:
        rows = [
            text(
                "accuracy.row",
                language,
                rank=r.rank,
                name=member_text(r.member.display_name),
                mean=percent(r.mean),
                answers=counted("count.answers", r.answers, language),
            )
            for r in board.rows
        ]
        blocks.append("\n".join(rows))
    else:
        blocks.append(text("accuracy.empty", language, min=board.min_answers))
    mine = board.caller_stats
    if board.caller is not None:
        blocks.append(
            text("accuracy.you", language, rank=board.caller.rank, total=board.ranked, mean=percent(board.caller.mean))
        )
    elif mine is not None:
        blocks.append(
            text(
                "accuracy.you-unranked",
                language,
                mean=percent(mine.mean),
                answers=counted("count.answers", mine.answers, language),
                min=board.min_answers,
            )
        )
    return blocks


def study_line(review: ReviewStats, timezone: str, language: Language) -> str:
    """The caller's personal review in their stats: study streak in their own day, cards due, retention."""
    return text(
        "stats.study",
        language,
        timezone=timezone,
        current=counted("count.days", review.streak.current, language),
        best=counted("count.days", review.streak.best, language),
        due=review.due_today,
        retention="-" if review.retention is None else percent(review.retention),
    )


def stats_blocks(stats: MemberStats, categories: dict[str, Category], language: Language) -> list[str]:
    blocks = [f"**{text('stats.title', language, name=member_text(stats.member.display_name))}**"]
    if stats.rounds_answered == 0:
        return [*blocks, text("stats.none", language)]
    blocks.append(
        text(
            "stats.summary",
            language,
            answered=counted("count.answers", stats.rounds_answered, language),
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


_UNITS: dict[Language, tuple[str, str, str, str]] = {"ko": ("일", "시간", "분", "초"), "en": ("d", "h", "m", "s")}


def describe_duration(delay: dt.timedelta, language: Language = "en") -> str:
    """``8h``, ``1h30m``, ``45m``, ``2d`` (in Korean ``8시간``, ``1시간 30분``): the setup options' notation."""
    seconds = int(delay.total_seconds())
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    units = _UNITS[language]
    parts = [f"{value}{unit}" for value, unit in zip((days, hours, minutes, seconds), units, strict=True) if value]
    return (" " if language == "ko" else "").join(parts) or f"0{units[2]}"


def describe_weekdays(days: frozenset[int], language: Language) -> str:
    """``every day``, ``Mon–Fri``, ``Mon, Wed, Fri`` (runs of three or more days as a range)."""
    if days == frozenset(range(7)):
        return text("weekday.daily", language)
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    name = [text(f"weekday.{day}", language) for day in range(7)]
    parts = [f"{name[r[0]]}–{name[r[-1]]}" if len(r) >= 3 else ", ".join(name[d] for d in r) for r in runs]
    return ", ".join(parts)


def setup_done(settings: ChannelSettings, language: Language) -> str:
    """The confirmation an admin sees after changing a channel's schedule: everything it now does."""
    return text("admin.setup_done", language, **_schedule_values(settings, language))


def settings_lines(settings: ChannelSettings | None, language: Language) -> list[str]:
    """A channel's current settings, as ``/quiz settings`` shows them."""
    if settings is None:
        return [text("settings.none", language)]
    state = "paused" if settings.paused else "daily" if settings.enabled else "ondemand"
    decks = ", ".join(settings.decks) or text("settings.all_decks", language)
    return [
        f"**{text('settings.title', language)}**",
        text(f"settings.state.{state}", language),
        text("settings.body", language, decks=decks, **_schedule_values(settings, language)),
    ]


def _schedule_values(settings: ChannelSettings, language: Language) -> dict[str, str]:
    schedule = settings.schedule
    return {
        "time": schedule.post_time.strftime("%H:%M"),
        "timezone": schedule.timezone,
        "weekdays": describe_weekdays(schedule.weekdays, language),
        "delay": describe_duration(settings.daily_reveal_delay, language),
        "ondemand": describe_duration(settings.on_demand_reveal_delay, language),
    }


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
        name=member_text(dispute.member.display_name),
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
        case BoardReply(board, BoardView.AROUND):
            return around_blocks(board, language)
        case BoardReply(board):
            blocks = leaderboard_blocks(board, language)
            if board.rows and board.caller is None:
                blocks.append(text("leaderboard.you_none", language))
            return blocks
        case AccuracyReply(board):
            return accuracy_blocks(board, language)
        case StatsReply(stats, categories, review, timezone):
            blocks = stats_blocks(stats, categories, language)
            if review is not None:
                blocks.append(study_line(review, timezone or "", language))
            return blocks
        case CategoriesReply(entries):
            return [f"**{text('categories.title', language)}**", "\n".join(category_rows(entries, language))]
        case HelpReply(rules):
            return [help_text(rules, language)]
        case SetupReply(settings):
            return [setup_done(settings, language)]
        case SettingsReply(settings):
            return settings_lines(settings, language)
        case AnswerReply(member, receipt):
            return [f"{member_text(member.display_name)}: {text('answer.' + receipt.status, language)}"]
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
                text("dispute.row", language, id=d.id, name=member_text(d.member.display_name), concept=d.concept)
                for d in disputes
            ]
            return ["\n".join(rows) if rows else text("dispute.none_open", language)]
        case ReviewCardReply(due):
            return review_card_blocks(due, language)
        case ReviewResultReply(result, next_in_days, remaining):
            return review_result_blocks(result, next_in_days, remaining, language)
        case MeReply(member, stats, settings, saved):
            blocks = [text("me.saved", language)] if saved else []
            return [*blocks, *me_blocks(member.display_name, stats, settings, language)]
        case ForgetPrompt():
            return [f"**{text('forget.title', language)}**", text("forget.what", language)]
        case ForgetReply(report):
            return [forget_done(report, language)]
        case NotebookReply(_, files):
            lines = [text("notebook.reply", language, parts=len(files.parts), notes=files.anki.notes)]
            if files.anki.omitted:
                lines.append(text("notebook.anki-omitted", language, count=files.anki.omitted))
            return lines
        case ExportReply():
            return [text("export.reply", language, rows=reply.rows)]
        case RatingReply(verdict, days):
            return [rating_notice(verdict, days, language)]
    raise AssertionError(f"unhandled reply {reply!r}")


# -- personal review ------------------------------------------------------------------------------------------


def review_card_blocks(due: DueCard | None, language: Language) -> list[str]:
    """The card to review: its category, how many are due today, and the question."""
    if due is None:
        return [text("review.none", language)]
    category = category_name(due.category, language) if due.category is not None else due.question.category
    title = text("review.title", language, category=category, due=due.remaining)
    return [f"**{title}**", due.question.question]


def review_result_blocks(result: ReviewResult, next_in_days: int, remaining: int, language: Language) -> list[str]:
    """A graded personal review: the grade and rating, what the grader found, the reference answer, the
    correction, and what is left for today."""
    judgement = result.judgement
    rating = text(f"review.rating.{result.rating.name.lower()}", language)
    headline = text(
        "review.graded",
        language,
        grade=percent(judgement.score),
        rating=rating,
        next=counted("count.days", next_in_days, language),
    )
    found = []
    if judgement.covered:
        found.append(f"  ✅ {text('reveal.covered', language)}: {', '.join(judgement.covered)}")
    if judgement.named:
        found.append(f"  🏷️ {text('reveal.named', language)}: {', '.join(judgement.named)}")
    if judgement.contradicted:
        found.append(f"  ❌ {text('reveal.contradicted', language)}: {', '.join(judgement.contradicted)}")
    if judgement.missed:
        found.append(f"  ➖ {text('reveal.missed', language)}: {', '.join(judgement.missed)}")
    for note in judgement.misconceptions:
        correction = f" → {note.correction.strip()}" if note.correction else ""
        found.append(f"  ⚠️ {text('reveal.misconception', language)}: {note.claim}{correction}")
    blocks = [f"**{headline}**"]
    if found:
        blocks.append("\n".join(found))
    blocks += [f"**{text('reveal.title', language)}**", *top_level_answer_blocks(result.question)]
    if result.question.correction:
        blocks.append(f"**{text('reveal.correction', language)}**\n{result.question.correction.strip()}")
    blocks.append(text("review.remaining", language, due=remaining) if remaining else text("review.done", language))
    return blocks


def me_blocks(name: str, stats: ReviewStats, settings: MemberSettings, language: Language) -> list[str]:
    """A member's review progress and settings, as ``/quiz me`` shows them."""
    streak = stats.streak
    today = text("me.today-done" if streak.reviewed_today else "me.today-open", language)
    progress = text(
        "me.progress",
        language,
        current=counted("count.days", streak.current, language),
        best=counted("count.days", streak.best, language),
        today=today,
        due=stats.due_today,
        cards=stats.cards,
        reviews=stats.reviews,
        retention="-" if stats.retention is None else percent(stats.retention),
    )
    reminders = (
        text("me.reminders-on", language, time=settings.reminder_time.strftime("%H:%M"))
        if settings.reminders
        else text("me.reminders-off", language)
    )
    configured = text(
        "me.settings",
        language,
        timezone=settings.timezone,
        reminders=reminders,
        optin=text("me.optin-on" if settings.opted_in else "me.optin-off", language),
        freezes=settings.streak_freezes,
    )
    return [f"**{text('me.title', language, name=member_text(name))}**", progress, configured]


def forget_done(report: ForgetReport, language: Language) -> str:
    return text("forget.done", language, total=report.total, rescored=report.rescored_answers)


def reminder_text(card: ReminderCard, language: Language, *, command: str, settings: str) -> str:
    """A member's private reminder; ``command`` and ``settings`` say how to review and how to turn it off, in the
    platform's own words (``/quiz review``, ``/quiz me reminders:off``)."""
    return text("reminder.text", language, due=card.due, command=command, settings=settings)


def rating_notice(verdict: Verdict, days: int, language: Language) -> str:
    """The reply to "I knew it", "I didn't" or "too easy": when the question comes back."""
    return text(f"review.rated.{verdict.value}", language, next=counted("count.days", days, language))


def category_rows(entries: Iterable[CategoryCount], language: Language) -> list[str]:
    return [
        text(
            "categories.row",
            language,
            id=e.category.id,
            name=category_name(e.category, language),
            count=counted("count.questions", e.count, language),
        )
        for e in entries
    ]
