"""社工机构: the register's list filtered by name and blacklist, and each organisation's page, corrected there through
the same use case as PATCH /organisations (a blank e-mail or date clears it, an unticked box is 否)."""

from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel
from sqlmodel import Session

from models.lifecycles import ORGANISATION_REGISTER
from models.roles import Actor
from service.commands.registers import OrganisationUpdate, update_organisation
from service.console.form_input import PAGE_SIZE, FormText, words
from service.console.register_pages import ListFilters, Listing, Register, register_router
from service.excel import kinds
from service.queries.parties import ORGANISATION_READERS, list_organisations, organisation_detail

BLACKLIST_CHOICES = {"yes": True, "no": False}


class OrganisationFilters(ListFilters):
    blacklisted: Annotated[str | None, Query(max_length=5)] = None


class OrganisationForm(BaseModel):
    name: FormText = ""
    contact_email: FormText = ""
    registered_on: FormText = ""
    registered_with_civil_affairs: bool = False
    sound_governance: bool = False
    financial_rules_and_bank_account: bool = False


def _listing(session: Session, actor: Actor, filters: Any) -> Listing:
    blacklisted = filters.blacklisted if filters.blacklisted in BLACKLIST_CHOICES else ""
    chosen = {"q": words(filters.q), "blacklisted": blacklisted}
    found = list_organisations(
        session,
        actor=actor,
        name=chosen["q"] or None,
        blacklisted=BLACKLIST_CHOICES.get(blacklisted),
        page=filters.page,
        page_size=PAGE_SIZE,
    )
    return Listing(found, chosen)


ORGANISATIONS = Register(
    path="/console/organisations",
    title="社工机构",
    readers=ORGANISATION_READERS,
    lifecycle=ORGANISATION_REGISTER,
    import_kind=kinds.ORGANISATIONS,
    list_template="console/organisations.html",
    entry_template="console/organisation.html",
    entry_name="organisation",
    filters=OrganisationFilters,
    listing=_listing,
    detail=organisation_detail,
    update=update_organisation,
    id_name="organisation_id",
    form=OrganisationForm,
    update_model=OrganisationUpdate,
    labels={
        "name": "机构名称",
        "contact_email": "联系邮箱",
        "registered_on": "登记日期",
        "registered_with_civil_affairs": "已在民政部门登记",
        "sound_governance": "具有健全的法人治理结构",
        "financial_rules_and_bank_account": "具有规章财务制度和独立银行账号",
    },
    duplicate_field="name",
    blank_clears=("contact_email", "registered_on"),
)
router = register_router(ORGANISATIONS)
