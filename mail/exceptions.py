"""Named errors of the email channel."""

from helpdesk.exceptions import DomainError


class MailNotHeld(DomainError):
    code = "mail_not_held"
    status_code = 409
    message_ja = "このメールは保留中ではありません。"
    message_en = "This mail is not held."


class MailNotUnauthenticated(DomainError):
    code = "mail_not_unauthenticated"
    status_code = 409
    message_ja = (
        "このメールは送信者未認証（sender_unauthenticated）で保留中ではないため、解除できません。"
    )
    message_en = "This mail is not held as sender_unauthenticated, so there is nothing to release."


class ReleaseReasonRequired(DomainError):
    code = "reason_required"
    message_ja = "送信者にどう確認したか（確認方法と理由）を入力してください。"
    message_en = "Say how the sender was verified (method and reason)."
