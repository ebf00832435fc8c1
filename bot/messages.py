"""User-facing text in Korean and English. Platforms render with these; handlers never hold literal text."""

from __future__ import annotations

from typing import Literal

Language = Literal["ko", "en"]

_CATALOGUE: dict[str, dict[Language, str]] = {
    "question.title": {"ko": "오늘의 면접 질문", "en": "Interview question"},
    "question.ondemand_title": {"ko": "면접 질문", "en": "Interview question"},
    "question.category": {"ko": "분야", "en": "Category"},
    "question.difficulty": {"ko": "난이도", "en": "Difficulty"},
    "question.reveal_at": {"ko": "정답 공개", "en": "Reveal"},
    "question.how_to": {
        "ko": "스레드에 자신의 말로 답을 적어 주세요. 수정하면 답이 바뀌고, 지우면 철회됩니다.",
        "en": "Answer in your own words in the thread. Editing replaces your answer; deleting withdraws it.",
    },
    "question.revealed": {"ko": "공개됨", "en": "Revealed"},
    "question.cancelled": {"ko": "취소됨", "en": "Cancelled"},
    "difficulty.easy": {"ko": "쉬움", "en": "easy"},
    "difficulty.medium": {"ko": "보통", "en": "medium"},
    "difficulty.hard": {"ko": "어려움", "en": "hard"},
    "reveal.title": {"ko": "참고 답안", "en": "Reference answer"},
    "reveal.correction": {"ko": "바로잡기", "en": "Correction"},
    "reveal.results": {"ko": "결과", "en": "Results"},
    "reveal.no_answers": {"ko": "이번 라운드에는 답이 없었습니다.", "en": "Nobody answered this round."},
    "reveal.private_answers": {"ko": "비공개 답변", "en": "Private answers"},
    "reveal.covered": {"ko": "짚은 개념", "en": "covered"},
    "reveal.missed": {"ko": "놓친 개념", "en": "missed"},
    "reveal.points": {
        "ko": "{total}점 (답변 {answer} + 개념 {coverage} + 추천 {votes} + 연속 {streak})",
        "en": "{total} pts (answer {answer} + concepts {coverage} + votes {votes} + streak {streak})",
    },
    "reveal.streak": {"ko": "{days}일 연속", "en": "{days}-day streak"},
    "answer.recorded": {"ko": "답변을 저장했습니다.", "en": "Answer saved."},
    "answer.replaced": {"ko": "답변을 바꿨습니다.", "en": "Answer replaced."},
    "answer.late": {
        "ko": "정답 공개 후의 답변이라 점수 없이 저장했습니다.",
        "en": "Saved as a late answer: the round is revealed, so it earns no points.",
    },
    "answer.withdrawn": {"ko": "답변을 철회했습니다.", "en": "Answer withdrawn."},
    "answer.private_saved": {
        "ko": "비공개 답변을 저장했습니다. 정답 공개 때 함께 공개됩니다.",
        "en": "Private answer saved. It will be published at the reveal.",
    },
    "answer.closed": {"ko": "이 라운드는 더 이상 답변을 받지 않습니다.", "en": "This round no longer takes answers."},
    "answer.empty": {"ko": "빈 답변은 저장하지 않습니다.", "en": "An empty answer is not saved."},
    "leaderboard.title": {"ko": "리더보드", "en": "Leaderboard"},
    "leaderboard.period.week": {"ko": "이번 주", "en": "This week"},
    "leaderboard.period.month": {"ko": "이번 달", "en": "This month"},
    "leaderboard.period.all": {"ko": "전체 기간", "en": "All time"},
    "leaderboard.empty": {"ko": "아직 점수가 없습니다.", "en": "No points yet."},
    "leaderboard.row": {
        "ko": "{rank}. {name}: {points}점 ({answers}회)",
        "en": "{rank}. {name}: {points} pts ({answers})",
    },
    "leaderboard.you": {
        "ko": "내 순위: {rank}위 / {total}명, {points}점",
        "en": "Your rank: {rank} of {total}, {points} pts",
    },
    "leaderboard.you_none": {"ko": "이 기간에 아직 점수가 없습니다.", "en": "You have no points in this period yet."},
    "stats.title": {"ko": "{name}님의 기록", "en": "Stats for {name}"},
    "stats.summary": {
        "ko": "답변 {answered}회 · 총 {points}점 · 연속 {current}일 (최고 {best}일) · 평균 개념 커버리지 {coverage}",
        "en": "{answered} answers · {points} pts · streak {current} (best {best}) · average coverage {coverage}",
    },
    "stats.by_category": {"ko": "분야별 커버리지 (약한 분야부터)", "en": "Coverage by category (weakest first)"},
    "stats.category_row": {"ko": "{category}: {coverage} ({answers}회)", "en": "{category}: {coverage} ({answers})"},
    "stats.none": {"ko": "아직 채점된 답변이 없습니다.", "en": "No scored answers yet."},
    "categories.title": {"ko": "분야", "en": "Categories"},
    "categories.row": {"ko": "{id} · {name}: {count}문항", "en": "{id} · {name}: {count} questions"},
    "help.title": {"ko": "퀴즈봇 사용법과 점수 규칙", "en": "How quizbot works and scores"},
    "help.body": {
        "ko": (
            "매일 정해진 시간에 질문이 올라오고, 스레드에 답을 적으면 됩니다. 질문만 보고 자신의 말로 답한 뒤 "
            "공개되는 참고 답안과 비교해 보세요.\n"
            "• 제시간 답변: {answer}점\n"
            "• 핵심 개념 커버리지: 질문의 핵심 개념을 모두 짚으면 {coverage}점, 짚은 비율만큼 비례 배점 "
            "(띄어쓰기, 대소문자, 조사, 한/영 표기 차이는 인정)\n"
            "• 추천: 다른 멤버의 추천 1개당 {vote}점, 답변당 최대 {vote_cap}개 (자기 추천 제외)\n"
            "• 연속 참여: 매일 라운드에 연달아 답하면 둘째 날부터 하루당 {streak_bonus}점, 최대 {streak_bonus_cap}점\n"
            "• 정답 공개 후의 답변은 저장되지만 점수는 없습니다. 한 라운드에 한 사람당 답변 하나이며, 수정하면 "
            "바뀌고 지우면 철회됩니다."
        ),
        "en": (
            "A question arrives every day at the set time; answer it in the thread. Look only at the question, "
            "answer in your own words, then compare with the reference answer at the reveal.\n"
            "• On-time answer: {answer} pts\n"
            "• Key-concept coverage: up to {coverage} pts, in proportion to the question's key concepts you "
            "mention (spacing, case, Korean particles and Korean/English spellings are all accepted)\n"
            "• Upvotes: {vote} pts per upvote from another member, at most {vote_cap} per answer (not your own)\n"
            "• Streak: answering consecutive daily rounds earns {streak_bonus} pts per day from the second day, "
            "at most {streak_bonus_cap}\n"
            "• Answers after the reveal are kept but earn nothing. One answer per member per round: editing "
            "replaces it, deleting withdraws it."
        ),
    },
    "error.unknown-category": {
        "ko": "'{category}' 분야가 없습니다. 분야 목록을 확인해 주세요.",
        "en": "There is no category '{category}'. See the list of categories.",
    },
    "error.unknown-timezone": {
        "ko": "'{timezone}'은(는) 알 수 없는 시간대입니다. 예: Asia/Seoul, UTC",
        "en": "'{timezone}' is not a known timezone. Examples: Asia/Seoul, UTC",
    },
    "error.bad-time": {
        "ko": "'{value}'은(는) 올바른 시각이 아닙니다. 00:00부터 23:59 사이의 HH:MM으로 적어 주세요.",
        "en": "'{value}' is not a valid time. Use HH:MM between 00:00 and 23:59.",
    },
    "error.bad-weekdays": {
        "ko": "요일은 mon,tue,... 또는 mon-fri, daily 형식으로 적어 주세요.",
        "en": "Write weekdays as mon,tue,..., mon-fri or daily.",
    },
    "error.bad-delay": {
        "ko": "공개 지연은 1분에서 7일 사이로 적어 주세요 (예: 10m, 8h).",
        "en": "The reveal delay must be between 1 minute and 7 days (e.g. 10m, 8h).",
    },
    "error.unknown-deck": {"ko": "없는 덱입니다: {decks}", "en": "Unknown decks: {decks}"},
    "error.no-questions": {"ko": "이 채널에서 낼 질문이 없습니다.", "en": "There are no questions for this channel."},
    "error.not-admin": {
        "ko": "서버 관리 권한이 있는 사람만 쓸 수 있는 명령입니다.",
        "en": "Only members with the Manage Server permission can use this command.",
    },
    "error.no-open-round": {"ko": "이 채널에 진행 중인 라운드가 없습니다.", "en": "No round is open in this channel."},
    "error.cannot-post": {
        "ko": "이 채널에 글을 쓰거나 스레드를 만들 권한이 없습니다: {detail}",
        "en": "I cannot post or create threads in this channel: {detail}",
    },
    "admin.setup_done": {
        "ko": "설정 완료: 매일 {time} ({timezone}), 요일 {weekdays}, 공개까지 {delay}.",
        "en": "Set up: every {weekdays} at {time} ({timezone}); reveal after {delay}.",
    },
    "admin.paused": {"ko": "매일 질문을 멈췄습니다.", "en": "Daily questions paused."},
    "admin.resumed": {"ko": "매일 질문을 다시 시작합니다.", "en": "Daily questions resumed."},
    "admin.revealed": {"ko": "정답을 공개했습니다.", "en": "Revealed."},
    "admin.skipped": {"ko": "진행 중인 라운드를 건너뛰었습니다.", "en": "The open round was skipped."},
    "admin.problem": {"ko": "퀴즈봇 알림: {problem}", "en": "quizbot needs attention: {problem}"},
}


def text(key: str, language: Language = "ko", **values: object) -> str:
    """The message ``key`` in ``language``, formatted with ``values``."""
    entry = _CATALOGUE[key]
    template = entry.get(language) or entry["en"]
    return template.format(**values) if values else template


def has(key: str) -> bool:
    return key in _CATALOGUE
