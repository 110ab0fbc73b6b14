"""Every existing ticket gets its search document (data migration; reversing empties them)."""

from django.db import migrations


def backfill(apps, schema_editor):
    from search import bigrams

    Ticket = apps.get_model("tickets", "Ticket")
    Message = apps.get_model("tickets", "Message")
    Document = apps.get_model("search", "TicketSearchDocument")
    for ticket in Ticket.objects.iterator(chunk_size=500):
        public = [ticket.number, ticket.subject, ticket.description, ticket.microsoft_case_number]
        internal = []
        for kind, body in (
            Message.objects.filter(ticket_id=ticket.pk)
            .order_by("created_at", "id")
            .values_list("kind", "body")
        ):
            (internal if kind == "internal_note" else public).append(body)
        Document.objects.update_or_create(
            ticket_id=ticket.pk,
            defaults={
                "public_terms": bigrams.document_literal(public),
                "internal_terms": bigrams.document_literal(internal),
            },
        )


def empty(apps, schema_editor):
    apps.get_model("search", "TicketSearchDocument").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("search", "0001_ticket_search_document")]

    operations = [migrations.RunPython(backfill, empty)]
