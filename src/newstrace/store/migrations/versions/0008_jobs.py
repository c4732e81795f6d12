"""``jobs``: the server's background jobs, as every worker process sees them.

``newstrace serve --workers N`` runs N processes over one store; a job started by one
was unknown to the others, so polling ``/api/jobs/{id}`` failed on every other
worker. Each job's state is kept here (:class:`newstrace.service.jobs.Jobs`); writing
it does not change the store's generation (a job's progress is not content).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("created", sa.String(40), nullable=False, index=True),
        sa.Column("data", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("jobs")
