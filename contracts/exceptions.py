from helpdesk.exceptions import DomainError


class ContractOverlap(DomainError):
    code = "contract_overlap"
    status_code = 409
    message_ja = (
        "同じ期間に有効なサポート契約がすでにあります。1つの顧客に適用される契約は常に1つです。"
    )
    message_en = "Another active support contract covers the same period; only one may apply."


class ContactEmailTaken(DomainError):
    # Says nothing of whose the address is: another reseller's people are none of the
    # caller's business (DOMAIN.md §12).
    code = "contact_email_taken"
    message_ja = (
        "このメールアドレスは別の担当者として登録済みのため、登録できません。"
        "心当たりがない場合はサポートデスクにお問い合わせください。"
    )
    message_en = (
        "This address is already registered for another contact and cannot be registered "
        "again. Contact the support desk if you believe this is wrong."
    )


class MaskedValue(DomainError):
    code = "masked_value"
    message_ja = "伏せ字（•）の値は登録できません。実際の値を入力してください。"
    message_en = "A masked value (•) cannot be stored; send the real value."


class VerificationNotApplicable(DomainError):
    code = "verification_not_applicable"
    status_code = 409
    message_ja = "有効な全体管理者の担当者だけが確認の対象です。"
    message_en = "Only an active contact flagged global administrator can be verified."
