"""The agenda: read it, and (secretary) add, change, remove and reorder its items."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ecabinet import agenda, documents, meetings, payload
from ecabinet.api.context import authed, json_body, ok
from ecabinet.api.documents import DOCUMENT, GRANTS, LIMITS, limits_of
from ecabinet.api.spec import (
    BOOL,
    EMPTY,
    ID,
    INT,
    STR,
    TIME,
    arr,
    enum_of,
    named,
    nullable,
    obj,
    operation,
    record,
)
from ecabinet.document_owners import MeetingOwner
from ecabinet.models import MeetingStatus

ITEM = named("AgendaItem", record(
    id=ID, meeting_id=ID, position=INT, title=STR, description=STR, presenter=STR,
    presenter_unit=nullable(record(id=ID, name=STR)), planned_minutes=INT, version=ID,
    updated_at=TIME, updated=BOOL))
ITEM_BODY = obj(["title"], title=STR, description=nullable(STR), presenter=nullable(STR),
                presenter_unit_id=nullable(ID), planned_minutes=nullable(INT))
# The agenda part of a meeting's snapshot.
AGENDA_PART = named("Agenda", record(readable=BOOL, editable=BOOL, manages=BOOL,
                                     items=arr(ITEM)))
AGENDA = record(agenda=AGENDA_PART, documents=arr(DOCUMENT),
                limits=LIMITS,
                status=enum_of(MeetingStatus))
# An item as it read before a change: the text fields, with the version they made.
REVISION = record(version=ID, changed_at=TIME, title=STR, description=STR, presenter=STR,
                  presenter_unit_id=nullable(ID), planned_minutes=INT)


def _item_input(body: dict[str, Any]) -> agenda.ItemInput:
    minutes = payload.integer(body, "planned_minutes", required=False)
    return agenda.ItemInput(
        title=payload.text(body, "title", max_length=500),
        description=payload.text(body, "description", required=False, max_length=10000),
        presenter=payload.text(body, "presenter", required=False, max_length=200),
        presenter_unit_id=payload.integer(body, "presenter_unit_id", required=False),
        planned_minutes=15 if minutes is None else minutes,
    )


@operation("The agenda and the documents the user may see", tag="agenda", response=AGENDA,
           scope="meetings:read")
async def get_agenda(request: Request) -> Response:
    """Items are empty for members until the meeting is published."""
    async with authed(request) as ctx:
        meeting = await meetings.get_meeting(ctx.db, ctx.user, request.path_params["id"])
        return ok({
            "agenda": await agenda.snapshot(ctx.db, ctx.user, meeting),
            "documents": await documents.snapshot(ctx.db, ctx.user, MeetingOwner(meeting)),
            "limits": limits_of(request),
            "status": meeting.status.value,
        })


@operation("Add an agenda item (secretary)", tag="agenda", body=ITEM_BODY, response=ITEM,
           status=201, errors=[409], scope="meetings:write")
async def add_item(request: Request) -> Response:
    """Appended at the end of the agenda."""
    data = _item_input(await json_body(request))
    async with authed(request) as ctx:
        item = await agenda.add_item(ctx.db, ctx.user, request.path_params["id"], data)
        _item, meeting = await agenda.get_item(ctx.db, ctx.user, item.id)
        return ok(await agenda.item_view(ctx.db, item, meeting), 201)


@operation("Change an agenda item (secretary); versioned once published", tag="agenda",
           body=ITEM_BODY, response=ITEM, errors=[409])
async def update_item(request: Request) -> Response:
    """Delegates see the item marked updated."""
    data = _item_input(await json_body(request))
    async with authed(request) as ctx:
        item = await agenda.update_item(ctx.db, ctx.user, request.path_params["item_id"], data)
        _item, meeting = await agenda.get_item(ctx.db, ctx.user, item.id)
        return ok(await agenda.item_view(ctx.db, item, meeting))


@operation("Remove an agenda item and its documents (secretary)", tag="agenda", response=EMPTY,
           errors=[409])
async def remove_item(request: Request) -> Response:
    """Everyone's screens drop it."""
    async with authed(request) as ctx:
        await agenda.remove_item(ctx.db, ctx.user, request.path_params["item_id"])
    GRANTS.forget()
    return ok({})


@operation("Reorder the agenda (secretary): every item id, in the new order", tag="agenda",
           body=obj(["item_ids"], item_ids=arr(ID)), response=arr(ITEM), errors=[409])
async def reorder(request: Request) -> Response:
    """The drag-and-drop result."""
    body = await json_body(request)
    ids = payload.int_list(body, "item_ids")
    async with authed(request) as ctx:
        items = await agenda.reorder(ctx.db, ctx.user, request.path_params["id"], ids)
        meeting = await meetings.get_meeting(ctx.db, ctx.user, request.path_params["id"])
        return ok([await agenda.item_view(ctx.db, item, meeting) for item in items])


@operation("Earlier versions of an agenda item changed after publication", tag="agenda",
           response=arr(REVISION))
async def revisions(request: Request) -> Response:
    """Newest first."""
    async with authed(request) as ctx:
        return ok(await agenda.revisions(ctx.db, ctx.user, request.path_params["item_id"]))


routes = [
    Route("/api/meetings/{id:int}/agenda", get_agenda, methods=["GET"]),
    Route("/api/meetings/{id:int}/agenda/items", add_item, methods=["POST"]),
    Route("/api/meetings/{id:int}/agenda/order", reorder, methods=["PUT"]),
    Route("/api/agenda/items/{item_id:int}", update_item, methods=["PUT"]),
    Route("/api/agenda/items/{item_id:int}", remove_item, methods=["DELETE"]),
    Route("/api/agenda/items/{item_id:int}/revisions", revisions, methods=["GET"]),
]
