"""People who sign in: a role and the region, organisation or expert that bounds what they see."""

from datetime import datetime

from sqlmodel import Field, Session, SQLModel

from models.columns import aware_datetime_column, enum_column
from models.lifecycles import ACCOUNT_ROLES_MANAGED
from models.region import Region
from models.roles import Actor, Role

ACTIVE, DISABLED = "active", "disabled"


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=100, unique=True)
    display_name: str = Field(default="", max_length=100)
    hashed_password: str = Field(max_length=255)
    role: Role = Field(sa_column=enum_column(Role))
    region_id: int | None = Field(default=None, foreign_key="region.id")
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    expert_id: int | None = Field(default=None, foreign_key="expert.id")
    disabled: bool = False
    # A token names the generation it was issued in: a password change, a reset or a disabling moves it on,
    # so that every token issued before stops working (judged without the clock: tokens share seconds).
    token_generation: int = 0
    must_change_password: bool = False  # a one-time password: nothing but the change is allowed until then
    created_at: datetime = Field(sa_column=aware_datetime_column())

    @property
    def state(self) -> str:
        """How the audit trail names the account's standing."""
        return DISABLED if self.disabled else ACTIVE

    @property
    def version(self) -> int:
        """The audit row's version of an account: its credential generation."""
        return self.token_generation


def manages(actor_role: Role, account_role: Role) -> bool:
    """Whether the declarations let this role create, disable, re-enable and reset accounts of that role."""
    return account_role in ACCOUNT_ROLES_MANAGED.get(actor_role, frozenset())


def account_in_scope(session: Session, actor: Actor, *, role: Role, region_id: int | None) -> bool:
    """Whether an account (held or proposed) lies in the actor's part of the region tree.

    Organisation and expert accounts are bound to no place (their registers are the city's), so they are in the
    scope of whoever manages their role.
    """
    if actor.role is Role.ADMIN:
        return True
    if region_id is None:
        return manages(actor.role, role)
    if actor.region_id is None:
        return False
    own, theirs = session.get(Region, actor.region_id), session.get(Region, region_id)
    return own is not None and theirs is not None and theirs.path.startswith(own.path)
