-- Languages: a member's own choice (`language sv`) and a community's (`mod language sv`). No row: the
-- next one down (the community's, then the config default; on Discord the interaction's locale first).
CREATE TABLE member_language (
    member_id INTEGER PRIMARY KEY REFERENCES members(id) ON DELETE CASCADE,
    language TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE community_language (
    community_id INTEGER PRIMARY KEY REFERENCES communities(id) ON DELETE CASCADE,
    language TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
