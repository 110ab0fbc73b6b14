"""Customers and subscriptions from Partner Center into our models.

Each customer is written in its own transaction with its subscriptions, keyed by tenant ID
and by Partner Center's subscription id (both unique): a run that stops half-way leaves the
customers it finished, duplicates nothing, and the next run finishes the job. A run with the
same data changes nothing (no history rows either). Customers map to their indirect reseller
by its Partner Center ID (`Reseller.partner_center_id`): the customer's associatedPartnerId,
else the one partnerId its subscriptions carry.

Never written here: the customer's reseller (a mismatch is reported, not moved), its support
contracts, its contacts (no contact is created, no global-admin verification is touched), a
product's support scope once it exists, and delegated access (the GDAP sync's)."""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from contracts import services as contract_services
from contracts.models import Customer, Product, Reseller, Subscription
from microsoft.http import MicrosoftError
from microsoft.models import PartnerCenterCustomer, PartnerCenterSubscription, SyncRun
from microsoft.partner_center import PartnerCenterClient, PcCustomer, PcSubscription
from microsoft.rules import product_family_guess, subscription_target
from microsoft.runs import ProgressMeter, SyncReport, sync_run_finish, sync_run_start

logger = logging.getLogger(__name__)


def _reseller_for(
    customer: PcCustomer, subscriptions: list[PcSubscription], resellers: dict[str, Reseller]
) -> Reseller | None:
    if customer.associated_partner_id:
        return resellers.get(customer.associated_partner_id)
    partner_ids = {s.partner_id for s in subscriptions if s.partner_id}
    if len(partner_ids) == 1:
        return resellers.get(partner_ids.pop())
    return None


def resellers_by_partner_id() -> dict[str, Reseller]:
    resellers = Reseller.objects.exclude(partner_center_id__isnull=True).exclude(
        partner_center_id=""
    )
    return {r.partner_center_id: r for r in resellers if r.partner_center_id is not None}


def _product_for(subscription: PcSubscription, report: SyncReport, cache: dict[str, Product]):
    if subscription.offer_id in cache:
        return cache[subscription.offer_id]
    product = Product.objects.filter(sku=subscription.offer_id).first()
    if product is None:
        # Art. 3.1: whether a product carries support, and how much, is the distributor's
        # call. A product first seen here carries none until an admin classifies it.
        product = contract_services.product_create(
            sku=subscription.offer_id,
            name=subscription.offer_name or subscription.offer_id,
            family=product_family_guess(subscription.offer_name),
            support_included=False,
            support_scope=Product.SupportScope.NONE,
        )
        report.add("product_created", f"{product.name} ({product.sku})", "classify in the admin")
    cache[subscription.offer_id] = product
    return product


def _differs(subscription: Subscription, name: str, value: object) -> bool:
    if name == "product":
        return subscription.product_id != getattr(value, "pk", None)
    return getattr(subscription, name) != value


def _subscription_apply(
    *,
    customer: Customer,
    pc: PcSubscription,
    report: SyncReport,
    products: dict[str, Product],
    now: datetime.datetime,
) -> None:
    target = subscription_target(
        microsoft_status=pc.status,
        suspension_reasons=pc.suspension_reasons,
        effective_start=pc.effective_start_date,
        created=pc.creation_date,
    )
    product = _product_for(pc, report, products)
    link = (
        PartnerCenterSubscription.objects.select_related("subscription")
        .filter(partner_center_id=pc.id)
        .first()
    )
    label = f"{customer.name}: {pc.offer_name or pc.offer_id} ({pc.id})"
    wanted: dict[str, Any] = {
        "product": product,
        "quantity": pc.quantity,
        "status": target.status,
        "available_at": target.available_at,
    }
    if link is None:
        subscription = contract_services.subscription_save(
            customer=customer,
            ordered_at=pc.creation_date or now,
            ended_at=now if target.status == Subscription.Status.ENDED else None,
            end_reason=target.end_reason,
            **wanted,
        )
        PartnerCenterSubscription.objects.create(
            subscription=subscription,
            partner_center_id=pc.id,
            offer_id=pc.offer_id,
            offer_name=pc.offer_name,
            microsoft_status=pc.status,
            suspension_reasons=list(pc.suspension_reasons),
            partner_id=pc.partner_id,
            commitment_end_at=pc.commitment_end_date,
            synced_at=now,
        )
        report.add("subscription_created", label, target.status)
        return
    subscription = link.subscription
    if subscription.customer_id != customer.id:
        report.add("subscription_customer_mismatch", label, str(subscription.customer_id))
        return
    if target.status == Subscription.Status.ENDED:
        # An ended subscription keeps the moment we learnt it ended; the reason follows
        # Microsoft's latest word.
        wanted["ended_at"] = subscription.ended_at or now
        wanted["end_reason"] = target.end_reason
    changed = {name: value for name, value in wanted.items() if _differs(subscription, name, value)}
    if changed:
        before = subscription.status
        contract_services.subscription_save(subscription=subscription, **changed)
        if target.status == Subscription.Status.ENDED and before != Subscription.Status.ENDED:
            report.add("subscription_ended", label, f"{pc.status}: {target.end_reason}")
        else:
            report.add("subscription_updated", label, ", ".join(sorted(changed)))
    else:
        report.count("subscription_unchanged")
    link_fields = {
        "offer_id": pc.offer_id,
        "offer_name": pc.offer_name,
        "microsoft_status": pc.status,
        "suspension_reasons": list(pc.suspension_reasons),
        "partner_id": pc.partner_id,
        "commitment_end_at": pc.commitment_end_date,
    }
    if any(getattr(link, name) != value for name, value in link_fields.items()):
        for name, value in link_fields.items():
            setattr(link, name, value)
        link.synced_at = now
        link.save()


