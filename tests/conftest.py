"""Fixtures shared by every test level: a real SQLite file, the shipped deck, a manual clock, the quiz service,
a recording chat platform and a scheduler that only runs when told to."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.clock import ManualClock
from bot.core.decks import DeckCatalog, load_decks
from bot.core.models import ChannelDefaults, ChannelKey, Dispute, Round
from bot.core.ports import PlatformError, PostedQuestion, QuestionCard, RevealCard
from bot.core.ports.storage import QuizStore
from bot.core.quiz import Quiz
from bot.core.scheduler import QuizScheduler
from bot.core.scoring import ScoringRules
from bot.core.service import QuizService
from bot.storage.postgres.store import PostgresStorage
from bot.storage.sqlite.store import Storage
from tests.postgres import Schema

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "questions"
SEOUL = ZoneInfo("Asia/Seoul")
# A Wednesday, an hour before the default 09:00 Seoul post: tests start mid-week, before the day's slot.
START = dt.datetime(2025, 3, 5, 8, 0, tzinfo=SEOUL)
PLATFORM = "fake"


class RecordingPlatform:
    """A ``ChatPlatform`` that keeps what it was asked to show and fails on request."""

    def __init__(self, name: str = PLATFORM) -> None:
        self.name = name
        self.questions: list[tuple[ChannelKey, QuestionCard]] = []
        self.reveals: list[RevealCard] = []
        self.problems: list[tuple[ChannelKey, str]] = []
        self.decisions: list[tuple[Round, Dispute]] = []
        self.cancelled: list[int] = []
        self.opened: list[tuple[int, bool]] = []  # (round id, adopted) as the core announced them
        self.post_attempts = 0
        self._posted: dict[int, PostedQuestion] = {}
        self._post_failures: list[Exception] = []
        self._reveal_failures: list[Exception] = []
        # Message ids are unique across platforms sharing one database, as real platform ids are.
        self._prefix = uuid.uuid4().hex[:8]

    def fail_next_posts(self, count: int, *, retryable: bool) -> None:
        """The next ``count`` question posts raise ``PlatformError`` with this ``retryable``."""
        self._post_failures.extend(PlatformError("post refused", retryable=retryable) for _ in range(count))

    def fail_next_reveals(self, count: int, error: Exception | None = None) -> None:
        """The next ``count`` reveal posts raise ``error`` (a retryable ``PlatformError`` unless given)."""
        self._reveal_failures.extend(error or PlatformError("reveal refused", retryable=True) for _ in range(count))

    async def post_question(self, channel: ChannelKey, card: QuestionCard) -> PostedQuestion:
        self.post_attempts += 1
        if self._post_failures:
            raise self._post_failures.pop(0)
        self.questions.append((channel, card))
        number = len(self.questions)
        posted = PostedQuestion(message_id=f"{self._prefix}-m{number}", thread_id=f"{self._prefix}-t{number}")
        self._posted[card.round.id] = posted
        return posted

    async def find_question(self, channel: ChannelKey, card: QuestionCard) -> PostedQuestion | None:
        return self._posted.get(card.round.id)

    async def question_opened(self, round_: Round, *, adopted: bool) -> None:
        self.opened.append((round_.id, adopted))

    async def post_reveal(self, card: RevealCard) -> None:
        if self._reveal_failures:
            raise self._reveal_failures.pop(0)
        self.reveals.append(card)

    async def report_problem(self, channel: ChannelKey, problem: str) -> None:
        self.problems.append((channel, problem))

    async def mark_cancelled(self, card: QuestionCard) -> None:
        self.cancelled.append(card.round.id)

    async def post_dispute_decision(self, round_: Round, dispute: Dispute) -> None:
        self.decisions.append((round_, dispute))


ServiceFactory = Callable[..., Awaitable[QuizService]]


@pytest.fixture(scope="session")
def catalog() -> DeckCatalog:
    """The shipped 70-question deck."""
    return load_decks([QUESTIONS])


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "quiz.sqlite3"


StoreOpener = Callable[[], Awaitable[QuizStore]]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``pytestmark = pytest.mark.backends("sqlite", "postgresql")`` runs a module's tests on each backend."""
    marker = metafunc.definition.get_closest_marker("backends")
    if marker is not None and "storage_backend" in metafunc.fixturenames:
        metafunc.parametrize("storage_backend", marker.args)


@pytest.fixture
def storage_backend() -> str:
    """The backend ``storage`` and ``make_service`` open: SQLite, unless the test is marked ``backends``."""
    return "sqlite"


@pytest.fixture
async def store_opener(storage_backend: str, db_path: Path) -> AsyncIterator[StoreOpener]:
    """Opens another store on the test's data (a SQLite file, or a fresh PostgreSQL schema); all closed, and the
    schema dropped, at teardown."""
    opened: list[QuizStore] = []
    schema = await Schema().create() if storage_backend == "postgresql" else None

    async def open_one() -> QuizStore:
        store: QuizStore = Storage(db_path) if schema is None else PostgresStorage(schema.url)
        opened.append(await store.open())
        return store

    yield open_one
    for store in reversed(opened):
        await store.close()
    if schema is not None:
        await schema.drop()


@pytest.fixture
async def storage(store_opener: StoreOpener) -> QuizStore:
    return await store_opener()


@pytest.fixture
def rules() -> ScoringRules:
    return ScoringRules()


@pytest.fixture
def service(storage: QuizStore, catalog: DeckCatalog, clock: ManualClock, rules: ScoringRules) -> QuizService:
    return QuizService(storage, catalog, rules=rules, defaults=ChannelDefaults(), clock=clock, rng=random.Random(7))


@pytest.fixture
def make_service(
    store_opener: StoreOpener, catalog: DeckCatalog, clock: ManualClock, rules: ScoringRules
) -> ServiceFactory:
    """Another ``QuizService`` on its own connection to the same data, as a second process (or a restarted one)
    would have. Closed at teardown."""

    async def make(*, seed: int = 7, clock_: ManualClock | None = None) -> QuizService:
        return QuizService(
            await store_opener(),
            catalog,
            rules=rules,
            defaults=ChannelDefaults(),
            clock=clock_ or clock,
            rng=random.Random(seed),
        )

    return make


@pytest.fixture
def platform() -> RecordingPlatform:
    return RecordingPlatform()


@pytest.fixture
def scheduler(service: QuizService, platform: RecordingPlatform) -> Iterator[QuizScheduler]:
    """Not started: tests move the clock and call ``run_due()``."""
    built = QuizScheduler(service, {platform.name: platform})
    yield built
    built.shutdown()


@pytest.fixture
def quiz(service: QuizService, scheduler: QuizScheduler, platform: RecordingPlatform) -> Quiz:
    """The front door platforms use, over the same service, scheduler and recording platform."""
    return Quiz(service, scheduler, platform)


@pytest.fixture
def channel_key() -> ChannelKey:
    return ChannelKey(PLATFORM, "guild-1", "channel-1")
