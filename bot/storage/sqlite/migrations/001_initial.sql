-- Guilds (Discord servers, Slack workspaces, the console): the timezone leaderboards are kept in.
CREATE TABLE guilds (
    platform TEXT NOT NULL,
    guild_id TEXT NOT NULL,
    timezone TEXT NOT NULL,
    PRIMARY KEY (platform, guild_id)
) WITHOUT ROWID;

CREATE TABLE channels (
    id INTEGER PRIMARY KEY,
    platform TEXT NOT NULL,
    guild_id TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    post_time TEXT NOT NULL,                 -- HH:MM in the channel's timezone
    weekdays TEXT NOT NULL,                  -- digits, Monday = 0
    timezone TEXT NOT NULL,
    daily_reveal_seconds INTEGER NOT NULL,
    ondemand_reveal_seconds INTEGER NOT NULL,
    decks TEXT NOT NULL,                     -- JSON list of deck ids
    paused INTEGER NOT NULL DEFAULT 0,
    enabled INTEGER NOT NULL DEFAULT 1,      -- 0: on-demand only, no daily schedule
    cycle INTEGER NOT NULL DEFAULT 0,        -- question-selection cycle: no repeats within one
    created_at TEXT NOT NULL,
    UNIQUE (platform, channel_id),
    FOREIGN KEY (platform, guild_id) REFERENCES guilds (platform, guild_id)
);

CREATE TABLE rounds (
    id INTEGER PRIMARY KEY,
    channel_ref INTEGER NOT NULL REFERENCES channels (id),
    kind TEXT NOT NULL CHECK (kind IN ('daily', 'ondemand')),
    state TEXT NOT NULL CHECK (state IN ('pending', 'open', 'revealing', 'revealed', 'cancelled')),
    deck_id TEXT NOT NULL,
    question_id TEXT NOT NULL,
    category TEXT NOT NULL,
    cycle INTEGER NOT NULL,
    slot TEXT,                               -- scheduled slot (UTC ISO) of a daily round
    opened_at TEXT NOT NULL,
    reveal_at TEXT NOT NULL,
    revealed_at TEXT,
    message_id TEXT,
    thread_id TEXT,
    post_attempts INTEGER NOT NULL DEFAULT 0,
    -- One post per channel and slot, whatever races: the claim is this insert.
    UNIQUE (channel_ref, slot)
);
CREATE INDEX rounds_by_state ON rounds (state, reveal_at);
CREATE INDEX rounds_by_channel ON rounds (channel_ref, id);
CREATE UNIQUE INDEX rounds_by_thread ON rounds (thread_id) WHERE thread_id IS NOT NULL;
CREATE UNIQUE INDEX rounds_by_message ON rounds (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX rounds_by_cycle ON rounds (channel_ref, cycle, deck_id, question_id);

CREATE TABLE members (
    platform TEXT NOT NULL,
    guild_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    PRIMARY KEY (platform, guild_id, member_id)
) WITHOUT ROWID;

CREATE TABLE answers (
    id INTEGER PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES rounds (id),
    member_id TEXT NOT NULL,
    message_id TEXT,                         -- the platform message holding it; NULL for private answers
    text TEXT NOT NULL,
    private INTEGER NOT NULL DEFAULT 0,
    late INTEGER NOT NULL DEFAULT 0,
    withdrawn INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (round_id, member_id, late)
);
CREATE INDEX answers_by_message ON answers (message_id) WHERE message_id IS NOT NULL;

-- Every version of every answer, so an edit or withdrawal never loses what was written.
CREATE TABLE answer_revisions (
    id INTEGER PRIMARY KEY,
    answer_id INTEGER NOT NULL REFERENCES answers (id),
    action TEXT NOT NULL CHECK (action IN ('create', 'edit', 'withdraw', 'restore')),
    text TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX revisions_by_answer ON answer_revisions (answer_id);

CREATE TABLE votes (
    answer_id INTEGER NOT NULL REFERENCES answers (id),
    voter_id TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (answer_id, voter_id)
) WITHOUT ROWID;

-- A member's scored result in a revealed round.
CREATE TABLE results (
    round_id INTEGER NOT NULL REFERENCES rounds (id),
    member_id TEXT NOT NULL,
    platform TEXT NOT NULL,
    guild_id TEXT NOT NULL,
    answer_id INTEGER NOT NULL REFERENCES answers (id),
    category TEXT NOT NULL,
    covered TEXT NOT NULL,                   -- JSON list of concept labels
    missed TEXT NOT NULL,
    coverage REAL NOT NULL,
    answer_points INTEGER NOT NULL,
    coverage_points INTEGER NOT NULL,
    vote_points INTEGER NOT NULL,
    streak INTEGER NOT NULL,
    streak_bonus INTEGER NOT NULL,
    period_week TEXT NOT NULL,               -- the leaderboard periods this result counts in
    period_month TEXT NOT NULL,
    PRIMARY KEY (round_id, member_id)
) WITHOUT ROWID;
CREATE INDEX results_by_member ON results (platform, guild_id, member_id, category);

-- Leaderboard totals per period, kept current on every score change so reads never scan history.
CREATE TABLE totals (
    platform TEXT NOT NULL,
    guild_id TEXT NOT NULL,
    period TEXT NOT NULL,                    -- 'all', 'W2026-11-23', 'M2026-11'
    member_id TEXT NOT NULL,
    points INTEGER NOT NULL,
    answers INTEGER NOT NULL,
    PRIMARY KEY (platform, guild_id, period, member_id)
) WITHOUT ROWID;
CREATE INDEX totals_ranking ON totals (platform, guild_id, period, points DESC, member_id);

CREATE TABLE streaks (
    channel_ref INTEGER NOT NULL REFERENCES channels (id),
    member_id TEXT NOT NULL,
    current INTEGER NOT NULL,
    best INTEGER NOT NULL,
    last_round_id INTEGER NOT NULL,
    PRIMARY KEY (channel_ref, member_id)
) WITHOUT ROWID;
