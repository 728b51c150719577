"""`/v1/policies`: an organisation's policy versions, which one is live, which in shadow.

Upload YAML with `PUT /v1/policies` (body: the YAML, `content-type:
application/yaml`; or JSON `{"source": ..., "activate": ..., "shadow": ...}`).
An invalid policy is refused with 422 and every problem with its line.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, Field

from tutela.access import Principal
from tutela.api.deps import get_db, require
from tutela.api.errors import documented, error_response
from tutela.api.limits import MAX_POLICY_CASES, text_over_limit
from tutela.domain.inputs import DbId, Text, check_text
from tutela.domain.policy import PolicyVersionInfo
from tutela.policy import shadow as shadow_mod
from tutela.policy import store
from tutela.policy.model import DEFAULT_POLICY_PATH, PolicyError, parse_policy
from tutela.storage.db import Database

router = APIRouter(prefix="/v1/policies", tags=["policies"])

MAX_POLICY_BYTES = 512 * 1024


class PolicyList(BaseModel):
    active_version: int | None = Field(description="None: the built-in default policy is live")
    shadow_version: int | None
    versions: list[PolicyVersionInfo]


class PolicyUpload(BaseModel):
    source: Text = Field(description="the policy YAML")
    activate: bool = False
    shadow: bool = False
    comment: Text | None = Field(default=None, max_length=500)


class TestCase(BaseModel):
    id: str | None = None
    text: str | None = None
    context: dict[str, Any] | None = None
    expect: dict[str, Any] = Field(default_factory=dict)


class PolicyTestRequest(BaseModel):
    source: str | None = Field(default=None, description="policy YAML; default: the organisation's live policy")
    cases: list[TestCase] = Field(min_length=1, max_length=MAX_POLICY_CASES,
                                  description="at most 500 cases and 1,000,000 characters of text (413)")


class PolicyCompareRequest(BaseModel):
    candidate: str = Field(description="the candidate policy YAML")
    cases: list[TestCase] = Field(min_length=1, max_length=MAX_POLICY_CASES,
                                  description="at most 500 cases and 1,000,000 characters of text (413)")


class PolicyValid(BaseModel):
    valid: bool
    name: str
    rules: list[str] = Field(description="the rule ids, in order")


class CaseOutcome(BaseModel):
    id: str
    passed: bool
    decision: str
    actions: list[str]
    rules: list[str]
    nudges: dict[str, str]
    failures: list[str]


class PolicyTestReport(BaseModel):
    policy: str
    passed: int
    failed: int
    results: list[CaseOutcome]


class Difference(BaseModel):
    case: int = Field(description="the case's position in the request, from 0")
    live: str
    shadow: str
    only_live: list[str]
    only_shadow: list[str]
    live_rules: list[str]
    shadow_rules: list[str]


class PolicyComparison(BaseModel):
    live: str
    live_version: int | None
    candidate: str
    cases: int
    differ: int
    differences: list[Difference]


class ShadowTransition(BaseModel):
    live: str
    shadow: str | None
    count: int


class ShadowExample(BaseModel):
    decision_id: str
    at: str | None
    live: str
    shadow: str | None
    only_live: list[str]
    only_shadow: list[str]


class ShadowReport(BaseModel):
    org_id: int
    shadow_version: int | None
    decisions: int
    differ: int
    agreement: float | None = Field(description="share of decisions where both agreed; null without any")
    transitions: list[ShadowTransition]
    actions_only_live: dict[str, int]
    actions_only_shadow: dict[str, int]
    rules_only_live: dict[str, int]
    rules_only_shadow: dict[str, int]
    examples: list[ShadowExample]


class ShadowStopped(BaseModel):
    shadow_version: int | None


class PolicySource(PolicyVersionInfo):
    source: str = Field(description="the version's YAML")


def _invalid(exc: PolicyError) -> JSONResponse:
    return error_response(422, "invalid policy", details=exc.to_json())


async def _read_upload(request: Request, activate: bool, shadow: bool, comment: str | None) -> PolicyUpload:
    raw = await request.body()
    if len(raw) > MAX_POLICY_BYTES:
        raise ValueError(f"policy larger than {MAX_POLICY_BYTES} bytes")
    ctype = request.headers.get("content-type", "")
    if "json" in ctype:
        data: Any = json.loads(raw or b"{}")
        return PolicyUpload.model_validate(data)
    return PolicyUpload(source=check_text(raw.decode("utf-8")), activate=activate, shadow=shadow, comment=comment)


@router.get("", response_model=PolicyList, summary="List the organisation's policy versions")
def list_policies(principal: Principal = Depends(require("policy")), db: Database = Depends(get_db)) -> PolicyList:
    versions = store.list_versions(db, principal.org_id)
    return PolicyList(
        active_version=next((v.version for v in versions if v.active), None),
        shadow_version=next((v.version for v in versions if v.shadow), None),
        versions=versions,
    )


@router.put("", status_code=201, response_model=PolicyVersionInfo,
            responses=documented(422, "invalid policy: `details` lists each problem with its line"),
            summary="Upload a new policy version (validated)")
async def upload_policy(
    request: Request,
    activate: bool = Query(False, description="make it live at once"),
    shadow: bool = Query(False, description="run it in shadow beside the live policy"),
    comment: Annotated[Text | None, Query(max_length=500)] = None,
    principal: Principal = Depends(require("policy")),
    db: Database = Depends(get_db),
) -> PolicyVersionInfo | JSONResponse:
    try:
        up = await _read_upload(request, activate, shadow, comment)
    except (ValueError, UnicodeDecodeError) as exc:
        return error_response(400, f"cannot read the policy: {exc}")
    if up.activate and up.shadow:
        return error_response(400, "a version is either activated or put in shadow, not both")
    try:
        return store.save_version(db, principal.org_id, up.source, created_by=principal.actor, comment=up.comment,
                                  activate=up.activate, shadow=up.shadow)
    except PolicyError as exc:
        return _invalid(exc)


@router.post("/validate", response_model=PolicyValid, summary="Validate a policy without storing it")
async def validate_policy(
    request: Request, principal: Principal = Depends(require("policy"))
) -> PolicyValid | JSONResponse:
    try:
        up = await _read_upload(request, False, False, None)
        pol = parse_policy(up.source)
    except PolicyError as exc:
        return _invalid(exc)
    except (ValueError, UnicodeDecodeError) as exc:
        return error_response(400, f"cannot read the policy: {exc}")
    return PolicyValid(valid=True, name=pol.name, rules=[r.id for r in pol.rules])


@router.post("/test", response_model=PolicyTestReport,
             summary="Run test cases through a policy (real detectors; nothing logged)")
def test_policy(body: PolicyTestRequest, principal: Principal = Depends(require("policy")),
                db: Database = Depends(get_db)) -> PolicyTestReport | JSONResponse:
    from tutela.policy.testing import CaseFileError, run_case

    over = text_over_limit(c.text for c in body.cases)
    if over is not None:
        return over
    try:
        pol = parse_policy(body.source) if body.source is not None else store.policies_for(db, principal.org_id)[0]
    except PolicyError as exc:
        return _invalid(exc)
    results = []
    for i, case in enumerate(body.cases, 1):
        try:
            r = run_case(pol, case.model_dump(exclude_none=True), i)
        except (CaseFileError, ValueError) as exc:
            return error_response(422, f"case {i}: {exc}")
        results.append(CaseOutcome(id=r.id, passed=r.passed, decision=r.decision, actions=r.actions,
                                   rules=r.rules, nudges=r.nudges, failures=r.failures))
    return PolicyTestReport(policy=pol.name, passed=sum(r.passed for r in results),
                            failed=sum(not r.passed for r in results), results=results)


@router.post("/compare", response_model=PolicyComparison,
             summary="Where a candidate policy would decide differently from the live one")
def compare_policy(body: PolicyCompareRequest, principal: Principal = Depends(require("policy")),
                   db: Database = Depends(get_db)) -> PolicyComparison | JSONResponse:
    over = text_over_limit(c.text for c in body.cases)
    if over is not None:
        return over
    try:
        candidate = parse_policy(body.candidate)
    except PolicyError as exc:
        return _invalid(exc)
    live = store.policies_for(db, principal.org_id)[0]
    try:
        out = shadow_mod.compare(live, candidate, [(c.model_dump(exclude_none=True, include={"text"}), c.context)
                                                   for c in body.cases])
    except ValueError as exc:
        return error_response(422, str(exc))
    return PolicyComparison(live=live.name, live_version=live.version, candidate=candidate.name, **out)


@router.get("/default", response_class=PlainTextResponse, summary="The built-in default policy (YAML)")
def default_source(principal: Principal = Depends(require("policy"))) -> str:
    return DEFAULT_POLICY_PATH.read_text(encoding="utf-8")


@router.get("/shadow/report", response_model=ShadowReport, summary="Where the live and shadow policies disagreed")
def shadow_report(
    version: Annotated[DbId | None, Query(description="only this shadow version")] = None,
    since: datetime | None = Query(None),
    principal: Principal = Depends(require("policy")),
    db: Database = Depends(get_db),
) -> ShadowReport:
    from tutela.policy.log import decision_log

    decision_log(db).flush(timeout=5)
    return ShadowReport(**shadow_mod.report(db, principal.org_id, shadow_version=version, since=since))


@router.delete("/shadow", response_model=ShadowStopped, summary="Stop running a shadow policy")
def stop_shadow(principal: Principal = Depends(require("policy")), db: Database = Depends(get_db)) -> ShadowStopped:
    store.set_shadow(db, principal.org_id, None, by=principal.actor)
    return ShadowStopped(shadow_version=None)


@router.get("/{version:int}", response_model=PolicySource, summary="One stored version: its YAML and details")
def get_policy(version: DbId, principal: Principal = Depends(require("policy")),
               db: Database = Depends(get_db)) -> PolicySource:
    info = store.get_info(db, principal.org_id, version)  # store.PolicyNotFound reads as 404
    return PolicySource(**info.model_dump(), source=store.get_source(db, principal.org_id, version))


@router.post("/{version:int}/activate", response_model=PolicyVersionInfo, summary="Make a version live")
def activate(version: DbId, principal: Principal = Depends(require("policy")),
             db: Database = Depends(get_db)) -> PolicyVersionInfo:
    store.activate_version(db, principal.org_id, version, by=principal.actor)
    return store.get_info(db, principal.org_id, version)


@router.post("/{version:int}/shadow", response_model=PolicyVersionInfo, summary="Run a version in shadow")
def set_shadow(version: DbId, principal: Principal = Depends(require("policy")),
               db: Database = Depends(get_db)) -> PolicyVersionInfo:
    store.set_shadow(db, principal.org_id, version, by=principal.actor)
    return store.get_info(db, principal.org_id, version)
