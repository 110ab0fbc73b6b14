"""`python manage.py recompute_deadlines [--dry-run] [--actor USERNAME]`: recompute the
deadlines of open, unanswered tickets after the calendar or a policy was edited."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sla.deadlines import DeadlineError
from tickets.recompute import move_describe, tickets_recompute_apply, tickets_recompute_plan


class Command(BaseCommand):
    help = (
        "未応答のオープンなチケットの受付日時と初回応答期限を、現在のカレンダーと各チケットの"
        "適用ポリシーで再計算します。--dry-run では動くものを表示するだけです。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="変更せずに一覧だけを表示")
        parser.add_argument("--actor", default="", help="履歴に記録するユーザー名")

    def handle(self, *args, dry_run: bool, actor: str, **options) -> None:
        user = None
        if actor:
            user = get_user_model().objects.filter(username=actor).first()
            if user is None:
                raise CommandError(f"--actor: ユーザー {actor!r} が見つかりません")
        now = timezone.now()
        try:
            moves = tickets_recompute_plan(now=now)
        except DeadlineError as error:
            raise CommandError(f"期限を再計算できません: {error}") from None
        write = self.stdout.write
        write(f"期限が動く未応答のチケット: {len(moves)} 件")
        for move in moves:
            write(f"  {move_describe(move)}")
        if dry_run or not moves:
            if dry_run:
                write("--dry-run: 何も変更していません")
            return
        result = tickets_recompute_apply(moves=moves, actor=user, now=now)
        write(f"再計算して保存しました: {len(result.applied)} 件")
        if result.stale:
            write(f"計画後に変更があったため適用しなかったチケット: {len(result.stale)} 件")
            for move in result.stale:
                write(f"  {move.number}")
