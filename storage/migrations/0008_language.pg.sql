-- 0008_language for PostgreSQL: the same schema as 0008_language.sql in PostgreSQL's types
-- (BIGINT for SQLite's 64-bit INTEGER). Keep the two in step. (Read by the storage drivers that apply
-- NNNN_name.pg.sql twins on PostgreSQL; the portable file serves both until then.)

CREATE TABLE member_language (
    member_id BIGINT PRIMARY KEY REFERENCES members(id) ON DELETE CASCADE,
    language TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE community_language (
    community_id BIGINT PRIMARY KEY REFERENCES communities(id) ON DELETE CASCADE,
    language TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
