"""The named errors of the ticket rules: each a stable code with Japanese and English text."""

from helpdesk.exceptions import DomainError


class RequesterNotGlobalAdmin(DomainError):
    code = "requester_not_global_admin"
    message_ja = (
        "依頼者はこの顧客またはそのリセラーの Microsoft 365 全体管理者ではありません"
        "（約款 第3条3.2）。"
    )
    message_en = (
        "The requester is not a Microsoft 365 global administrator of this customer or its "
        "reseller (terms Art. 3.2)."
    )


class RequesterNotVerified(DomainError):
    code = "requester_not_verified"
    message_ja = (
        "依頼者は全体管理者として登録されていますが、メールアドレスが顧客のドメインになく、"
        "デスクによる本人確認（登録済みの電話番号への折り返し）も済んでいません"
        "（約款 第3条3.2）。"
    )
    message_en = (
        "The requester is registered as a global administrator, but the address is not in "
        "one of the customer's domains and the desk has not verified it by a call-back "
        "(terms Art. 3.2)."
    )


class SubscriptionNotActive(DomainError):
    code = "subscription_not_active"
    message_ja = (
        "このサブスクリプションは利用中ではないか、この顧客のものではありません（第5条・第7条）。"
    )
    message_en = "The subscription is not active or does not belong to this customer (Art. 5, 7)."


class ProductNotSupported(DomainError):
    code = "product_not_supported"
    message_ja = "この製品には無償サポートが付いていません（第3条3.1 サポート対象製品）。"
    message_en = "This product does not include support (Art. 3.1, supported products)."


class OutOfScope(DomainError):
    code = "out_of_scope"
    message_ja = "このカテゴリのお問い合わせは、この製品のサポート範囲外です（第3条3.1）。"
    message_en = "This category is outside the scope of support for this product (Art. 3.1)."


class NoActiveContract(DomainError):
    code = "no_active_contract"
    message_ja = "この顧客に適用されるサポート契約がありません。"
    message_en = "No support contract is in force for this customer."


class CustomerMismatch(DomainError):
    code = "customer_mismatch"
    message_ja = "顧客とリセラーの組み合わせが正しくありません。"
    message_en = "The customer does not belong to this reseller."


class InvalidTransition(DomainError):
    code = "invalid_transition"
    status_code = 409
    message_ja = "この状態からは変更できません。"
    message_en = "The ticket cannot move to that status from its current one."


class ReasonRequired(DomainError):
    code = "reason_required"
    message_ja = "理由を入力してください。"
    message_en = "A reason is required."


class SubmittedInFuture(DomainError):
    code = "submitted_in_future"
    message_ja = "申込日時に未来の日時は指定できません。"
    message_en = "The submission time cannot be in the future."


class AttachmentRejected(DomainError):
    code = "attachment_rejected"
    message_ja = "添付ファイルのサイズまたは種類が制限を超えています。"
    message_en = "An attachment is too large or of a type that is not accepted."


class TicketClosed(DomainError):
    code = "ticket_closed"
    status_code = 409
    message_ja = "このチケットはクローズ済みです。"
    message_en = "This ticket is closed."


class MergeRefused(DomainError):
    """tickets.merge: a ticket cannot be merged into itself, into a merged ticket, or twice."""

    code = "merge_refused"
    status_code = 409
    message_ja = "このチケットは統合できません。"
    message_en = "This ticket cannot be merged."


class TicketMergedElsewhere(DomainError):
    """A message for a merged duplicate goes to its original; one from a user who may not see
    the original is refused rather than written where its writer cannot follow it."""

    code = "ticket_merged"
    status_code = 409
    message_ja = "このチケットは別のチケットに統合されています。統合先に記入してください。"
    message_en = "This ticket has been merged into another ticket: write on that ticket."


class OtherTicketNotFound(DomainError):
    """The ticket named for a merge or a link does not exist or is not the user's to see
    (the same answer: a subcontractor learns nothing of other organisations' tickets)."""

    code = "other_ticket_not_found"
    message_ja = "指定したチケット番号のチケットが見つかりません。"
    message_en = "No ticket with that number was found."


class LinkRefused(DomainError):
    code = "link_refused"
    status_code = 409
    message_ja = "このチケットは関連付けできません。"
    message_en = "These tickets cannot be linked."
