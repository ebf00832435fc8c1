-- Answers graded when they arrive, so a reveal reads their judgements instead of grading them all at once. A
-- judgement is of one text of the answer (text_key: a digest of it) under one fingerprint of everything else it
-- was graded from (grader, rules, question content, accepted concepts); a reveal uses only one whose text and
-- fingerprint match. A cache: anything missing is graded again. Deleted with the answer when a member is forgotten.
CREATE TABLE answer_judgements (
    answer_id bigint NOT NULL REFERENCES answers (id),
    text_key text NOT NULL,
    fingerprint text NOT NULL,
    judgement text NOT NULL,                 -- JSON of the grader's Judgement
    PRIMARY KEY (answer_id, text_key)
);
