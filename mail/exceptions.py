"""Named errors of the email channel."""

from helpdesk.exceptions import DomainError


class MailNotHeld(DomainError):
    code = "mail_not_held"
    status_code = 409
    message_ja = "このメールは保留中ではありません。"
    message_en = "This mail is not held."
