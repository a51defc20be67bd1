"""Per-user task numbers: each user's tasks are numbered from 1, in the order they were made.

The ids stay (the API's paths use them); `tasks.number` is what a person sees and says ("task 3"), and
`users.last_task_number` the counter a new task takes its number from (numbers are never reused, so "task 3"
never silently turns into another task after a delete). Existing tasks are numbered by id within their user.

Rolling upgrades: the previous version of the app keeps serving while this migration runs and inserts tasks
without a number. On PostgreSQL a trigger gives such a row the user's next number, so those inserts keep
working (and so does any other writer that leaves the number out, e.g. psql). SQLite is the single-process
local mode; it has no rolling upgrades and needs no trigger.

Revision ID: 0002_task_numbers
Revises: 0001_initial
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_task_numbers"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

NUMBER_MISSING_FUNCTION = """
CREATE FUNCTION tasks_number_missing() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE users SET last_task_number = last_task_number + 1 WHERE id = NEW.user_id
        RETURNING last_task_number INTO NEW.number;
    IF NOT FOUND THEN
        -- No such user: let the foreign key refuse the row, as it would without this trigger.
        NEW.number := 0;
    END IF;
    RETURN NEW;
END
$$
"""
NUMBER_MISSING_TRIGGER = (
    "CREATE TRIGGER tasks_number_missing BEFORE INSERT ON tasks FOR EACH ROW WHEN (NEW.number IS NULL) "
    "EXECUTE FUNCTION tasks_number_missing()"
)


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.add_column("users", sa.Column("last_task_number", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("tasks", sa.Column("number", sa.Integer(), nullable=True))
    # One pass over the table (UPDATE ... FROM with a window function: PostgreSQL, and SQLite 3.33+).
    op.execute(
        "UPDATE tasks SET number = numbered.position FROM "
        "(SELECT id, row_number() OVER (PARTITION BY user_id ORDER BY id) AS position FROM tasks) AS numbered "
        "WHERE tasks.id = numbered.id"
    )
    op.execute(
        "UPDATE users SET last_task_number = counts.last FROM "
        "(SELECT user_id, max(number) AS last FROM tasks GROUP BY user_id) AS counts WHERE users.id = counts.user_id"
    )
    if postgresql:
        op.execute(NUMBER_MISSING_FUNCTION)
        op.execute(NUMBER_MISSING_TRIGGER)
    with op.batch_alter_table("tasks") as batch:
        batch.alter_column("number", existing_type=sa.Integer(), nullable=False)
        batch.create_unique_constraint("uq_tasks_user_id_number", ["user_id", "number"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER tasks_number_missing ON tasks")
        op.execute("DROP FUNCTION tasks_number_missing()")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_constraint("uq_tasks_user_id_number", type_="unique")
        batch.drop_column("number")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("last_task_number")
