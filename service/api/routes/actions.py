"""The one endpoint that fires a lifecycle action: every state change of the API goes through it."""

from fastapi import APIRouter

from service.api.deps import ClockDep, CurrentActor, SessionDep, SettingsDep
from service.api.params import EntityId
from service.commands.actions import ActionBody, ActionOutcome, fire_action
from service.fields import text
from service.queries.entities import Resource

router = APIRouter(tags=["actions"])
EventName = text(40, min_length=1)


@router.post("/{resource}/{entity_id}/actions/{event}")
def fire(
    session: SessionDep,
    settings: SettingsDep,
    now: ClockDep,
    actor: CurrentActor,
    resource: Resource,
    entity_id: EntityId,
    event: EventName,  # type: ignore[valid-type]
    request: ActionBody,
) -> ActionOutcome:
    """执行一个操作（如 submit、approve）：检查范围、角色、状态、版本、附加内容与规则，写入状态、审计与通知。

    请求体随操作而定：每个（资源, 操作）一个请求模型（如 NodesSubmitAction），其 payload 为该操作的附加内容模型。
    """
    return fire_action(
        session,
        resource=resource,
        entity_id=entity_id,
        event=event,
        request=request,
        actor=actor,
        now=now,
        files_dir=settings.files_dir,
    )
