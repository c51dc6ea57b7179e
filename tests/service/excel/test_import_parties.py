"""Importing organisations, social workers and experts: all or nothing, every mistake reported."""

from io import BytesIO
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select

from models.errors import RoleNotAllowed
from models.expert import Expert
from models.organisation import Organisation
from models.roles import Actor, Role
from models.social_worker import Qualification, SocialWorker
from service.excel.importing import CellError, ImportRejected, import_workbook
from service.excel.templates import template_workbook
from tests import factories
from tests.database_snapshot import row_counts
from tests.factories import DECLARATION_DAY, unique
from tests.service.excel.builders import credit_code, workbook

ADMIN = Actor("cli", Role.ADMIN)
ORG_HEADERS = [
    "机构名称",
    "统一社会信用代码",
    "是否在民政部门登记",
    "登记日期",
    "是否具有健全的法人治理结构",
    "是否具有规章财务制度和独立银行账号",
    "联系邮箱",
]
WORKER_HEADERS = ["姓名", "所属机构统一社会信用代码", "职业资格", "是否社会工作专业毕业"]


def rejected(session: Session, kind: str, data: bytes, actor: Actor = ADMIN) -> list[CellError]:
    before = row_counts(session)
    with pytest.raises(ImportRejected) as caught:
        import_workbook(session, kind, data, actor=actor, now=DECLARATION_DAY)
    assert row_counts(session) == before, "a rejected import wrote rows"
    assert caught.value.status == 422 and caught.value.code == "import_rejected"
    return caught.value.errors


def filled_template(kind: str, *rows: list[Any]) -> bytes:
    """The downloaded template with rows typed under its header, as a user would hand it back."""
    book = load_workbook(BytesIO(template_workbook(kind)))
    for row in rows:
        book.worksheets[0].append(row)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_organisations_are_created_from_the_template_and_a_registered_code_is_refused(session: Session) -> None:
    first, second = credit_code(), credit_code()
    name = unique("阳光社工服务中心")
    data = filled_template(
        "organisations",
        [name, first, "是", "2018-03-01", "是", "是", "yg@example.cn"],
        [unique("邻里社工"), second, "否", None, "否", "是", None],
    )
    report = import_workbook(session, "organisations", data, actor=ADMIN, now=DECLARATION_DAY)
    assert (report.kind, report.created, report.updated) == ("organisations", 2, 0)
    stored = session.exec(select(Organisation).where(Organisation.credit_code == first)).one()
    assert stored.name == name and stored.registered_with_civil_affairs and stored.contact_email == "yg@example.cn"
    assert stored.registered_on is not None and stored.registered_on.isoformat() == "2018-03-01"

    # A registered code (written in lower case too) is refused on its cell, as POST /organisations answers 409.
    renamed = unique("阳光社会工作服务中心")
    again = workbook(ORG_HEADERS[:6], [renamed, first.lower(), "是", "2018-03-01", "否", "是"])
    (error,) = rejected(session, "organisations", again)
    assert (error.row, error.column) == (2, "统一社会信用代码") and "已登记" in error.message
    session.refresh(stored)
    assert (stored.name, stored.sound_governance) == (name, True)


def test_a_bad_organisation_sheet_lists_every_error_and_writes_nothing(session: Session) -> None:
    taken = factories.organisation(session)
    good = credit_code()
    data = workbook(
        ORG_HEADERS,
        [unique("甲"), good, "是", "2018-03-01", "是", "是", None],  # row 2: fine
        [unique("乙"), good[:17], "是", None, "是", "是", None],  # row 3: 17 characters
        [unique("丙"), good, "是", None, "是", "是", None],  # row 4: same code as row 2
        [taken.name, credit_code(), "是", None, "是", "是", None],  # row 5: name already used
        [unique("丁"), credit_code(), "也许", "2018-02-30", "是", "是", "not-an-address"],  # row 6: three cells
        [None, credit_code(), "是", None, None, "是", None],  # row 7: two blanks
    )
    errors = rejected(session, "organisations", data)
    where = {(e.row, e.column) for e in errors}
    assert where == {
        (3, "统一社会信用代码"),
        (4, "统一社会信用代码"),
        (5, "机构名称"),
        (6, "是否在民政部门登记"),
        (6, "登记日期"),
        (6, "联系邮箱"),
        (7, "机构名称"),
        (7, "是否具有健全的法人治理结构"),
    }
    by_place = {(e.row, e.column): e.message for e in errors}
    assert "应为 18 位，实际 17 位" in by_place[(3, "统一社会信用代码")]
    assert "与第 2 行重复" in by_place[(4, "统一社会信用代码")]
    assert taken.credit_code in by_place[(5, "机构名称")]
    assert "日期不存在" in by_place[(6, "登记日期")]
    assert all(e.sheet == "Sheet1" for e in errors)


