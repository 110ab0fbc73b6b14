"""Admin of the business calendar, the support policies and the escalation matrix.

Every model keeps its history (DeskHistoryAdmin). Saving a calendar or policy row never
rewrites a ticket's deadline: the action "recompute open tickets' deadlines" first shows what
would move (ticket, old → new) and applies only on confirmation, recording each change in the
ticket's history and timeline."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _

from helpdesk.admin_history import DeskHistoryAdmin
from sla.deadlines import DeadlineError
from sla.models import (
    Closure,
    CompanyHoliday,
    EscalationRule,
    HolidayOverride,
    InternalTarget,
    NationalHoliday,
    OpeningHours,
    PolicyRule,
    SupportPolicy,
)
from tickets.recompute import tickets_recompute_apply, tickets_recompute_plan

RECOMPUTE_URL_NAME = "sla_recompute_deadlines"
# Recomputing rewrites tickets: only those who may change tickets may confirm it.
RECOMPUTE_PERMISSION = "tickets.change_ticket"


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def recompute_view(request: HttpRequest) -> HttpResponse:
    """GET: the moves the current calendar and policies would make. POST with `confirm`:
    apply the moves that were shown (and are still the same), then go back."""
    if not request.user.has_perm(RECOMPUTE_PERMISSION):
        raise PermissionDenied
    back = _safe_next(request, reverse("admin:sla_supportpolicy_changelist"))
    now = timezone.now()
    try:
        moves = tickets_recompute_plan(now=now)
    except DeadlineError as error:
        messages.error(request, _("期限を再計算できません: %(error)s") % {"error": error})
        return HttpResponseRedirect(back)

    if request.method == "POST" and "confirm" in request.POST:
        shown = set(request.POST.getlist("move"))
        confirmed = [move for move in moves if move.token in shown]
        result = tickets_recompute_apply(moves=confirmed, actor=request.user, now=now)
        changed_since = len(shown) - len(result.applied)
        messages.success(
            request,
            _("%(count)d 件のチケットの期限を再計算しました。") % {"count": len(result.applied)},
        )
        if changed_since:
            messages.warning(
                request,
                _(
                    "%(count)d 件は確認画面の表示後に変わったため適用していません。"
                    "もう一度確認してください。"
                )
                % {"count": changed_since},
            )
        return HttpResponseRedirect(back)

    context = {
        **admin.site.each_context(request),
        "title": _("未応答チケットの期限の再計算"),
        "moves": moves,
        "next": back,
        "opts": SupportPolicy._meta,
    }
    return TemplateResponse(request, "sla/admin/recompute_confirm.html", context)


@admin.action(
    description=_("未応答チケットの期限を再計算（確認画面へ）"), permissions=["recompute"]
)
def recompute_open_tickets(modeladmin, request: HttpRequest, queryset) -> HttpResponse:
    """Whatever rows are selected, the recomputation covers every open, unanswered ticket:
    the calendar and policies are read as a whole."""
    url = reverse(f"admin:{RECOMPUTE_URL_NAME}")
    return HttpResponseRedirect(f"{url}?{urlencode({'next': request.get_full_path()})}")


class RecomputeActionMixin:
    actions = [recompute_open_tickets]

    def has_recompute_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(RECOMPUTE_PERMISSION)


@admin.register(OpeningHours)
class OpeningHoursAdmin(RecomputeActionMixin, DeskHistoryAdmin):
    list_display = ("weekday", "opens", "closes")
    list_filter = ("weekday",)
    ordering = ("weekday", "opens")


@admin.register(NationalHoliday)
class NationalHolidayAdmin(RecomputeActionMixin, DeskHistoryAdmin):
    list_display = ("date", "name", "imported_at")
    search_fields = ("name", "date")
    date_hierarchy = "date"
    readonly_fields = ("imported_at",)


@admin.register(HolidayOverride)
class HolidayOverrideAdmin(RecomputeActionMixin, DeskHistoryAdmin):
    list_display = ("date", "is_holiday", "name", "reason")
    list_filter = ("is_holiday",)
    search_fields = ("name", "reason", "date")
    date_hierarchy = "date"


@admin.register(CompanyHoliday)
class CompanyHolidayAdmin(RecomputeActionMixin, DeskHistoryAdmin):
    list_display = ("name", "start_month", "start_day", "end_month", "end_day", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)


@admin.register(Closure)
class ClosureAdmin(RecomputeActionMixin, DeskHistoryAdmin):
    list_display = ("name", "starts_at", "ends_at")
    search_fields = ("name",)
    date_hierarchy = "starts_at"


class PolicyRuleInline(admin.TabularInline):
    model = PolicyRule
    extra = 0
    fields = ("plan", "severity", "reception", "target_kind", "target_value")


class InternalTargetInline(admin.TabularInline):
    """社内目標: shown apart from the terms' cells above, and labelled as internal."""

    model = InternalTarget
    extra = 0
    verbose_name = _("社内目標（約款ではありません）")
    verbose_name_plural = _("社内目標（約款ではありません）: 次回返信・解決")
    fields = (
        "plan",
        "severity",
        "target",
        "target_kind",
        "target_value",
        "pauses_on_customer",
        "pauses_on_microsoft",
    )


@admin.register(SupportPolicy)
class SupportPolicyAdmin(RecomputeActionMixin, DeskHistoryAdmin):
    list_display = ("name", "effective_from")
    search_fields = ("name", "notes")
    date_hierarchy = "effective_from"
    inlines = [PolicyRuleInline, InternalTargetInline]

    def get_urls(self):
        return [
            path(
                "recompute-deadlines/",
                self.admin_site.admin_view(recompute_view),
                name=RECOMPUTE_URL_NAME,
            ),
            *super().get_urls(),
        ]


@admin.register(PolicyRule)
class PolicyRuleAdmin(RecomputeActionMixin, DeskHistoryAdmin):
    list_display = ("policy", "plan", "severity", "reception", "target_kind", "target_value")
    list_filter = ("policy", "plan", "severity", "reception", "target_kind")
    list_select_related = ("policy",)
    search_fields = ("policy__name",)


@admin.register(EscalationRule)
class EscalationRuleAdmin(DeskHistoryAdmin):
    list_display = (
        "target",
        "severity",
        "level",
        "delay_minutes",
        "audience",
        "wait_for_business_hours",
        "is_active",
    )
    list_filter = ("target", "severity", "audience", "wait_for_business_hours", "is_active")
