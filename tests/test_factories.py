import pytest

from tests.factories import TicketFactory


@pytest.mark.django_db
def test_ticket_factory_opens_a_ticket_with_deadline():
    ticket = TicketFactory(severity="critical")
    assert ticket.number.startswith("CS-")
    assert ticket.received_at is not None
    assert ticket.first_response_due is not None
    assert ticket.sla_explanation
