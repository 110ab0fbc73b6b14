"""factory_boy factories for the domain: a global admin, an active subscription with support,
a contract in force — so `TicketFactory()` is a ticket the terms accept."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Model
from django.utils import timezone

from accounts.models import Organisation, Profile
from contracts.models import (
    Contact,
    Customer,
    Plan,
    Product,
    Reseller,
    Subscription,
    SupportContract,
)
from tickets.models import Category, Channel, Ticket

if TYPE_CHECKING:
    from django.contrib.auth.models import User
else:
    User = get_user_model()

_M = TypeVar("_M", bound=Model)

if TYPE_CHECKING:

    class ModelFactory(factory.django.DjangoModelFactory[_M]):
        """What calling a factory gives: factory_boy's metaclass makes `XFactory()` return
        the model instance it creates, which its own annotations do not say."""

        # mypy wants __new__ to return the class's instance; the metaclass returns the model's.
        def __new__(cls, *args: Any, **kwargs: Any) -> _M: ...  # type: ignore[misc]

else:
    ModelFactory = factory.django.DjangoModelFactory


class UserFactory(ModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.jp")
    password = factory.django.Password("pw-for-tests-123")

    @factory.post_generation
    def roles(user: User, create: bool, extracted, **kwargs) -> None:
        if create and extracted:
            for role in extracted:
                user.groups.add(Group.objects.get_or_create(name=role)[0])


class OrganisationFactory(ModelFactory[Organisation]):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = Organisation.Kind.DISTRIBUTOR


class ProfileFactory(ModelFactory[Profile]):
    class Meta:
        model = Profile

    user = factory.SubFactory(UserFactory)


class ResellerFactory(ModelFactory[Reseller]):
    class Meta:
        model = Reseller
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"reseller-{n}")
    name = factory.Sequence(lambda n: f"リセラー{n}株式会社")


class CustomerFactory(ModelFactory[Customer]):
    class Meta:
        model = Customer

    reseller = factory.SubFactory(ResellerFactory)
    name = factory.Sequence(lambda n: f"顧客{n}株式会社")
    primary_domain = factory.Sequence(lambda n: f"customer{n}.onmicrosoft.com")
    delegated_access = "active"


class ContactFactory(ModelFactory[Contact]):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    reseller = None
    name = factory.Sequence(lambda n: f"担当者{n}")
    # A customer's person writes from the customer's domain, so a global admin is verified
    # by the domain (DOMAIN.md §12); a person of a reseller without its own tenant here is
    # verified by a desk user's call-back instead.
    email = factory.LazyAttributeSequence(
        lambda contact, n: (
            f"admin{n}@{contact.customer.primary_domain}"
            if contact.customer is not None
            else f"admin{n}@reseller.example.jp"
        )
    )
    phone = "03-1234-5678"
    is_global_admin = True
    global_admin_verified_at = factory.LazyAttribute(
        lambda contact: timezone.now() if contact.customer is None else None
    )
    global_admin_verification_method = factory.LazyAttribute(
        lambda contact: "phone_callback" if contact.customer is None else ""
    )


class ProductFactory(ModelFactory[Product]):
    class Meta:
        model = Product
        django_get_or_create = ("sku",)

    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = "Microsoft 365 Business Standard"
    family = Product.Family.MICROSOFT_365
    support_included = True
    support_scope = Product.SupportScope.FULL


class SubscriptionFactory(ModelFactory[Subscription]):
    class Meta:
        model = Subscription

    customer = factory.SubFactory(CustomerFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = 10
    ordered_at = factory.LazyFunction(lambda: datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    available_at = factory.LazyFunction(lambda: datetime.datetime(2020, 1, 2, tzinfo=datetime.UTC))
    status = Subscription.Status.ACTIVE


class SupportContractFactory(ModelFactory[SupportContract]):
    class Meta:
        model = SupportContract

    reseller = factory.SubFactory(ResellerFactory)
    customer = None
    plan = Plan.TWENTY_FOUR_SEVEN
    starts_on = datetime.date(2020, 1, 1)
    ends_on = None


class TicketFactory(ModelFactory[Ticket]):
    """A ticket opened through `tickets.services.ticket_open`, so SLA fields are real."""

    class Meta:
        model = Ticket

    class Params:
        plan = Plan.TWENTY_FOUR_SEVEN

    customer = factory.SubFactory(CustomerFactory)
    subscription = factory.SubFactory(
        SubscriptionFactory, customer=factory.SelfAttribute("..customer")
    )
    requester = factory.SubFactory(ContactFactory, customer=factory.SelfAttribute("..customer"))
    severity = "high"
    category = Category.STANDARD_FEATURE
    subject = factory.Sequence(lambda n: f"メールが送信できない #{n}")
    description = "大多数のユーザーでメール送受信ができません。"
    channel = Channel.API

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from tickets.services import ticket_open

        plan = kwargs.pop("plan", Plan.TWENTY_FOUR_SEVEN)
        customer = kwargs["customer"]
        if not SupportContract.objects.filter(reseller_id=customer.reseller_id).exists():
            SupportContractFactory(reseller=customer.reseller, plan=plan)
        return ticket_open(**kwargs)
