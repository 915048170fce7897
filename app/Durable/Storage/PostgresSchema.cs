namespace Durable.Storage;

/// <summary>The PostgreSQL store's schema, one list of statements per version; applied in order under an advisory lock.</summary>
internal static class PostgresSchema
{
    /// <summary>The advisory lock key that serializes migrations of one database ("Durable" in ASCII).</summary>
    public const long MigrationLock = 0x447572_61626C65;

    /// <summary>The advisory lock key that serializes numbering the change feed.</summary>
    public const long ChangeFeedLock = MigrationLock + 1;

    public const string WorkChannel = "durable_work";
    public const string ChangesChannel = "durable_changes";

    public static readonly string[][] Versions =
    [
        [
            """
            CREATE TABLE executions (
              run_id text COLLATE "C" PRIMARY KEY,
              workflow_id text COLLATE "C" NOT NULL,
              is_latest boolean NOT NULL,
              type text NOT NULL,
              status integer NOT NULL,
              input text, result text, error text, custom_status text, buffered_signals text,
              parent_workflow_id text, parent_run_id text COLLATE "C", parent_seq integer, parent_close_policy integer,
              created_at bigint NOT NULL, updated_at bigint NOT NULL, closed_at bigint,
              next_event_id bigint NOT NULL,
              cancel_requested boolean NOT NULL DEFAULT false,
              stuck_error text, stuck_attempts integer NOT NULL DEFAULT 0, stuck_until bigint,
              trace_parent text, workflow_span text,
              lease_owner text, lease_until timestamptz, lease_seq bigint NOT NULL DEFAULT 0)
            """,
            "CREATE UNIQUE INDEX ix_executions_latest ON executions (workflow_id) WHERE is_latest",
            "CREATE INDEX ix_executions_created ON executions (created_at DESC, run_id DESC)",
            "CREATE INDEX ix_executions_parent ON executions (parent_run_id) WHERE parent_run_id IS NOT NULL",
            "CREATE INDEX ix_executions_stuck ON executions (stuck_until) WHERE stuck_until IS NOT NULL",
            """
            CREATE TABLE history (run_id text COLLATE "C" NOT NULL, event_id bigint NOT NULL, type integer NOT NULL, at bigint NOT NULL, body text NOT NULL,
              PRIMARY KEY (run_id, event_id))
            """,
            """
            CREATE TABLE inbox (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, run_id text COLLATE "C" NOT NULL, visible_at bigint NOT NULL,
              type integer NOT NULL, seq integer, body text NOT NULL)
            """,
            "CREATE INDEX ix_inbox_visible ON inbox (visible_at, run_id)",
            "CREATE INDEX ix_inbox_run ON inbox (run_id, type, seq)",
            """
            CREATE TABLE activity_tasks (
              id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, run_id text COLLATE "C" NOT NULL, workflow_id text NOT NULL, seq integer NOT NULL,
              name text NOT NULL, input text, attempt integer NOT NULL, visible_at bigint NOT NULL, options text NOT NULL, last_error text,
              trace_parent text, scheduled_at bigint NOT NULL, lease_owner text, lease_until timestamptz)
            """,
            "CREATE INDEX ix_activity_tasks_visible ON activity_tasks (visible_at)",
            "CREATE UNIQUE INDEX ix_activity_tasks_run ON activity_tasks (run_id, seq)",
            // Rows are numbered (seq) after they commit, in one place at a time, so a reader never skips a late commit.
            """
            CREATE TABLE changes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, seq bigint UNIQUE, workflow_id text NOT NULL, run_id text NOT NULL,
              type text NOT NULL, kind integer NOT NULL, status integer NOT NULL, custom_status text, at bigint NOT NULL)
            """,
            "CREATE INDEX ix_changes_unnumbered ON changes (id) WHERE seq IS NULL",
        ],
        [
            // When a run's earliest inbox row is visible, kept by every write of the inbox: claims read this index, not the whole inbox.
            "ALTER TABLE executions ADD COLUMN due_at bigint",
            "UPDATE executions e SET due_at = (SELECT MIN(visible_at) FROM inbox i WHERE i.run_id = e.run_id) WHERE status = 0",
            "CREATE INDEX ix_executions_due ON executions (due_at) WHERE due_at IS NOT NULL",
            // A check that a statement deferred into a batch makes in the database: a mismatch aborts the transaction (SQLSTATE DU001).
            """
            CREATE FUNCTION durable_expect(actual bigint, expected bigint) RETURNS void LANGUAGE plpgsql AS $$
            BEGIN
              IF actual <> expected THEN
                RAISE EXCEPTION 'expected %, found %', expected, actual USING ERRCODE = 'DU001';
              END IF;
            END $$
            """,
        ],
        [
            // A run's earliest inbox row (due_at, recomputed by every commit) is one probe of this index; without it PostgreSQL
            // walked ix_inbox_visible from the oldest row of every run until it met one of this run's.
            "DROP INDEX ix_inbox_run",
            "CREATE INDEX ix_inbox_run ON inbox (run_id, visible_at)",
        ],
    ];
}
