"""The import pages in Chromium against the real server: a workbook with two bad cells shows both errors beside their
rows and saves nothing; a good one shows its progress lines, then the counts, and its rows are in the list; the
progress really streams (it arrives before the import has finished); who may not import gets no page."""

import re
import time
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from playwright.sync_api import BrowserContext, Page, expect
from sqlmodel import Session, func, select

from models.organisation import Organisation
from models.roles import Role
from service.excel import kinds
from service.excel.credit_columns import SHEET_TITLE as CREDIT_TITLE
from tests import factories
from tests.console.conftest import World, screenshot, sign_in
from tests.console.test_accessibility import critical_violations
from tests.service.excel.builders import credit_code, workbook

HEADERS = [column.header for column in kinds.ORGANISATION_COLUMNS]


@dataclass
class Upload:
    word: str
    folder: Path

    def organisations(self, name: str, *rows: list[Any]) -> Path:
        path = self.folder / name
        path.write_bytes(workbook(HEADERS, *rows, title=kinds.SHEET_TITLES[kinds.ORGANISATIONS]))
        return path


def _row(name: str, code: str, registered: str = "是") -> list[Any]:
    return [name, code, registered, "2019-04-01", "是", "是", f"{factories.unique('org')}@example.cn"]


@pytest.fixture(scope="module")
def uploads(tmp_path_factory: pytest.TempPathFactory) -> Upload:
    return Upload(factories.unique("导入"), tmp_path_factory.mktemp("imports"))


def _organisations_named(world: World, word: str) -> int:
    with Session(world.engine) as session:
        return session.execute(
            select(func.count()).select_from(Organisation).where(Organisation.name.contains(word))  # type: ignore[attr-defined]
        ).scalar_one()


def test_a_workbook_with_two_bad_cells_shows_both_beside_their_rows_and_saves_nothing(
    page: Page, world: World, uploads: Upload
) -> None:
    good, bad_code, bad_flag = (f"{uploads.word}甲{n}" for n in range(3))
    path = uploads.organisations(
        "两处错误.xlsx",
        _row(good, credit_code()),
        _row(bad_code, "12345"),  # row 3: not a credit code
        _row(bad_flag, credit_code(), registered="也许"),  # row 4: neither 是 nor 否
    )
    sign_in(page, world.user(Role.CITY_COORDINATOR), at="/console/imports/organisations")
    expect(page.get_by_role("heading", name="导入社工机构")).to_be_visible()
    page.get_by_label("Excel 工作簿（.xlsx）").set_input_files(path)
    page.get_by_role("button", name="开始导入").click()
    expect(page.locator("#import-outcome").get_by_role("alert")).to_contain_text("发现 2 处错误，未写入任何数据")
    rows = page.locator("#rejected-rows tbody tr")
    expect(rows).to_have_count(2)
    third, fourth = page.locator("#row-3"), page.locator("#row-4")
    expect(third.get_by_role("rowheader")).to_have_text("第 3 行")
    expect(third).to_contain_text(bad_code)
    expect(third.locator("td.cell-bad")).to_have_text("12345")
    expect(third.locator(".cell-errors")).to_contain_text("“统一社会信用代码”")
    expect(fourth).to_contain_text(bad_flag)
    expect(fourth.locator("td.cell-bad")).to_have_text("也许")
    expect(fourth.locator(".cell-errors")).to_contain_text("“是否在民政部门登记”")
    screenshot(page, world, "import-rejected")
    assert critical_violations(page) == []
    assert _organisations_named(world, uploads.word + "甲") == 0  # not even the good row


