-- A member's dispute of a concept the grader marked missed or contradicted in their revealed answer. Admins
-- accept or reject it once: the state moves from 'open' exactly once, in the transaction that re-scores.
CREATE TABLE disputes (
    id INTEGER PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES rounds (id),
    answer_id INTEGER NOT NULL REFERENCES answers (id),
    member_id TEXT NOT NULL,
    platform TEXT NOT NULL,
    guild_id TEXT NOT NULL,
    concept TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'accepted', 'rejected')),
    created_at TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    points_delta INTEGER NOT NULL DEFAULT 0,
    UNIQUE (answer_id, concept)
);
CREATE INDEX disputes_by_round ON disputes (round_id, state);
