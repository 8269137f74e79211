"""Opening cases: licence applications (vendors), restriction cases (regulators), procurement
checks and use authorisations (state agencies)."""

from __future__ import annotations

import dataclasses

from pallmall.cases.diligence import (
    Sources,
    checks,
    procurement_assessment,
    product_category,
)
from pallmall.cases.model import (
    Application,
    Case,
    CaseKind,
    CaseState,
    CaseStatus,
    LicenceApplication,
    ProcurementRequest,
    RestrictionFile,
    RestrictionRequest,
    UseAuthorisationRequest,
    Verb,
)
from pallmall.cases.ports import CaseStore
from pallmall.cases.service import CaseService
from pallmall.cases.transitions import INITIAL
from pallmall.core.auth import AccountKind, Permission, Principal
from pallmall.core.errors import Forbidden, InvalidInput
from pallmall.core.ids import new_id
from pallmall.disclosure import Reader, Sensitivity, may_read
from pallmall.policy.evidence import ProductEvidence

P = Permission


def file_licence(service: CaseService, principal: Principal, app: LicenceApplication) -> Case:
    """A draft licence application for the principal's vendor account.

    Raises:
        Forbidden: not a vendor account with ``cases:file``.
        InvalidInput: naming ``authority_id`` (no such export authority) or ``product_id``
            (not a product in the registry).
    """
    account = _filer(principal, AccountKind.VENDOR, "licence applications")
    names = service.store.authorities()
    if app.authority_id not in names:
        raise InvalidInput("authority_id", f"no export authority {app.authority_id!r} on this node")
    product = readable_product(service, principal, app.product_id)
    case = _new(service, principal, CaseKind.LICENCE, account, app)
    case = dataclasses.replace(
        case,
        authority_id=app.authority_id,
        title=f"{product.name} to {app.destination}",
        destination=app.destination,
        product_category=product_category(product),
        subject_id=app.product_id,
    )
    return _store(service, principal, case)


def open_restriction(service: CaseService, principal: Principal, req: RestrictionRequest) -> Case:
    """A restriction case against a vendor (Code C5-C6), with the evidence gathered now.

    Raises:
        Forbidden: without ``cases:decide`` and an authority account.
        InvalidInput: naming ``vendor_record_id`` when the registry does not know it.
    """
    principal.require(P.CASES_DECIDE)
    if not principal.account_id:
        raise Forbidden("a restriction case is opened by an export authority's officer")
    sources = service.sources()
    name = sources.registry.name(req.vendor_record_id)
    if name is None:
        raise InvalidInput("vendor_record_id", f"no registry record {req.vendor_record_id!r}")
    case = _new(service, principal, CaseKind.RESTRICTION, req.vendor_account_id or "", req)
    case = dataclasses.replace(
        case,
        authority_id=principal.account_id,
        title=f"Restriction: {name}",
        subject_id=req.vendor_record_id,
        state=CaseState(evidence=_restriction_evidence(req, sources, service.store)),
    )
    case = _store(service, principal, case)
    return service.run_diligence(principal, case, "opened", check=False)


def _restriction_evidence(
    req: RestrictionRequest, sources: Sources, store: CaseStore
) -> RestrictionFile:
    vendor = checks(sources, store).vendor(req.vendor_record_id)
    incidents = sources.incidents.linked({req.vendor_record_id: "vendor"})
    cited = [i for i in incidents if i.incident_id in req.incident_ids or not req.incident_ids]
    return RestrictionFile(vendor=vendor, incidents=tuple(cited))


def check_procurement(service: CaseService, principal: Principal, req: ProcurementRequest) -> Case:
    """A procurement check, assessed at once: go / no-go with a reason per EO 14093 factor.

    Raises:
        Forbidden: not a state agency account with ``cases:file``.
        InvalidInput: naming ``product_id``, ``vendor_record_id`` or ``declarations``.
    """
    account = _filer(principal, AccountKind.STATE_AGENCY, "procurement checks")
    known = {f.id for f in service.rules.procurement_factors}
    unknown = sorted(set(req.declarations) - known)
    if unknown:
        raise InvalidInput("declarations", f"unknown factor ids: {', '.join(unknown)}")
    product = readable_product(service, principal, req.product_id)
    if service.sources().registry.name(req.vendor_record_id) is None:
        raise InvalidInput("vendor_record_id", f"no registry record {req.vendor_record_id!r}")
    case = _new(service, principal, CaseKind.PROCUREMENT, account, req)
    case = dataclasses.replace(
        case,
        title=f"Procurement: {product.name}",
        product_category=product_category(product),
        subject_id=req.vendor_record_id,
    )
    case = _store(service, principal, case)
    assessment = procurement_assessment(req, service.sources(), service.store, service.rules)
    state = CaseState(assessment=assessment)
    return service.move(principal, case, Verb.ASSESS, CaseStatus.ASSESSED, state, state.as_json())


def file_use_authorisation(
    service: CaseService, principal: Principal, req: UseAuthorisationRequest
) -> Case:
    """A draft use authorisation (Code C1-C2) for the principal's state agency.

    Raises:
        Forbidden: not a state agency account with ``cases:file``.
        InvalidInput: naming ``product_id``, or ``approver`` when it is not the user id of
            one of :meth:`CaseService.approvers` (never the filer, nor anyone in the
            filer's account).
    """
    account = _filer(principal, AccountKind.STATE_AGENCY, "use authorisations")
    if req.approver not in {u.id for u in service.approvers(principal)}:
        raise InvalidInput(
            "approver",
            "name an overseer outside your account by user id (GET /api/v1/cases/approvers)",
        )
    product = readable_product(service, principal, req.product_id)
    case = _new(service, principal, CaseKind.USE_AUTHORISATION, account, req)
    case = dataclasses.replace(
        case,
        title=f"Use of {product.name}",
        product_category=product_category(product),
        subject_id=req.product_id,
    )
    return _store(service, principal, case)


def readable_product(
    service: CaseService, principal: Principal, product_id: str
) -> ProductEvidence:
    """The registry product a filer names, if the filer may read it: a restricted product is
    unknown to a filer without restricted read, so its name never reaches the filer's case
    (its title) and the answer does not tell that it exists.

    Raises:
        InvalidInput: naming ``product_id``.
    """
    registry = service.sources().registry
    product = registry.product(product_id)
    readable = may_read(Reader.of(principal), Sensitivity(registry.visibility(product_id)))
    if product is None or not readable:
        raise InvalidInput("product_id", f"no product {product_id!r} in the registry")
    return product


def _filer(principal: Principal, kind: AccountKind, what: str) -> str:
    principal.require(P.CASES_FILE)
    if principal.account_kind is not kind or not principal.account_id:
        raise Forbidden(f"{what} are filed by a {kind.value} account")
    return principal.account_id


def _new(
    service: CaseService, principal: Principal, kind: CaseKind, account: str, details: Application
) -> Case:
    now = service.clock()
    return Case(
        id=new_id("case"),
        kind=kind,
        status=INITIAL[kind],
        authority_id="",
        account_id=account,
        filed_by=principal.user_id or "",
        title="",
        destination="",
        product_category="",
        subject_id="",
        created_at=now,
        updated_at=now,
        details=details,
    )


def _store(service: CaseService, principal: Principal, case: Case) -> Case:
    service.store.add(case)
    service.record_audit(
        principal,
        f"cases.{case.kind.value}.filed",
        case.id,
        case.details.model_dump(mode="json"),
        case.created_at,
    )
    return case
