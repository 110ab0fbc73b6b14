"""Microsoft Entra built-in roles by their template ID (what a GDAP relationship's
`accessDetails.unifiedRoles[].roleDefinitionId` holds), with the names agents know."""

from __future__ import annotations

SERVICE_SUPPORT_ADMINISTRATOR = "f023fd81-a637-4b56-95fd-791ac0226033"
USER_ADMINISTRATOR = "fe930be7-5e62-47db-91af-98c3a49a38b1"
LICENSE_ADMINISTRATOR = "4d6ac14f-3453-41d0-bef9-a3e0c569773a"

ROLE_NAMES: dict[str, str] = {
    "62e90394-69f5-4237-9190-012177145e10": "Global Administrator",
    "f2ef992c-3afb-46b9-b7cf-a126ee74c451": "Global Reader",
    SERVICE_SUPPORT_ADMINISTRATOR: "Service Support Administrator",
    USER_ADMINISTRATOR: "User Administrator",
    LICENSE_ADMINISTRATOR: "License Administrator",
    "729827e3-9c14-49f7-bb1b-9608f156bbb8": "Helpdesk Administrator",
    "88d8e3e3-8f55-4a1e-953a-9b9898b8876b": "Directory Readers",
    "9360feb5-f418-4baa-8175-e2a00bac4301": "Directory Writers",
    "e8611ab8-c189-46e8-94e1-60213ab1f814": "Privileged Role Administrator",
    "7be44c8a-adaf-4e2a-84d6-ab2649e08a13": "Privileged Authentication Administrator",
    "158c047a-c907-4556-b7ef-446551a6b5f7": "Cloud Application Administrator",
    "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3": "Application Administrator",
    "29232cdf-9323-42fd-ade2-1d097af3e4de": "Exchange Administrator",
    "f28a1f50-f6e7-4571-818b-6a12f2af6b6c": "SharePoint Administrator",
    "69091246-20e8-4a56-aa4d-066075b2a7a8": "Teams Administrator",
    "194ae4cb-b126-40b2-bd5b-6091b380977d": "Security Administrator",
    "b0f54661-2d74-4c50-afa3-1ec803f12efe": "Billing Administrator",
    "8329153b-31d0-4727-b945-745eb3bc5f31": "Domain Name Administrator",
    "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2": "Hybrid Identity Administrator",
    "3a2c62db-5318-420d-8d74-23affee5d9d5": "Intune Administrator",
}

# The roles a relationship must hold for the desk to work a tenant (Art. 3.1: users and
# licences, support requests and service health), all in Microsoft's default GDAP of an
# indirect provider. GDAP_REQUIRED_ROLES overrides them.
DEFAULT_REQUIRED_ROLES = (SERVICE_SUPPORT_ADMINISTRATOR, USER_ADMINISTRATOR, LICENSE_ADMINISTRATOR)


def role_name(role_id: str) -> str:
    return ROLE_NAMES.get(role_id.lower(), role_id)
