"""The merge notice is a MailTemplate key like the other customer mails: seeded in Japanese and
English (mail migration 0091), editable in the admin, and what the customer receives."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from mail.models import MailTemplate
from mail.rendering import mail_render
from notifications.models import OutboxMessage
from tests.factories import ContactFactory, SubscriptionFactory, TicketFactory
from tickets import merge

pytestmark = pytest.mark.django_db

seed_migration = importlib.import_module("mail.migrations.0091_merged_mail_template_seed")

CONTEXT = {
    "number": "CS-2026-000002",
    "original_number": "CS-2026-000001",
    "subject": "重複の件",
    "requester_name": "山田 花子",
}


@pytest.fixture
def seeded() -> None:
    """The migration's rows (a transactional test elsewhere may have flushed them)."""
    MailTemplate.objects.filter(key=MailTemplate.Key.MERGED).delete()
    seed_migration.seed(django_apps, None)


def test_the_merge_notice_is_a_mail_template_key():
    assert MailTemplate.Key.MERGED == "merged"
    assert ("merged", "お問い合わせ統合のお知らせ") in MailTemplate.Key.choices


def test_it_is_seeded_in_both_languages_with_the_text_customers_received_before(seeded):
    rows = {row.language: row for row in MailTemplate.objects.filter(key="merged")}
    assert set(rows) == {"ja", "en"}
    english = mail_render(key="merged", context=CONTEXT, language="en")
    assert english.subject == "[CS-2026-000002] Your inquiry continues as CS-2026-000001"
    assert english.text.startswith("Dear 山田 花子,")
    assert "お問い合わせ" not in english.text
    # The Japanese row says what the file template (the fallback) says
    from_row = mail_render(key="merged", context=CONTEXT, language="ja")
    MailTemplate.objects.filter(key="merged").delete()
    from_file = mail_render(key="merged", context=CONTEXT, language="ja")
    assert (from_row.subject, from_row.text) == (from_file.subject, from_file.text)


def test_reversing_the_seed_keeps_an_edited_row(seeded):
    MailTemplate.objects.filter(key="merged", language="ja").update(subject="編集済み")
    seed_migration.unseed(django_apps, None)
    assert list(MailTemplate.objects.filter(key="merged").values_list("language", flat=True)) == [
        "ja"
    ]


def test_an_admin_edits_it_and_the_customer_receives_the_edit(
    seeded, admin_client, customer_a, agent
):
    # Given an admin who changes the Japanese merge notice in the admin
    row = MailTemplate.objects.get(key="merged", language="ja")
    response = admin_client.post(
        reverse("admin:mail_mailtemplate_change", args=[row.pk]),
        {
            "key": "merged",
            "language": "ja",
            "subject": "[{{ number }}] {{ original_number }} に統合しました（編集）",
            "text": "{{ requester_name }} 様\n今後は {{ original_number }} でご連絡ください。",
            "html": "",
        },
    )
    assert response.status_code == 302
    # When a duplicate is merged
    subscription = SubscriptionFactory(customer=customer_a)
    requester = ContactFactory(customer=customer_a)
    original = TicketFactory(customer=customer_a, subscription=subscription, requester=requester)
    duplicate = TicketFactory(
        customer=customer_a, subscription=subscription, requester=requester, channel="web"
    )
    merge.ticket_merge(duplicate=duplicate, original=original, actor=agent)
    # Then the customer's mail is the edited one
    mail = OutboxMessage.objects.get(dedup_key=f"mail:merged:{duplicate.pk}")
    assert (
        mail.payload["subject"] == f"[{duplicate.number}] {original.number} に統合しました（編集）"
    )
    assert f"今後は {original.number} でご連絡ください。" in mail.payload["text"]
