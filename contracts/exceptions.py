from helpdesk.exceptions import DomainError


class ContractOverlap(DomainError):
    code = "contract_overlap"
    status_code = 409
    message_ja = (
        "同じ期間に有効なサポート契約がすでにあります。1つの顧客に適用される契約は常に1つです。"
    )
    message_en = "Another active support contract covers the same period; only one may apply."