@transaction.atomic
def _customer_apply(
    *,
    pc: PcCustomer,
    subscriptions: list[PcSubscription],
    resellers: dict[str, Reseller],
    report: SyncReport,
    products: dict[str, Product],
    now: datetime.datetime,
) -> None:
    reseller = _reseller_for(pc, subscriptions, resellers)
    label = f"{pc.company_name} ({pc.tenant_id})"
    customer = Customer.objects.select_for_update().filter(tenant_id=pc.tenant_id).first()
    if reseller is None:
        report.add("customer_unmapped", label, pc.associated_partner_id or "no partner id")
        return
    if customer is None:
        customer = contract_services.customer_create(
            reseller=reseller,
            name=pc.company_name,
            tenant_id=pc.tenant_id,
            primary_domain=pc.domain,
            domains=list(pc.domains),
        )
        report.add("customer_created", label, reseller.code)
    elif customer.reseller_id != reseller.id:
        # Moving a customer would move its tickets' reseller too: a person decides.
        report.add("customer_reseller_mismatch", label, f"{reseller.code}")
        return
    else:
        wanted = {"name": pc.company_name, "primary_domain": pc.domain, "domains": list(pc.domains)}
        changed = {k: v for k, v in wanted.items() if getattr(customer, k) != v}
        if changed:
            customer = contract_services.customer_update(customer=customer, **changed)
            report.add("customer_updated", label, ", ".join(sorted(changed)))
        else:
            report.count("customer_unchanged")
    PartnerCenterCustomer.objects.update_or_create(
        customer=customer,
        defaults={
            "associated_partner_id": pc.associated_partner_id,
            "relationship": pc.relationship,
            "synced_at": now,
        },
    )
    for subscription in subscriptions:
        _subscription_apply(
            customer=customer, pc=subscription, report=report, products=products, now=now
        )


def customer_sync_one(
    *,
    client: PartnerCenterClient,
    pc: PcCustomer,
    resellers: dict[str, Reseller],
    report: SyncReport,
    products: dict[str, Product],
    now: datetime.datetime,
) -> int:
    """Fetch one customer's subscriptions and write both; returns how many subscriptions.
    Microsoft failing for this customer is recorded and the run goes on."""
    try:
        listing = client.subscriptions(pc.tenant_id)
    except MicrosoftError as error:
        report.fail(f"{pc.tenant_id}: {error}")
        return 0
    report.reject(listing.rejected)
    for attempt in range(2):
        try:
            _customer_apply(
                pc=pc,
                subscriptions=listing.items,
                resellers=resellers,
                report=report,
                products=products,
                now=now,
            )
            break
        except IntegrityError:
            # A concurrent targeted sync (a webhook) wrote the same customer first: the
            # second try finds it.
            products.clear()
            if attempt:
                raise
    return len(listing.items)


def partner_center_sync(
    *,
    client: PartnerCenterClient,
    dry_run: bool = False,
    progress: Callable[[int, float], None] | None = None,
    now: datetime.datetime | None = None,
) -> SyncReport:
    """Every customer of the distributor and its subscriptions. With `dry_run` the same work
    is done and rolled back, so the report says exactly what a real run would change."""
    now = now or timezone.now()
    report = SyncReport()
    if dry_run:
        with transaction.atomic():
            try:
                _run(client=client, report=report, progress=progress, now=now)
            finally:
                transaction.set_rollback(True)
        return report
    # Each customer commits on its own (a run that stops keeps what it finished), so the
    # claim on the run is committed first and released whatever happens.
    run = sync_run_start(kind=SyncRun.Kind.PARTNER_CENTER, now=now)
    try:
        _run(client=client, report=report, progress=progress, now=now)
    except MicrosoftError as failure:
        logger.warning("partner center sync failed: %s", failure)
        sync_run_finish(run=run, report=report, error=str(failure))
        raise
    except BaseException as failure:
        sync_run_finish(run=run, report=report, error=repr(failure))
        raise
    sync_run_finish(run=run, report=report)
    return report


def _run(
    *,
    client: PartnerCenterClient,
    report: SyncReport,
    progress: Callable[[int, float], None] | None,
    now: datetime.datetime,
) -> None:
    resellers = resellers_by_partner_id()
    products: dict[str, Product] = {}
    meter = ProgressMeter(progress)
    for page in client.customers():
        report.reject(page.rejected)
        for pc in page.items:
            report.count(
                "subscriptions_seen",
                customer_sync_one(
                    client=client,
                    pc=pc,
                    resellers=resellers,
                    report=report,
                    products=products,
                    now=now,
                ),
            )
            report.count("customers_seen")
            meter.step()
    if progress is not None:
        progress(meter.done, meter.rate())


def partner_center_sync_customer(
    *, client: PartnerCenterClient, tenant_id: uuid.UUID, now: datetime.datetime | None = None
) -> SyncReport:
    """One customer, as a Partner Center webhook asks: its record and its subscriptions."""
    now = now or timezone.now()
    report = SyncReport()
    pc = client.customer(tenant_id)
    customer_sync_one(
        client=client,
        pc=pc,
        resellers=resellers_by_partner_id(),
        report=report,
        products={},
        now=now,
    )
    return report