def test_a_good_workbook_shows_its_progress_then_the_counts_and_its_rows_are_listed(
    page: Page, world: World, uploads: Upload
) -> None:
    names = [f"{uploads.word}乙{n}" for n in range(2)]
    path = uploads.organisations("两家机构.xlsx", *(_row(name, credit_code()) for name in names))
    sign_in(page, world.user(Role.CITY_COORDINATOR), at="/console/imports/organisations")
    page.get_by_label("Excel 工作簿（.xlsx）").set_input_files(path)
    page.get_by_role("button", name="开始导入").click()
    expect(page.locator("#import-outcome").get_by_role("status")).to_have_text("导入完成：新增 2 条，更新 0 条。")
    lines = page.locator(".progress-lines li").all_inner_texts()
    assert lines == [
        "已收到文件“两家机构.xlsx”，正在检查…",
        "已读取工作表「社工机构」：2 行",
        "已检查 2 行",
        "2 行全部无误，正在提交",
    ]
    before = page.locator("#import-run .progress-lines ~ #import-outcome")  # the counts come after the lines
    expect(before).to_have_count(1)
    screenshot(page, world, "import-done")
    page.get_by_role("link", name="查看社工机构列表").click()
    page.get_by_label("名称或信用代码").fill(f"{uploads.word}乙")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("#organisations tbody tr")).to_have_count(2)
    assert _organisations_named(world, uploads.word + "乙") == 2


def test_the_progress_arrives_before_the_import_has_finished(
    context: BrowserContext, page: Page, world: World, uploads: Upload
) -> None:
    """Read as it streams: the first lines are there while the rows are still being checked
    (guards `service.console.progress_stream`: an answer built whole would bring them with the result)."""
    rows = [_row(f"{uploads.word}丙{n}", credit_code()) for n in range(1500)]
    path = uploads.organisations("一千五百家.xlsx", *rows)
    sign_in(page, world.user(Role.CITY_COORDINATOR), at="/console/imports/organisations")
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    cookies = {c["name"]: c["value"] for c in context.cookies()}
    seen: list[tuple[float, str]] = []
    with (
        httpx.Client(base_url=world.base_url, cookies=cookies, timeout=120) as client,
        client.stream(
            "POST",
            "/console/imports/organisations",
            data={"csrf_token": token},
            files={"file": (path.name, path.read_bytes(), "application/octet-stream")},
        ) as answer,
    ):
        assert answer.status_code == 200
        assert "content-length" not in answer.headers
        text = ""
        for chunk in answer.iter_text():
            text += chunk
            seen.append((time.monotonic(), text))
    read_at = next(at for at, text in seen if "已读取工作表" in text)
    done_at = next(at for at, text in seen if "导入完成" in text)
    assert not any("导入完成" in text for at, text in seen if at <= read_at)
    assert done_at > read_at
    assert "导入完成：新增 1500 条" in text
    assert _organisations_named(world, uploads.word + "丙") == 1500


def test_the_template_is_the_apis_and_who_may_not_import_gets_no_page(page: Page, world: World) -> None:
    sign_in(page, world.user(Role.CITY_COORDINATOR), at="/console/imports/credit-records")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载导入模板（.xlsx）").click()
    book = load_workbook(BytesIO(Path(download.value.path()).read_bytes()))
    assert book.sheetnames[0] == CREDIT_TITLE
    page.goto("/console/imports/official-years")
    with page.expect_download() as example:
        page.get_by_role("link", name="下载示例文件（.yaml）").click()
    assert re.search(r"^year: \d{4}$", Path(example.value.path()).read_text(encoding="utf-8"), re.MULTILINE)

    page.context.clear_cookies()
    sign_in(page, world.user(Role.ORGANISATION), at="/console/imports/organisations")
    expect(page.get_by_role("heading", name="无权访问")).to_be_visible()
    page.goto("/console/imports/social-workers")  # its own staff: allowed
    expect(page.get_by_role("heading", name="导入社会工作者")).to_be_visible()


def test_an_upload_without_a_file_is_asked_for_beside_the_field(page: Page, world: World) -> None:
    sign_in(page, world.user(Role.CITY_COORDINATOR), at="/console/imports/experts")
    page.get_by_role("button", name="开始导入").click()
    expect(page.locator("#import-file-error")).to_have_text("请选择要导入的文件")


@pytest.mark.parametrize("kind", [*kinds.KINDS, kinds.ACCOUNTS, "official-years"])
def test_import_pages_have_no_critical_accessibility_violation(page: Page, world: World, kind: str) -> None:
    declaring = kind == kinds.DECLARATIONS  # an organisation declares in its own name; the coordinator does not
    sign_in(page, world.user(Role.ORGANISATION if declaring else Role.CITY_COORDINATOR), at=f"/console/imports/{kind}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("导入")
    assert critical_violations(page) == []
