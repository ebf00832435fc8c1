-- Personal review: a member's card per question, scheduled by FSRS from its reviews, and the member's settings.
CREATE TABLE review_cards (
    id INTEGER PRIMARY KEY,
    platform TEXT NOT NULL,
    guild_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    deck_id TEXT NOT NULL,
    question_id TEXT NOT NULL,
    category TEXT NOT NULL,
    created_at TEXT NOT NULL,
    due TEXT NOT NULL,                       -- UTC ISO, like every time stored
    memory TEXT NOT NULL,                    -- FSRS state as JSON; only the core reads it
    reviews INTEGER NOT NULL DEFAULT 0,
    lapses INTEGER NOT NULL DEFAULT 0,
    last_review TEXT,
    last_rating INTEGER CHECK (last_rating BETWEEN 1 AND 4),
    -- One card per member and question, whatever races: a second reveal of the question reviews the same card.
    UNIQUE (platform, guild_id, member_id, deck_id, question_id)
);
CREATE INDEX review_cards_due ON review_cards (platform, guild_id, member_id, due);

CREATE TABLE reviews (
    id INTEGER PRIMARY KEY,
    card_id INTEGER NOT NULL REFERENCES review_cards (id),
    at TEXT NOT NULL,
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
    auto_rating INTEGER NOT NULL CHECK (auto_rating BETWEEN 1 AND 4),  -- before the member's override, if any
    source TEXT NOT NULL CHECK (source IN ('round', 'practice')),
    round_id INTEGER REFERENCES rounds (id),
    score REAL,
    -- A round reviews a card once, however often its reveal is processed (NULLs, practice reviews, are distinct).
    UNIQUE (card_id, round_id)
);
CREATE INDEX reviews_by_card ON reviews (card_id, at);

CREATE TABLE member_settings (
    platform TEXT NOT NULL,
    guild_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    timezone TEXT NOT NULL,
    opted_in INTEGER NOT NULL DEFAULT 0,
    reminders INTEGER NOT NULL DEFAULT 0,
    reminder_time TEXT NOT NULL,             -- HH:MM in the member's time zone
    streak_freezes INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (platform, guild_id, member_id)
) WITHOUT ROWID;
CREATE INDEX member_settings_reminders ON member_settings (platform) WHERE reminders = 1;
