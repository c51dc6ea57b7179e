"""`make run`'s demo data loads through the real rules, and a second run changes nothing."""

from sqlmodel import Session, select

from models.project import Project
from service.demo import seed_demo
from tests import factories
from tests.database_snapshot import row_counts


def test_demo_data_is_real_and_idempotent(session: Session) -> None:
    factories.lanzhou(session)
    assert seed_demo(session).startswith("已写入演示数据")
    states = sorted(session.exec(select(Project.state)).all())
    assert states == ["draft", "submitted"]
    before = row_counts(session)
    assert seed_demo(session) == "演示数据已存在，跳过。"
    assert row_counts(session) == before
