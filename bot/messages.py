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
    "reveal.named": {"ko": "설명 없이 나열", "en": "named without a claim"},
    "reveal.contradicted": {"ko": "부정한 개념", "en": "contradicted"},
    "reveal.missed": {"ko": "놓친 개념", "en": "missed"},
    "reveal.misconception": {"ko": "오개념", "en": "misconception"},
    "dispute.opened": {
        "ko": "이의 제기 #{id}: **{name}** 님이 '{concept}'이(가) 인정되어야 한다고 합니다. 관리자가 결정합니다.",
        "en": "Dispute #{id}: **{name}** says '{concept}' should count. An admin will decide.",
    },
    "dispute.accepted": {
        "ko": "이의 제기 #{id} 인정: **{name}** 님의 '{concept}'을(를) 인정합니다 (+{points}점).",
        "en": "Dispute #{id} accepted: '{concept}' now counts for **{name}** (+{points} pts).",
    },
    "dispute.rejected": {
        "ko": "이의 제기 #{id} 기각: **{name}** 님의 '{concept}'은(는) 그대로입니다.",
        "en": "Dispute #{id} rejected: '{concept}' stays as graded for **{name}**.",
    },
    "dispute.button": {"ko": "채점 이의 제기", "en": "Dispute grading"},
    "dispute.choose": {"ko": "어떤 개념이 인정되어야 하나요?", "en": "Which concept should count?"},
    "dispute.accept_button": {"ko": "인정", "en": "Accept"},
    "dispute.reject_button": {"ko": "기각", "en": "Reject"},
    "dispute.sent": {
        "ko": "이의 제기를 보냈습니다. 관리자가 결정하면 스레드에 올라옵니다.",
        "en": "Dispute sent. The decision will be posted in the thread.",
    },
    "dispute.admin_only": {
        "ko": "이의 제기는 채널 관리자만 결정할 수 있습니다.",
        "en": "Only the channel's admins can decide disputes.",
    },
    "dispute.decided_ack": {"ko": "결정을 기록했습니다.", "en": "Decision recorded."},
    "dispute.none_open": {"ko": "열린 이의 제기가 없습니다.", "en": "No open disputes."},
    "dispute.row": {"ko": "#{id} {name}: {concept}", "en": "#{id} {name}: {concept}"},
    "dispute.nothing": {
        "ko": "이의를 제기할 개념이 없습니다 (모두 인정됨).",
        "en": "There is nothing to dispute: every concept counted.",
    },
    "error.dispute-not-revealed": {
        "ko": "정답이 공개된 라운드에만 이의를 제기할 수 있습니다.",
        "en": "Only a revealed round's grading can be disputed.",
    },
    "error.dispute-no-answer": {
        "ko": "이 라운드에 채점된 답변이 없습니다.",
        "en": "You have no scored answer in this round.",
    },
    "error.dispute-not-disputable": {
        "ko": "'{concept}'은(는) 놓친 개념이나 부정한 개념이 아닙니다.",
        "en": "'{concept}' was not marked missed or contradicted in your answer.",
    },
    "error.dispute-exists": {
        "ko": "'{concept}'에 대해 이미 이의를 제기했습니다.",
        "en": "You have disputed '{concept}' already.",
    },
    "error.dispute-unknown": {"ko": "그런 이의 제기가 없습니다.", "en": "There is no such dispute."},
    "error.dispute-decided": {"ko": "이미 결정된 이의 제기입니다.", "en": "That dispute was decided already."},
    "answer.truncated": {
        "ko": "답변이 너무 길어 앞의 {limit}자만 저장하고 채점합니다.",
        "en": "Your answer is long: only its first {limit} characters are kept and graded.",
    },
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
    "answer.unchanged": {"ko": "이미 저장된 답변입니다.", "en": "That answer is saved already."},
    "answer.withdrawn": {"ko": "답변을 철회했습니다.", "en": "Answer withdrawn."},
    "answer.private_saved": {
        "ko": "비공개 답변을 저장했습니다. 정답 공개 때 함께 공개됩니다.",
        "en": "Private answer saved. It will be published at the reveal.",
    },
    "answer.closed": {"ko": "이 라운드는 더 이상 답변을 받지 않습니다.", "en": "This round no longer takes answers."},
    "answer.empty": {"ko": "빈 답변은 저장하지 않습니다.", "en": "An empty answer is not saved."},
    "answer.nothing-to-withdraw": {
        "ko": "철회할 답변이 없습니다 (이 라운드에 답하지 않았거나 이미 철회했습니다).",
        "en": "There is no answer to withdraw: none was given in this round, or it was withdrawn already.",
    },
    "vote.counted": {"ko": "추천했습니다.", "en": "Vote counted."},
    "vote.removed": {"ko": "추천을 취소했습니다.", "en": "Vote taken back."},
    "vote.self": {"ko": "자신의 답변은 추천할 수 없습니다.", "en": "You cannot vote for your own answer."},
    "vote.duplicate": {"ko": "이미 추천한 답변입니다.", "en": "You have voted for that answer already."},
    "vote.no-vote": {"ko": "취소할 추천이 없습니다.", "en": "There is no vote of yours to take back."},
    "vote.no-answer": {"ko": "이 라운드에 그런 답변이 없습니다.", "en": "There is no such answer in this round."},
    "vote.capped": {"ko": "추천 점수 한도에 닿았습니다.", "en": "That answer has reached the vote limit."},
    "console.usage.answer": {
        "ko": "답은 '이름: 답변' 처럼 적어 주세요. 명령은 /help 로 볼 수 있습니다.",
        "en": "Answer as 'name: your answer'. /help lists the commands.",
    },
    "console.usage.unknown": {
        "ko": "{command}: 모르는 명령입니다. /help 로 명령을 볼 수 있습니다.",
        "en": "{command}: unknown command. /help lists the commands.",
    },
    "console.usage.bad-arguments": {
        "ko": "{command}: 인자가 맞지 않습니다. /help 로 쓰는 법을 볼 수 있습니다.",
        "en": "{command}: wrong arguments. /help shows how to use it.",
    },
    "console.usage.dispute": {
        "ko": "/dispute 이름 [개념 번호]: 번호는 숫자여야 합니다.",
        "en": "/dispute name [concept number]: the number must be a number.",
    },
    "console.usage.bad-period": {
        "ko": "'{period}': 기간은 week, month, all 중 하나입니다 (보기는 around, accuracy).",
        "en": "'{period}': the period is one of week, month, all (and the view around or accuracy).",
    },
    "console.review.show-first": {
        "ko": "먼저 카드를 보세요: /review {name}",
        "en": "Look at the card first: /review {name}",
    },
    "console.review.how": {
        "ko": "자신의 말로 답하기: /review {name} 답변",
        "en": "Answer in your own words: /review {name} your answer",
    },
    "console.review.rate": {
        "ko": "평가가 틀렸다면: /knew {name} (알고 있었음) 또는 /didnt {name} (몰랐음)",
        "en": "Rated wrong? /knew {name} (you knew it) or /didnt {name} (you didn't)",
    },
    "console.forget.confirm": {
        "ko": "정말 지우려면: /me {name} forget confirm",
        "en": "To delete it all: /me {name} forget confirm",
    },
    "console.file-saved": {"ko": "저장했습니다: {path} ({size} 바이트)", "en": "Saved {path} ({size} bytes)"},
    "error.round-open": {
        "ko": "이 채널에 이미 진행 중인 질문이 있습니다. 먼저 그 질문에 답해 주세요 "
        "(관리자는 /quiz reveal 또는 /quiz skip).",
        "en": "A question is already open in this channel: answer it first (admins can /quiz reveal or /quiz skip it).",
    },
    "error.dispute-bad-number": {
        "ko": "개념 번호는 1부터 {count}까지입니다.",
        "en": "The concept number must be from 1 to {count}.",
    },
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
    "leaderboard.around": {"ko": "내 주변", "en": "around you"},
    "accuracy.title": {
        "ko": "정확도 · {period} (답변 {min}회 이상, 평균 채점)",
        "en": "Accuracy · {period} (mean grade, at least {min} answers)",
    },
    "accuracy.row": {"ko": "{rank}. {name}: {mean} ({answers})", "en": "{rank}. {name}: {mean} ({answers})"},
    "accuracy.empty": {
        "ko": "아직 답변을 {min}회 이상 한 멤버가 없습니다.",
        "en": "Nobody has {min} answers in this period yet.",
    },
    "accuracy.you": {"ko": "내 순위: {rank}위 / {total}명, 평균 {mean}", "en": "Your rank: {rank} of {total}, {mean}"},
    "accuracy.you-unranked": {
        "ko": "내 평균: {mean} ({answers}). 순위에 오르려면 답변 {min}회가 필요합니다.",
        "en": "Your mean: {mean} over {answers}; {min} answers put you on the board.",
    },
    "stats.study": {
        "ko": "내 하루 기준({timezone}) 복습 연속 {current} (최고 {best}) · 오늘 복습할 카드 {due}장 · "
        "기억률 {retention}",
        "en": "In your day ({timezone}): study streak {current} (best {best}) · reviews due today: {due} · "
        "retention: {retention}",
    },
    "leaderboard.you_none": {"ko": "이 기간에 아직 점수가 없습니다.", "en": "You have no points in this period yet."},
    "stats.title": {"ko": "{name}님의 기록", "en": "Stats for {name}"},
    "stats.summary": {
        "ko": "{answered} · 총 {points}점 · 연속 {current}일 (최고 {best}일) · 평균 개념 커버리지 {coverage}",
        "en": "{answered} · {points} pts · streak {current} (best {best}) · average coverage {coverage}",
    },
    "stats.by_category": {"ko": "분야별 커버리지 (약한 분야부터)", "en": "Coverage by category (weakest first)"},
    "stats.category_row": {"ko": "{category}: {coverage} ({answers}회)", "en": "{category}: {coverage} ({answers})"},
    "stats.none": {"ko": "아직 채점된 답변이 없습니다.", "en": "No scored answers yet."},
    "categories.title": {"ko": "분야", "en": "Categories"},
    "categories.row": {"ko": "{id} · {name}: {count}", "en": "{id} · {name}: {count}"},
    # Counted things: English has a singular and a plural, split by "|".
    "count.answers": {"ko": "답변 {n}회", "en": "{n} answer|{n} answers"},
    "count.questions": {"ko": "{n}문항", "en": "{n} question|{n} questions"},
    "count.decks": {"ko": "덱 {n}개", "en": "{n} deck|{n} decks"},
    "help.title": {"ko": "퀴즈봇 사용법과 점수 규칙", "en": "How quizbot works and scores"},
    "help.body": {
        "ko": (
            "매일 정해진 시간에 질문이 올라오고, 스레드에 답을 적으면 됩니다. 질문만 보고 자신의 말로 답한 뒤 "
            "공개되는 참고 답안과 비교해 보세요.\n"
            "• 제시간 답변: {answer}점\n"
            "• 답변 채점: 최대 {coverage}점. 키워드가 아니라 주장을 봅니다. 핵심 개념에 대해 무언가를 말해야(서술어가 "
            "있는 문장) 인정되고, 용어만 나열하면 일부만 인정됩니다. 부정한 개념('~하지 않는다')은 인정되지 않고 "
            "감점되며, 질문이 정해 둔 오개념(역할을 뒤바꾸는 등)을 말하면 감점되고 공개 때 바로잡습니다. 질문에 "
            "이미 있는 말은 점수가 없습니다. 핵심 개념의 대부분(80%)을 짚으면 만점입니다. 띄어쓰기, 어미와 조사, "
            "한/영 표기, 복수형, 작은 오타는 인정됩니다. 공개 후 놓친 개념에 이의를 제기할 수 있습니다.\n"
            "• 추천: 다른 멤버의 추천 1개당 {vote}점, 답변당 최대 {vote_cap}개 (자기 추천 제외)\n"
            "• 연속 참여: 매일 라운드에 연달아 답하면 둘째 날부터 하루당 {streak_bonus}점, 최대 {streak_bonus_cap}점\n"
            "• 정답 공개 후의 답변은 저장되지만 점수는 없습니다. 한 라운드에 한 사람당 답변 하나이며, 수정하면 "
            "바뀌고 지우면 철회됩니다."
        ),
        "en": (
            "A question arrives every day at the set time; answer it in the thread. Look only at the question, "
            "answer in your own words, then compare with the reference answer at the reveal.\n"
            "• On-time answer: {answer} pts\n"
            "• Grading: up to {coverage} pts for claims, not keywords. A key concept counts where your answer says "
            "something about it (a sentence with a predicate); a bare list of terms earns only a small share. A "
            "concept you deny ('it does not ...') earns nothing and costs points; a wrong claim the question lists "
            "as a misconception (e.g. swapping two roles) costs points and is corrected at the reveal. Words of "
            "the question itself earn nothing. Covering most (80%) of the key concepts earns full marks. Spacing, "
            "endings and particles, Korean/English spellings, plurals and small typos are accepted. After the "
            "reveal you can dispute a concept marked missed.\n"
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
    "error.decks-in-use": {
        "ko": "진행 중인 라운드의 질문이 새 덱에 없어 덱을 다시 읽지 않았습니다: {questions}",
        "en": "Decks not reloaded: running rounds ask questions the new decks no longer have: {questions}",
    },
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
    "error.platform-busy": {
        "ko": "채팅 서비스가 지금 요청을 받지 않습니다 (잠시 후 다시 해 주세요): {detail}",
        "en": "The chat service is not taking requests right now; please try again in a minute ({detail}).",
    },
    "error.post-failed": {
        "ko": "이 채널에 글을 올리지 못했습니다: {detail}",
        "en": "I could not post in this channel: {detail}",
    },
    "admin.setup_done": {
        "ko": "설정 완료: {weekdays} {time} ({timezone})에 질문, {delay} 뒤 공개. /quiz ask 질문은 {ondemand} 뒤 공개.",
        "en": "Set up: a question {weekdays} at {time} ({timezone}), revealed after {delay}; "
        "/quiz ask questions are revealed after {ondemand}.",
    },
    "settings.title": {"ko": "이 채널의 설정", "en": "This channel's settings"},
    "settings.none": {
        "ko": "이 채널은 아직 설정되지 않았습니다: /quiz ask 는 쓸 수 있고, "
        "관리자가 /quiz setup 으로 매일 질문을 켭니다.",
        "en": "This channel is not set up: /quiz ask works here, and an admin turns on daily questions "
        "with /quiz setup.",
    },
    "settings.state.daily": {"ko": "매일 질문: 켜짐", "en": "Daily questions: on"},
    "settings.state.paused": {"ko": "매일 질문: 일시 정지", "en": "Daily questions: paused"},
    "settings.state.ondemand": {"ko": "매일 질문: 꺼짐 (/quiz ask 만)", "en": "Daily questions: off (/quiz ask only)"},
    "settings.all_decks": {"ko": "불러온 모든 덱", "en": "every loaded deck"},
    "settings.body": {
        "ko": "시간: {weekdays} {time} ({timezone})\n공개: {delay} 뒤 · /quiz ask 는 {ondemand} 뒤\n덱: {decks}",
        "en": "When: {weekdays} at {time} ({timezone})\nReveal: after {delay} · /quiz ask after {ondemand}\n"
        "Decks: {decks}",
    },
    "admin.paused": {"ko": "매일 질문을 멈췄습니다.", "en": "Daily questions paused."},
    "admin.resumed": {"ko": "매일 질문을 다시 시작합니다.", "en": "Daily questions resumed."},
    "admin.revealed": {"ko": "정답을 공개했습니다.", "en": "Revealed."},
    "admin.reveal-retrying": {
        "ko": "점수는 확정했지만 공개 글을 올리지 못했습니다. 잠시 후 자동으로 다시 올립니다.",
        "en": "Scores are fixed, but posting the reveal failed; it is retried automatically in a moment.",
    },
    "admin.reveal-failed": {
        "ko": "점수는 확정했지만 공개 글을 올리지 못했습니다 (관리자에게 알렸습니다). "
        "봇을 다시 시작하면 다시 시도합니다.",
        "en": "Scores are fixed, but the reveal could not be posted (the admins were told); it is tried again at the "
        "next start.",
    },
    "admin.skipped": {"ko": "진행 중인 라운드를 건너뛰었습니다.", "en": "The open round was skipped."},
    "admin.problem": {"ko": "퀴즈봇 알림: {problem}", "en": "quizbot needs attention: {problem}"},
    # Discord: slash command names, descriptions and options (names must be lowercase, no spaces).
    "discord.cmd.quiz.name": {"ko": "퀴즈", "en": "quiz"},
    "discord.cmd.quiz.description": {"ko": "딥러닝 면접 질문 퀴즈", "en": "Deep-learning interview quiz"},
    "discord.cmd.ask.name": {"ko": "질문", "en": "ask"},
    "discord.cmd.ask.description": {
        "ko": "지금 질문을 하나 올립니다 (분야를 고를 수 있습니다)",
        "en": "Post a question now, optionally from one category",
    },
    "discord.cmd.leaderboard.name": {"ko": "리더보드", "en": "leaderboard"},
    "discord.cmd.leaderboard.description": {"ko": "이 서버의 점수 순위", "en": "This server's ranking"},
    "discord.cmd.stats.name": {"ko": "기록", "en": "stats"},
    "discord.cmd.stats.description": {
        "ko": "내 기록 (또는 다른 멤버의 기록)과 약한 분야",
        "en": "Your stats (or another member's) and weakest categories",
    },
    "discord.cmd.categories.name": {"ko": "분야", "en": "categories"},
    "discord.cmd.categories.description": {"ko": "질문 분야와 문항 수", "en": "Question categories and counts"},
    "discord.cmd.settings.name": {"ko": "설정보기", "en": "settings"},
    "discord.cmd.settings.description": {"ko": "이 채널의 현재 설정", "en": "This channel's current settings"},
    "discord.cmd.help.name": {"ko": "도움말", "en": "help"},
    "discord.cmd.help.description": {"ko": "사용법과 점수 규칙", "en": "How it works and how points are earned"},
    "discord.cmd.setup.name": {"ko": "설정", "en": "setup"},
    "discord.cmd.setup.description": {
        "ko": "매일 질문을 올릴 채널과 시각을 정합니다",
        "en": "Choose the channel and time of the daily question",
    },
    "discord.cmd.pause.name": {"ko": "일시정지", "en": "pause"},
    "discord.cmd.pause.description": {"ko": "매일 질문을 멈춥니다", "en": "Pause the daily question"},
    "discord.cmd.resume.name": {"ko": "재개", "en": "resume"},
    "discord.cmd.resume.description": {"ko": "매일 질문을 다시 시작합니다", "en": "Resume the daily question"},
    "discord.cmd.reveal.name": {"ko": "공개", "en": "reveal"},
    "discord.cmd.reveal.description": {
        "ko": "진행 중인 라운드의 정답을 지금 공개합니다",
        "en": "Reveal the open round now",
    },
    "discord.cmd.skip.name": {"ko": "건너뛰기", "en": "skip"},
    "discord.cmd.skip.description": {
        "ko": "진행 중인 라운드를 점수 없이 취소합니다",
        "en": "Cancel the open round without scoring it",
    },
    "discord.cmd.review.name": {"ko": "복습", "en": "review"},
    "discord.cmd.review.description": {
        "ko": "오늘 복습할 카드에 답합니다 (나만 보임)",
        "en": "Answer your cards due today (only you see it)",
    },
    "discord.cmd.me.name": {"ko": "나", "en": "me"},
    "discord.cmd.me.description": {
        "ko": "내 복습 기록과 설정 (알림, 시간대), 내 기록 지우기",
        "en": "Your review progress and settings (reminders, time zone); forget you",
    },
    "discord.cmd.notebook.name": {"ko": "노트", "en": "notebook"},
    "discord.cmd.notebook.description": {
        "ko": "내 답과 참고 답안을 모은 노트(.md)와 놓친 질문의 Anki 덱(.apkg)",
        "en": "Your answers beside the reference (.md) and an Anki deck of questions you missed (.apkg)",
    },
    "discord.cmd.export.name": {"ko": "내보내기", "en": "export"},
    "discord.cmd.export.description": {
        "ko": "이 채널의 결과를 CSV 파일로 받습니다",
        "en": "This channel's results as a CSV file",
    },
    "discord.opt.reminders.name": {"ko": "알림", "en": "reminders"},
    "discord.opt.reminders.description": {
        "ko": "복습할 카드가 있을 때 DM으로 알림",
        "en": "A direct message when cards are due",
    },
    "discord.opt.reminder_time.name": {"ko": "알림-시각", "en": "reminder-time"},
    "discord.opt.reminder_time.description": {
        "ko": "알림을 받을 내 시간대의 시각, HH:MM (예: 20:00)",
        "en": "When, in your time zone, HH:MM (e.g. 20:00)",
    },
    "discord.opt.my_timezone.description": {
        "ko": "내 시간대, 하루와 알림의 기준 (예: Asia/Seoul)",
        "en": "Your time zone, for your day and reminders (e.g. Asia/Seoul)",
    },
    "discord.opt.optin.name": {"ko": "참여", "en": "opt-in"},
    "discord.opt.optin.description": {
        "ko": "답하지 못한 매일 질문도 복습 카드로 받기",
        "en": "Daily questions you miss become review cards too",
    },
    "discord.opt.forget.name": {"ko": "지우기", "en": "forget"},
    "discord.opt.forget.description": {
        "ko": "이 서버에 저장된 내 기록을 모두 지웁니다 (확인을 먼저 묻습니다)",
        "en": "Delete everything stored about you in this server (asks first)",
    },
    "discord.choice.on": {"ko": "켜기", "en": "on"},
    "discord.choice.off": {"ko": "끄기", "en": "off"},
    "discord.opt.category.name": {"ko": "분야", "en": "category"},
    "discord.opt.category.description": {"ko": "이 분야에서만 질문합니다", "en": "Ask from this category only"},
    "discord.opt.period.name": {"ko": "기간", "en": "period"},
    "discord.opt.period.description": {"ko": "집계 기간 (기본: 이번 주)", "en": "Which period (default: this week)"},
    "discord.opt.view.name": {"ko": "보기", "en": "view"},
    "discord.opt.view.description": {
        "ko": "점수 순위, 내 주변, 정확도 (기본: 점수 순위)",
        "en": "Points from the top, around you, or accuracy (default: points)",
    },
    "discord.view.top": {"ko": "점수 순위", "en": "points"},
    "discord.view.around": {"ko": "내 주변", "en": "around me"},
    "discord.view.accuracy": {"ko": "정확도", "en": "accuracy"},
    "discord.opt.member.name": {"ko": "멤버", "en": "member"},
    "discord.opt.member.description": {"ko": "기록을 볼 멤버 (기본: 나)", "en": "Whose stats (default: yours)"},
    "discord.opt.channel.name": {"ko": "채널", "en": "channel"},
    "discord.opt.channel.description": {
        "ko": "퀴즈 채널 (기본: 이 채널)",
        "en": "The quiz channel (default: this one)",
    },
    "discord.opt.time.name": {"ko": "시각", "en": "time"},
    "discord.opt.time.description": {
        "ko": "질문을 올릴 시각, HH:MM (예: 09:00)",
        "en": "Posting time, HH:MM (e.g. 09:00)",
    },
    "discord.opt.timezone.name": {"ko": "시간대", "en": "timezone"},
    "discord.opt.timezone.description": {"ko": "IANA 시간대 (예: Asia/Seoul)", "en": "IANA timezone (e.g. Asia/Seoul)"},
    "discord.opt.weekdays.name": {"ko": "요일", "en": "weekdays"},
    "discord.opt.weekdays.description": {
        "ko": "요일: mon-fri, daily, mon,wed,fri 등",
        "en": "Days: mon-fri, daily, mon,wed,fri, ...",
    },
    "discord.opt.reveal_delay.name": {"ko": "공개-지연", "en": "reveal-delay"},
    "discord.opt.reveal_delay.description": {
        "ko": "매일 질문의 정답 공개까지 (예: 8h, 30m)",
        "en": "Time until the daily reveal (e.g. 8h, 30m)",
    },
    "discord.opt.ondemand_delay.name": {"ko": "즉석-공개-지연", "en": "ondemand-delay"},
    "discord.opt.ondemand_delay.description": {
        "ko": "즉석 질문의 정답 공개까지 (예: 10m)",
        "en": "Time until an on-demand reveal (e.g. 10m)",
    },
    "discord.opt.decks.name": {"ko": "덱", "en": "decks"},
    "discord.opt.decks.description": {
        "ko": "쉼표로 구분한 덱 id (기본: 전체)",
        "en": "Comma-separated deck ids (default: all)",
    },
    "discord.ask.posted": {"ko": "질문을 올렸습니다: {link}", "en": "Question posted: {link}"},
    "discord.answer.button": {"ko": "비공개로 답하기", "en": "Answer privately"},
    "discord.answer.modal_title": {"ko": "비공개 답변", "en": "Private answer"},
    "discord.answer.modal_label": {"ko": "답변 (정답 공개 때 공개됩니다)", "en": "Answer (published at the reveal)"},
    "discord.answer.modal_placeholder": {
        "ko": "질문만 보고 자신의 말로 적어 주세요.",
        "en": "Answer in your own words, from the question alone.",
    },
    "discord.thread.name": {"ko": "면접 질문 #{round}", "en": "Question #{round}"},
    "discord.error.not-text-channel": {
        "ko": "DM이 아닌 텍스트 채널이나 포럼 채널에서 써 주세요.",
        "en": "Use this in a text or forum channel, not in a DM.",
    },
    "discord.error.guild-only": {
        "ko": "서버 안에서만 쓸 수 있는 명령입니다.",
        "en": "This command works only in a server.",
    },
    "discord.error.internal": {
        "ko": "처리 중 문제가 생겼습니다. 잠시 후 다시 시도해 주세요.",
        "en": "Something went wrong. Please try again in a moment.",
    },
    "discord.permission.view_channel": {"ko": "채널 보기", "en": "View Channel"},
    "discord.permission.send_messages": {"ko": "메시지 보내기", "en": "Send Messages"},
    "discord.permission.create_public_threads": {"ko": "공개 스레드 만들기", "en": "Create Public Threads"},
    "discord.permission.send_messages_in_threads": {"ko": "스레드에서 메시지 보내기", "en": "Send Messages in Threads"},
    "discord.permission.embed_links": {"ko": "링크 첨부", "en": "Embed Links"},
    "discord.permission.add_reactions": {"ko": "반응 추가하기", "en": "Add Reactions"},
    "discord.permission.read_message_history": {"ko": "메시지 기록 보기", "en": "Read Message History"},
    "weekday.0": {"ko": "월", "en": "Mon"},
    "weekday.1": {"ko": "화", "en": "Tue"},
    "weekday.2": {"ko": "수", "en": "Wed"},
    "weekday.3": {"ko": "목", "en": "Thu"},
    "weekday.4": {"ko": "금", "en": "Fri"},
    "weekday.5": {"ko": "토", "en": "Sat"},
    "weekday.6": {"ko": "일", "en": "Sun"},
    "weekday.daily": {"ko": "매일", "en": "every day"},
    "discord.admin.setup_channel": {"ko": "퀴즈 채널: {channel}", "en": "Quiz channel: {channel}"},
    "slack.question.answer_private": {"ko": "비공개로 답하기", "en": "Answer privately"},
    "slack.question.see_thread": {
        "ko": "참고 답안과 결과는 스레드에 있습니다.",
        "en": "Answer and results are in the thread.",
    },
    "slack.modal.title": {"ko": "비공개 답변", "en": "Private answer"},
    "slack.modal.submit": {"ko": "제출", "en": "Submit"},
    "slack.modal.cancel": {"ko": "취소", "en": "Cancel"},
    "slack.modal.label": {
        "ko": "답변 (정답 공개 때 함께 공개됩니다)",
        "en": "Your answer (published at the reveal)",
    },
    "slack.error.not-admin": {
        "ko": "워크스페이스 관리자·소유자나 지정된 퀴즈 관리자만 쓸 수 있는 명령입니다.",
        "en": "Only workspace admins and owners, or the configured quiz admins, can use this command.",
    },
    "slack.error.unknown-command": {
        "ko": "'{command}'은(는) 없는 명령입니다. /quiz help 를 참고해 주세요.",
        "en": "There is no command '{command}'. See /quiz help.",
    },
    "slack.error.bad-arguments": {
        "ko": "'{command}' 명령의 인자가 맞지 않습니다. /quiz help 를 참고해 주세요.",
        "en": "Wrong arguments for '{command}'. See /quiz help.",
    },
    "slack.error.bad-option": {
        "ko": "'{option}'은(는) 알 수 없는 설정입니다. 예: time=09:00 tz=Asia/Seoul days=mon-fri delay=8h",
        "en": "Unknown setting '{option}'. Example: time=09:00 tz=Asia/Seoul days=mon-fri delay=8h",
    },
    "slack.error.bad-period": {
        "ko": "'{period}' 대신 week, month, all 중 하나를 적어 주세요 (보기는 around, accuracy).",
        "en": "Use week, month or all instead of '{period}' (and around or accuracy for another view).",
    },
    "slack.files.sent": {
        "ko": "파일은 봇과의 DM으로 보냈습니다.",
        "en": "The files are in your direct messages with the bot.",
    },
    "slack.error.failed": {
        "ko": "명령을 처리하지 못했습니다. 잠시 후 다시 시도해 주세요.",
        "en": "Something went wrong with that command. Please try again shortly.",
    },
    "slack.help.commands": {
        "ko": (
            "*명령*\n"
            "• /quiz ask [분야]: 지금 질문 하나 받기\n"
            "• /quiz leaderboard [week|month|all] [around|accuracy]: 리더보드, 내 주변, 정확도\n"
            "• /quiz stats: 내 기록\n"
            "• /quiz categories: 분야 목록\n"
            "• /quiz settings: 이 채널의 설정\n"
            "• /quiz review: 오늘 복습할 카드 · /quiz notebook: 내 노트와 Anki 덱 (DM으로)\n"
            "• /quiz me [tz=Asia/Seoul reminders=on|off at=20:00 optin=on|off]: 내 복습 기록과 설정 · "
            "/quiz me forget: 내 기록 모두 지우기\n"
            "• 관리자: /quiz setup time=09:00 tz=Asia/Seoul days=mon-fri delay=8h, /quiz pause, /quiz resume, "
            "/quiz reveal, /quiz skip, /quiz export"
        ),
        "en": (
            "*Commands*\n"
            "• /quiz ask [category]: a question now\n"
            "• /quiz leaderboard [week|month|all] [around|accuracy]: the leaderboard, around you, accuracy\n"
            "• /quiz stats: your stats\n"
            "• /quiz categories: the categories\n"
            "• /quiz settings: this channel's settings\n"
            "• /quiz review: your cards due today · /quiz notebook: your notebook and Anki deck (in a DM)\n"
            "• /quiz me [tz=Asia/Seoul reminders=on|off at=20:00 optin=on|off]: your review progress and settings · "
            "/quiz me forget: delete everything about you\n"
            "• Admins: /quiz setup time=09:00 tz=Asia/Seoul days=mon-fri delay=8h, /quiz pause, /quiz resume, "
            "/quiz reveal, /quiz skip, /quiz export"
        ),
    },
    "review.error.bad-freezes": {
        "ko": "스트릭 프리즈는 한 달에 0~{max}개까지 정할 수 있습니다.",
        "en": "Streak freezes per month must be between 0 and {max}.",
    },
    "review.error.nothing-to-override": {
        "ko": "이 라운드에 바꿀 내 복습 기록이 없습니다.",
        "en": "You have no review from this round to change.",
    },
    "review.error.not-yours": {"ko": "다른 사람의 복습 카드입니다.", "en": "That review card is not yours."},
    "review.error.question-gone": {
        "ko": "이 카드의 질문이 더 이상 덱에 없습니다.",
        "en": "This card's question is no longer in any loaded deck.",
    },
    "review.error.no-card": {"ko": "이 복습 카드는 더 이상 없습니다.", "en": "This review card no longer exists."},
    "review.error.stale": {
        "ko": "이 카드는 이미 답했습니다. 다음 카드를 불러 주세요.",
        "en": "You already answered this card. Ask for the next one.",
    },
    "review.error.unavailable": {
        "ko": "이 봇에서는 개인 복습을 쓸 수 없습니다.",
        "en": "Personal review is not available on this bot.",
    },
    "review.none": {
        "ko": "오늘 복습할 카드가 없습니다. 오늘의 질문에 답하면 카드가 생깁니다.",
        "en": "Nothing to review today. Answer the daily question to add cards.",
    },
    "review.title": {"ko": "복습 · {category} · 오늘 {due}장 남음", "en": "Review · {category} · {due} due today"},
    "review.graded": {
        "ko": "{grade} · {rating} · 다음 복습: {next} 뒤",
        "en": "{grade} · {rating} · next review in {next}",
    },
    "review.rating.again": {"ko": "다시", "en": "Again"},
    "review.rating.hard": {"ko": "어려움", "en": "Hard"},
    "review.rating.good": {"ko": "좋음", "en": "Good"},
    "review.rating.easy": {"ko": "쉬움", "en": "Easy"},
    "review.remaining": {"ko": "오늘 {due}장 더 남았습니다.", "en": "{due} more due today."},
    "review.done": {"ko": "오늘 복습을 모두 마쳤습니다.", "en": "That's all for today."},
    "review.rated.knew": {
        "ko": "알고 있었던 것으로 바꿨습니다. 다음 복습: {next} 뒤",
        "en": "Noted: you knew it. Next review in {next}.",
    },
    "review.rated.didnt": {
        "ko": "몰랐던 것으로 바꿨습니다. 다음 복습: {next} 뒤",
        "en": "Noted: you didn't. Next review in {next}.",
    },
    "review.rated.too-easy": {
        "ko": "너무 쉬운 것으로 표시했습니다. 다음 복습: {next} 뒤",
        "en": "Noted: too easy. Next review in {next}.",
    },
    "review.answer.button": {"ko": "답하기", "en": "Answer"},
    "review.answer.title": {"ko": "복습 답변", "en": "Review answer"},
    "review.answer.label": {"ko": "자신의 말로 답해 주세요", "en": "Answer in your own words"},
    "review.next.button": {"ko": "다음 카드", "en": "Next card"},
    "me.title": {"ko": "{name}님의 개인 복습", "en": "Personal review · {name}"},
    "me.progress": {
        "ko": "복습 연속: {current} (최고 {best}) · 오늘: {today}\n"
        "오늘 복습할 카드 {due}장 · 카드 {cards}장 · 복습 {reviews}회 · 기억률 {retention}",
        "en": "Study streak: {current} (best {best}) · today: {today}\n"
        "Due today: {due} · cards: {cards} · reviews: {reviews} · retention: {retention}",
    },
    "me.today-done": {"ko": "했음 ✓", "en": "done ✓"},
    "me.today-open": {"ko": "아직", "en": "not yet"},
    "me.settings": {
        "ko": "시간대 {timezone} · 알림: {reminders} · 놓친 매일 질문도 카드로: {optin} · "
        "한 달 스트릭 프리즈 {freezes}개",
        "en": "Time zone {timezone} · reminders: {reminders} · missed daily questions become cards: {optin} · "
        "streak freezes: {freezes} a month",
    },
    "me.reminders-on": {"ko": "{time}에 켜짐", "en": "on at {time}"},
    "me.reminders-off": {"ko": "꺼짐", "en": "off"},
    "me.optin-on": {"ko": "예", "en": "yes"},
    "me.optin-off": {"ko": "아니요", "en": "no"},
    "me.saved": {"ko": "설정을 저장했습니다.", "en": "Settings saved."},
    "me.bad-option": {
        "ko": "'{option}'은(는) 알 수 없는 설정입니다. 예: tz=Asia/Seoul reminders=on at=20:00 optin=on",
        "en": "Unknown setting '{option}'. Example: tz=Asia/Seoul reminders=on at=20:00 optin=on",
    },
    "me.bad-switch": {
        "ko": "'{value}': on 또는 off 로 적어 주세요.",
        "en": "'{value}': write on or off.",
    },
    "forget.title": {"ko": "내 기록 모두 지우기", "en": "Forget me"},
    "forget.what": {
        "ko": "이 서버에서 퀴즈봇이 저장한 내 모든 것을 지웁니다: 답변과 그 수정 기록, 결과와 모든 리더보드 점수, "
        "연속 기록, 이의 제기, 이름, 내가 한 추천과 내 답변이 받은 추천, 복습 카드와 복습 기록, 설정. 다른 "
        "멤버의 점수에서는 내 추천만큼이 빠집니다. 되돌릴 수 없습니다.",
        "en": "This deletes everything quizbot stored about you in this server: your answers and their edits, your "
        "results and points on every leaderboard, streaks, disputes, your name, the votes you cast and those on "
        "your answers, your review cards, reviews and settings. Other members lose the points of your votes. It "
        "cannot be undone.",
    },
    "forget.button": {"ko": "모두 지우기", "en": "Delete everything"},
    "forget.done": {
        "ko": "지웠습니다: 기록 {total}개. 내가 추천한 답변 {rescored}개의 점수를 다시 계산했습니다.",
        "en": "Done: {total} records about you are deleted; {rescored} answers you had voted for were re-scored.",
    },
    "notebook.reply": {
        "ko": "공부 노트(마크다운 파일 {parts}개)와 놓친 질문 {notes}개의 Anki 덱입니다.",
        "en": "Your study notebook ({parts} Markdown file(s)) and an Anki deck of {notes} questions you missed.",
    },
    "export.reply": {
        "ko": "이 채널의 결과: 채점된 답변 {rows}개 (CSV).",
        "en": "This channel's results: {rows} scored answers (CSV).",
    },
    "count.days": {"ko": "{n}일", "en": "{n} day|{n} days"},
    "reminder.text": {
        "ko": "📚 오늘 복습할 카드가 {due}장 있습니다: {command} (알림 끄기: {settings})",
        "en": "📚 You have {due} review cards due today. Start with {command}. (Turn this off: {settings})",
    },
    "review.button.knew": {"ko": "알고 있었어요", "en": "I knew it"},
    "review.button.didnt": {"ko": "몰랐어요", "en": "I didn't"},
    "review.button.too-easy": {"ko": "너무 쉬워요", "en": "Too easy"},
    "notebook.title": {"ko": "{name}님의 공부 노트", "en": "{name}'s study notebook"},
    "notebook.made": {"ko": "{date} 작성 · 질문 {count}개", "en": "Made {date} · {count} questions"},
    "notebook.empty": {
        "ko": "아직 답한 질문이 없습니다. 오늘의 질문에 답해 보세요.",
        "en": "No answers yet. Answer today's question to start your notebook.",
    },
    "notebook.weakest": {"ko": "약한 분야", "en": "Weakest categories"},
    "notebook.weakest-row": {
        "ko": "{category}: 답변 {answers}회, 평균 {coverage}%",
        "en": "{category}: {answers} answers, {coverage}% covered on average",
    },
    "notebook.meta": {
        "ko": "{category} · {date} · {points}점 · {coverage}% 짚음",
        "en": "{category} · {date} · {points} pts · {coverage}% covered",
    },
    "notebook.your-answer": {"ko": "내 답", "en": "Your answer"},
    "notebook.reference": {"ko": "참고 답안", "en": "Reference answer"},
    "notebook.correction": {"ko": "바로잡기", "en": "Correction"},
    "notebook.covered": {"ko": "짚은 개념", "en": "Covered"},
    "notebook.missed": {"ko": "놓친 개념", "en": "Missed"},
    "notebook.contradicted": {"ko": "부정한 개념", "en": "Contradicted"},
    "notebook.misconception": {"ko": "오개념", "en": "Misconception"},
    "notebook.part": {"ko": "{total}개 중 {n}번째 파일", "en": "Part {n} of {total}"},
    "notebook.left-out": {
        "ko": "크기 제한 때문에 오래된 질문 {count}개는 빠졌습니다.",
        "en": "{count} older questions were left out to keep within the size limit.",
    },
    "notebook.cut": {
        "ko": "(너무 길어 여기서 잘랐습니다)",
        "en": "(cut here: too long for one file)",
    },
    "notebook.anki-deck": {"ko": "{name}님의 복습 카드", "en": "{name}'s review cards"},
    "notebook.anki-omitted": {
        "ko": "크기 제한 때문에 질문 {count}개가 빠졌습니다.",
        "en": "{count} more questions were left out to keep within the size limit.",
    },
}


def text(key: str, language: Language = "ko", **values: object) -> str:
    """The message ``key`` in ``language``, formatted with ``values``."""
    entry = _CATALOGUE[key]
    template = entry.get(language) or entry["en"]
    return template.format(**values) if values else template


def counted(key: str, n: int, language: Language = "ko") -> str:
    """``n`` things as the catalogue says them: ``1 answer``, ``2 answers``, ``답변 2회``."""
    forms = text(key, language, n=n).split("|")
    return forms[0] if n == 1 or len(forms) == 1 else forms[1]


def has(key: str) -> bool:
    return key in _CATALOGUE
