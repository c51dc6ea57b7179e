"""评审专家: the register's list filtered by name, and each expert's page, corrected there through the same use case
as PATCH /experts (a blank e-mail clears it: the expert then gets no review notices)."""

from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from models.lifecycles import EXPERT_REGISTER
from models.roles import Actor
from service.commands.registers import ExpertUpdate, update_expert
from service.console.form_input import PAGE_SIZE, FormText, words
from service.console.register_pages import ListFilters, Listing, Register, register_router
from service.excel import kinds
from service.queries.parties import EXPERT_READERS, expert_detail, list_experts


class ExpertForm(BaseModel):
    name: FormText = ""
    email: FormText = ""
    field_of_expertise: FormText = ""
    employer_name: FormText = ""


def _listing(session: Session, actor: Actor, filters: Any) -> Listing:
    chosen = {"q": words(filters.q)}
    found = list_experts(session, actor=actor, name=chosen["q"] or None, page=filters.page, page_size=PAGE_SIZE)
    return Listing(found, chosen)


EXPERTS = Register(
    path="/console/experts",
    title="评审专家",
    readers=EXPERT_READERS,
    lifecycle=EXPERT_REGISTER,
    import_kind=kinds.EXPERTS,
    list_template="console/experts.html",
    entry_template="console/expert.html",
    entry_name="expert",
    filters=ListFilters,
    listing=_listing,
    detail=expert_detail,
    update=update_expert,
    id_name="expert_id",
    form=ExpertForm,
    update_model=ExpertUpdate,
    labels={"name": "姓名", "email": "电子邮箱", "field_of_expertise": "专业领域", "employer_name": "工作单位"},
    duplicate_field="email",
    blank_clears=("email",),
)
router = register_router(EXPERTS)
