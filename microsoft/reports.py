"""A sync report as lines for a person: the counts, then each change."""

from __future__ import annotations

from collections.abc import Iterator

from microsoft.runs import SyncReport

# action → its Japanese label in the summary, in this order.
ACTION_LABELS: dict[str, str] = {
    "customers_seen": "Microsoft の顧客",
    "customer_created": "顧客を追加",
    "customer_updated": "顧客を更新",
    "customer_unchanged": "顧客（変更なし）",
    "customer_unmapped": "リセラー不明の顧客（未取り込み）",
    "customer_reseller_mismatch": "リセラーが一致しない顧客（未更新）",
    "subscriptions_seen": "Microsoft のサブスクリプション",
    "subscription_created": "サブスクリプションを追加",
    "subscription_updated": "サブスクリプションを更新",
    "subscription_ended": "サブスクリプションを終了",
    "subscription_unchanged": "サブスクリプション（変更なし）",
    "subscription_customer_mismatch": "顧客が一致しないサブスクリプション（未更新）",
    "product_created": "新しい製品（管理画面でサポート範囲を設定してください）",
    "relationships_seen": "GDAP リレーションシップ",
    "relationship_created": "GDAP リレーションシップを追加",
    "relationship_updated": "GDAP リレーションシップを更新",
    "relationship_unchanged": "GDAP リレーションシップ（変更なし）",
    "relationship_unmapped": "顧客不明の GDAP リレーションシップ",
    "access_changed": "委任アクセスの状態を変更",
    "gdap_warning": "GDAP 期限切れの警告",
    "tenants_read": "サービス正常性を読んだテナント",
    "incident_created": "インシデントを追加",
    "incident_updated": "インシデントを更新",
    "incident_resolved": "Microsoft が解決したインシデント",
    "incident_unchanged": "インシデント（変更なし）",
    "incident_tenant_added": "インシデントの影響を受けるテナントを追加",
    "rejected": "形式が不正な項目（スキップ）",
    "errors": "エラー",
}


def failure_line(report: SyncReport) -> str | None:
    """The one line a command ends with, exiting non-zero, when part of a run failed (the rest
    was kept; the next run does the failed part again): cron and CI must see it."""
    if not report.errors:
        return None
    count = len(report.errors)
    return f"{count} 件のエラーがありました（他は同期済み。次回の同期で再試行します）。"


def report_lines(report: SyncReport, *, verbose: bool = True) -> Iterator[str]:
    yield "集計:"
    for action, label in ACTION_LABELS.items():
        if report.counts.get(action):
            yield f"  {label}: {report.counts[action]}"
    for action, count in sorted(report.counts.items()):
        if action not in ACTION_LABELS:
            yield f"  {action}: {count}"
    listed = report.changes if verbose else report.changes[:200]
    if listed:
        yield "変更:"
        for change in listed:
            label = ACTION_LABELS.get(change["action"], change["action"])
            detail = f" — {change['detail']}" if change.get("detail") else ""
            yield f"  [{label}] {change['object']}{detail}"
        if len(report.changes) > len(listed):
            yield f"  … ほか {len(report.changes) - len(listed)} 件（-v 2 ですべて表示）"
    for rejected in report.rejected:
        yield f"  [スキップ] {rejected.kind} {rejected.key}: {rejected.reason}"
    for error in report.errors:
        yield f"  [エラー] {error}"
