"""Screening pages: screen one party, or upload a CSV of parties and download the results."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from pallmall.api.deps import Caller, Workers, screening_desk
from pallmall.api.screening import parse_batch
from pallmall.core.auth import Permission
from pallmall.core.errors import InvalidInput
from pallmall.screening import (
    EntrySchema,
    Party,
    ScreeningDesk,
    list_ages,
    results_to_csv,
    screen_batch,
)
from pallmall.web.pages import render

router = APIRouter(include_in_schema=False)
MAX_UPLOAD = 5 * 1024 * 1024


@router.get("/screening", response_class=HTMLResponse)
def screening_form(request: Request, caller: Caller) -> HTMLResponse:
    """The screening form and the lists in force."""
    caller.require(Permission.SCREENING_RUN)
    return render(
        request,
        "screening.html",
        caller=caller,
        result=None,
        form={},
        schemas=list(EntrySchema),
        lists=list_ages(screening_desk(request).current(), date.today()),
    )


@router.post("/screening", response_class=HTMLResponse)
def screen_one(
    request: Request,
    caller: Caller,
    name: Annotated[str, Form(min_length=1, max_length=300)],
    party_schema: Annotated[EntrySchema, Form(alias="schema")] = EntrySchema.UNKNOWN,
    country: Annotated[str, Form(max_length=100)] = "",
    birth_date: Annotated[str, Form(pattern=r"^(\d{4}(-\d{2}(-\d{2})?)?)?$")] = "",
) -> HTMLResponse:
    """Screen one party; hits with their explanation, strongest first."""
    caller.require(Permission.SCREENING_RUN)
    party = Party(name, party_schema, (), (country,) if country else (), birth_date)
    result = screening_desk(request).screener().screen(party)
    form = {
        "name": name,
        "schema": party_schema.value,
        "country": country,
        "birth_date": birth_date,
    }
    return render(
        request,
        "screening.html",
        caller=caller,
        result=result,
        form=form,
        schemas=list(EntrySchema),
        lists=list_ages(screening_desk(request).current(), date.today()),
    )


@router.post("/screening/batch")
async def screen_csv(
    request: Request,
    caller: Caller,
    parties: Annotated[UploadFile, File()],
    workers: Workers,
) -> Response:
    """Screen an uploaded CSV of parties (at most 10,000 rows, 5 MiB) in the worker pool;
    the results come back as a CSV download."""
    caller.require(Permission.SCREENING_RUN)
    raw = await parties.read(MAX_UPLOAD + 1)
    if len(raw) > MAX_UPLOAD:
        raise InvalidInput("parties", "the file is larger than 5 MiB")
    return await workers.run(_screen_upload, screening_desk(request), raw)


def _screen_upload(desk: ScreeningDesk, raw: bytes) -> Response:
    rows = parse_batch(raw, "parties")
    results = screen_batch(desk.screener(), rows)
    return Response(
        results_to_csv(rows, results),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="screening.csv"'},
    )
