from django.core.management.base import BaseCommand, CommandError

from mail.imap import MailboxConfig, MailboxError
from mail.tasks import mailbox_poll_once


class Command(BaseCommand):
    help = "Read the desk's IMAP mailbox once (IMAP_* settings) and process unseen mail."

    def handle(self, *args, **options) -> None:
        config = MailboxConfig.from_settings()
        if not config.configured:
            raise CommandError("IMAP_HOST and IMAP_USER must be set.")
        try:
            taken = mailbox_poll_once(config)
        except MailboxError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{taken} mail(s) processed")
