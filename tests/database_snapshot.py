"""Row counts of every table: the test's way of seeing that a refused action wrote nothing."""

from sqlalchemy import func, select
from sqlmodel import Session, SQLModel


def row_counts(session: Session) -> dict[str, int]:
    session.flush()
    return {
        table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
        for table in SQLModel.metadata.sorted_tables
    }
