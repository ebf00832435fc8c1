-- Platform events taken by a bot process: a platform may deliver one event more than once (a retry, a copy to each
-- of several processes sharing this database), and the first to insert its row handles it. Transient: claims
-- older than any redelivery are pruned.
CREATE TABLE event_claims (
    platform text NOT NULL,
    event_id text NOT NULL,
    claimed_at timestamptz NOT NULL,
    PRIMARY KEY (platform, event_id)
);
CREATE INDEX event_claims_by_time ON event_claims (claimed_at);
