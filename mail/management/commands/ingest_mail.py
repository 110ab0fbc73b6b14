from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from mail.services import inbound_receive


class Command(BaseCommand):
    help = "Process .eml files (RFC 5322) as if they had arrived in the desk's mailbox."

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="+", type=Path)

    def handle(self, *args, files: list[Path], **options) -> None:
        for path in files:
            try:
                raw = path.read_bytes()
            except OSError as error:
                raise CommandError(f"{path}: {error.strerror or error}") from error
            if not raw.strip():
                raise CommandError(f"{path}: empty file")
            inbound = inbound_receive(raw=raw)
            ticket = inbound.ticket.number if inbound.ticket is not None else "-"
            self.stdout.write(f"{path}: {inbound.status} {ticket} {inbound.reason}".rstrip())