def test_missing_columns_are_named(session: Session) -> None:
    errors = rejected(session, "organisations", workbook(["机构名称", "备注"], [unique("甲"), "x"]))
    assert {(e.row, e.column) for e in errors} == {
        (1, "统一社会信用代码"),
        (1, "是否在民政部门登记"),
        (1, "是否具有健全的法人治理结构"),
        (1, "是否具有规章财务制度和独立银行账号"),
    }
    assert "缺少必需的列“统一社会信用代码”" in errors[0].message


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"name,code\nx,y\n", "不是有效的 Excel 工作簿"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "旧版 Excel（.xls）"),
        (b"", "文件是空的"),
        (b"PK\x03\x04 truncated zip", "不是有效的 Excel 工作簿"),
    ],
)
def test_an_upload_that_is_not_xlsx_is_refused_in_chinese(session: Session, data: bytes, words: str) -> None:
    errors = rejected(session, "organisations", data)
    assert len(errors) == 1 and errors[0].row == 0 and words in errors[0].message


def test_social_workers_name_their_employer_and_an_organisation_imports_only_its_own(session: Session) -> None:
    own, other = factories.organisation(session), factories.organisation(session)
    existing = factories.worker(session, own, Qualification.NONE)
    actor = Actor("org", Role.ORGANISATION, organisation_id=own.id)
    newcomer = unique("社工")
    data = workbook(WORKER_HEADERS, [newcomer, own.credit_code, "助理社会工作师", "否"])
    report = import_workbook(session, "social-workers", data, actor=actor, now=DECLARATION_DAY)
    assert (report.created, report.updated) == (1, 0)
    stored = session.exec(select(SocialWorker).where(SocialWorker.name == newcomer)).one()
    assert (stored.employer_id, stored.qualification) == (own.id, Qualification.ASSISTANT)

    # A name already on the staff is refused on its cell, naming the registered worker: no import rewrites one.
    again = workbook(WORKER_HEADERS, [existing.name, own.credit_code, "社会工作师", "是"])
    (error,) = rejected(session, "social-workers", again, actor)
    assert (error.row, error.column) == (2, "姓名")
    assert f"#{existing.id}" in error.message and "导入不修改已登记的社会工作者" in error.message
    session.refresh(existing)
    assert (existing.qualification, existing.social_work_degree) == (Qualification.NONE, False)

    bad = workbook(
        WORKER_HEADERS,
        [unique("社工"), other.credit_code, "社会工作师", "是"],
        [unique("社工"), credit_code(), "社会工作师", "是"],
        [unique("社工"), own.credit_code, "中级", "是"],
    )
    errors = rejected(session, "social-workers", bad, actor)
    assert [(e.row, e.column) for e in errors] == [
        (2, "所属机构统一社会信用代码"),
        (3, "所属机构统一社会信用代码"),
        (4, "职业资格"),
    ]
    assert "只能导入本机构" in errors[0].message and "请先导入社工机构" in errors[1].message
    assert session.exec(select(SocialWorker).where(SocialWorker.employer_id == other.id)).all() == []


def test_experts_are_keyed_by_email_and_a_role_without_the_right_is_refused(session: Session) -> None:
    known = factories.expert(session)
    name, email = unique("专家"), f"{unique('e')}@example.cn"
    data = workbook(["姓名", "电子邮箱", "专业领域", "工作单位"], [name, email, "社会工作", "兰州大学"])
    report = import_workbook(session, "experts", data, actor=ADMIN, now=DECLARATION_DAY)
    assert (report.created, report.updated) == (1, 0)
    assert session.exec(select(Expert).where(Expert.email == email)).one().employer_name == "兰州大学"

    # A registered address is refused whoever is named beside it; so is one given twice in the sheet.
    fresh = f"{unique('e')}@example.cn"
    clash = workbook(
        ["姓名", "电子邮箱", "专业领域"],
        [known.name, known.email, "社区治理"],
        [unique("专家"), email.upper(), None],
        [unique("专家"), fresh, None],
        [unique("专家"), fresh.upper(), None],
    )
    errors = rejected(session, "experts", clash)
    assert [(e.row, e.column) for e in errors] == [(2, "电子邮箱"), (3, "电子邮箱"), (5, "电子邮箱")]
    assert known.name in errors[0].message and f"#{known.id}" in errors[0].message
    assert name in errors[1].message and "与第 4 行重复" in errors[2].message
    session.refresh(known)
    assert known.field_of_expertise != "社区治理"

    with pytest.raises(RoleNotAllowed):
        import_workbook(
            session, "experts", data, actor=Actor("x", Role.ORGANISATION, organisation_id=1), now=DECLARATION_DAY
        )
