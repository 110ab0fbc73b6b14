"""One support contract applies to a customer at a moment: the service and (on PostgreSQL)
the database refuse overlaps; a customer contract overrides its reseller's."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, connection, transaction

from contracts.exceptions import ContractOverlap
from contracts.models import SupportContract
from contracts.selectors import contract_for
from contracts.services import contract_save
from tests.factories import CustomerFactory, ResellerFactory, SupportContractFactory

pytestmark = pytest.mark.django_db

D = datetime.date


def test_contract_for_prefers_the_customers_own_contract():
    reseller = ResellerFactory()
    customer = CustomerFactory(reseller=reseller)
    reseller_wide = SupportContractFactory(reseller=reseller, plan="business_hours")
    own = SupportContractFactory(
        reseller=reseller,
        customer=customer,
        plan="24x365",
        starts_on=D(2026, 4, 1),
        ends_on=D(2026, 9, 30),
    )

    assert contract_for(customer=customer, on=D(2026, 3, 31)) == reseller_wide
    assert contract_for(customer=customer, on=D(2026, 4, 1)) == own
    assert contract_for(customer=customer, on=D(2026, 9, 30)) == own
    assert contract_for(customer=customer, on=D(2026, 10, 1)) == reseller_wide


def test_no_contract_before_start_or_when_terminated():
    reseller = ResellerFactory()
    customer = CustomerFactory(reseller=reseller)
    SupportContractFactory(
        reseller=reseller, starts_on=D(2026, 1, 1), status=SupportContract.Status.TERMINATED
    )

    assert contract_for(customer=customer, on=D(2026, 6, 1)) is None


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "overlaps"),
    [
        (D(2026, 6, 1), D(2026, 6, 30), True),  # inside
        (D(2025, 1, 1), None, True),  # open-ended, covers everything after
        (D(2026, 12, 31), D(2027, 1, 31), True),  # shares the last day
        (D(2027, 1, 1), None, False),  # starts the day after
        (D(2025, 1, 1), D(2025, 12, 31), False),  # ends the day before
    ],
)
def test_contract_save_refuses_an_overlap_at_the_same_level(starts_on, ends_on, overlaps):
    reseller = ResellerFactory()
    SupportContractFactory(reseller=reseller, starts_on=D(2026, 1, 1), ends_on=D(2026, 12, 31))
    candidate = SupportContract(
        reseller=reseller, plan="24x365", starts_on=starts_on, ends_on=ends_on
    )

    if overlaps:
        with pytest.raises(ContractOverlap):
            contract_save(contract=candidate)
        assert SupportContract.objects.count() == 1
    else:
        contract_save(contract=candidate)
        assert SupportContract.objects.count() == 2


def test_a_customer_contract_may_overlap_the_resellers():
    reseller = ResellerFactory()
    customer = CustomerFactory(reseller=reseller)
    SupportContractFactory(reseller=reseller, starts_on=D(2026, 1, 1))

    contract_save(
        contract=SupportContract(
            reseller=reseller, customer=customer, plan="24x365", starts_on=D(2026, 1, 1)
        )
    )

    assert SupportContract.objects.count() == 2


def test_the_database_refuses_overlapping_active_contracts_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("exclusion constraints exist on PostgreSQL only")
    reseller = ResellerFactory()
    customer = CustomerFactory(reseller=reseller)
    SupportContractFactory(reseller=reseller, starts_on=D(2026, 1, 1))
    SupportContractFactory(reseller=reseller, customer=customer, starts_on=D(2026, 1, 1))

    with pytest.raises(IntegrityError), transaction.atomic():
        SupportContract.objects.create(reseller=reseller, plan="24x365", starts_on=D(2026, 5, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        SupportContract.objects.create(
            reseller=reseller, customer=customer, plan="24x365", starts_on=D(2026, 5, 1)
        )
    # A terminated contract does not count.
    SupportContract.objects.create(
        reseller=reseller,
        plan="24x365",
        starts_on=D(2026, 5, 1),
        status=SupportContract.Status.TERMINATED,
    )
    assert SupportContract.objects.count() == 3
