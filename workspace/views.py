"""Views of the agent workspace: read the request, call a selector or a service, render.

Actions post to `ticket_action`; a form error or a `DomainError` re-renders the ticket page
with the bound form (nothing typed is lost), a success redirects back (post/redirect/get)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import permissions
from contracts import phones
from contracts.models import Customer
from helpdesk.exceptions import DomainError
from microsoft.service_requests import escalation_topics, ticket_escalate
from notifications import services as notification_services
from replies import selectors as reply_selectors
from surveys import services as survey_services
from tickets import merge as ticket_merge
from tickets import services as ticket_services
from tickets.clocks import first_response_state
from tickets.downloads import attachment_response
from tickets.models import Attachment, Category, Channel, Message, Status, Ticket
from tickets.targets import target_states
from tickets.workflow import allowed_targets
from workspace import collision, intake, selectors, services, terms
from workspace.forms import (
    AssignForm,
    BulkForm,
    CustomerSearchForm,
    LinkForm,
    MergeForm,
    MicrosoftForm,
    NoteForm,
    PhoneCallForm,
    PhoneIntakeForm,
    QueueFilterForm,
    RefusedCallForm,
    RefuseForm,
    ReplyForm,
    RevealForm,
    SeverityForm,
    domain_error_to_form,
)
from workspace.models import RefusedCall


def workspace_required(view: Callable) -> Callable:
    """Desk users only: anonymous users log in first, others get 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not permissions.may_use_workspace(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


# --- queues -------------------------------------------------------------------------------------


def queue_context(request: HttpRequest, *, now) -> dict:
    """Everything a queue page shows, from its query string: the queue page itself and the
    live refresh of its rows (`live_views.queue_live`) read the same."""
    queue = request.GET.get("queue", selectors.DEFAULT_QUEUE)
    if queue not in selectors.QUEUE_LABELS:
        queue = selectors.DEFAULT_QUEUE
    agents = list(selectors.filter_agents_for(user=request.user))
    form = QueueFilterForm(
        request.GET or None,
        resellers=selectors.filter_resellers_for(user=request.user),
        agents=agents,
    )
    data: dict = {}
    if form.is_bound:
        # A wrong value in one filter shows its error and leaves the other filters working:
        # after validation cleaned_data keeps every field that validated.
        form.is_valid()
        data = form.cleaned_data
    filters = selectors.QueueFilters(
        severity=data.get("severity") or "",
        plan=data.get("plan") or "",
        reseller_id=data.get("reseller"),
        customer=data.get("customer") or "",
        channel=data.get("channel") or "",
        assignee=data.get("assignee") or "",
        status=data.get("status") or "",
        search=data.get("search") or "",
        sla_target=data.get("sla_target") or "",
        sla_state=data.get("sla_state") or "",
        sort=data.get("sort") or "",
    )
    queryset = selectors.tickets_in_queue(user=request.user, queue=queue, filters=filters, now=now)
    page = selectors.queue_page(
        queryset=queryset,
        page_number=request.GET.get("page"),
        now=now,
        search=bool(filters.search.strip()),
        user=request.user,
    )
    hits = (
        selectors.queue_search_hits(
            user=request.user, tickets=list(page.object_list), search=filters.search
        )
        if filters.search.strip()
        else {}
    )
    for ticket in page.object_list:
        ticket.search_hit = hits.get(ticket.pk)
    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    query_without_queue = query_without_page.copy()
    query_without_queue.pop("queue", None)
    return {
        "queues": selectors.queues_with_counts(user=request.user, now=now),
        "queue": queue,
        "queue_label": selectors.QUEUE_LABELS[queue],
        "form": form,
        "page": page,
        "query_without_page": query_without_page.urlencode(),
        "query_without_queue": query_without_queue.urlencode(),
        "query": request.GET.urlencode(),
        "now": now,
        # The supervisors' bulk bar (workspace.bulk).
        "bulk_form": BulkForm(agents=agents) if permissions.may_supervise(request.user) else None,
    }


@workspace_required
def queue_list(request: HttpRequest) -> HttpResponse:
    return render(request, "workspace/queue.html", queue_context(request, now=timezone.now()))


# --- the ticket page ----------------------------------------------------------------------------


def _ticket_forms(request: HttpRequest, ticket: Ticket, version: int) -> dict[str, forms.Form]:
    """One form per action, each with its own prefix so that ids stay unique on the page."""
    agents = selectors.agents_all() if permissions.may_assign_others(request.user) else []
    return {
        "reply": ReplyForm(prefix="reply", initial={"seen_version": version}),
        "note": NoteForm(prefix="note"),
        "phone": PhoneCallForm(prefix="phone", initial={"direction": Message.Direction.OUTBOUND}),
        "severity": SeverityForm(prefix="severity", initial={"severity": ticket.severity}),
        "assign": AssignForm(
            prefix="assign", agents=agents, initial={"assignee": ticket.assignee_id}
        ),
        "microsoft": MicrosoftForm(
            prefix="microsoft",
            topics=escalation_topics(),
            initial={"case_number": ticket.microsoft_case_number, "title": ticket.subject},
        ),
        "refuse": RefuseForm(prefix="refuse"),
        "reveal": RevealForm(prefix="reveal"),
        "merge": MergeForm(prefix="merge"),
        "link": LinkForm(prefix="link"),
    }


def _render_ticket(
    request: HttpRequest,
    ticket: Ticket,
    *,
    bound: tuple[str, forms.Form] | None = None,
    status: int = 200,
    stale: list | None = None,
) -> HttpResponse:
    now = timezone.now()
    events = selectors.ticket_events(ticket=ticket, user=request.user)
    version = collision.ticket_version(events=events)
    ticket_forms = _ticket_forms(request, ticket, version)
    if bound is not None:
        ticket_forms[bound[0]] = bound[1]
    requester = ticket.requester
    revealed = selectors.contact_revealed(user=request.user, contact=requester, now=now)
    targets = allowed_targets(ticket.status)
    scope = terms.product_scope(ticket.subscription.product)
    context = {
        "reply_templates": reply_selectors.templates_rendered(
            user=request.user, ticket=ticket, out_of_scope=scope.out_of_scope
        ),
        "can_edit_templates": permissions.may_supervise(request.user),
        "ticket": ticket,
        "now": now,
        "sla": first_response_state(ticket=ticket, now=now),
        # The internal targets, shown apart from the terms' clock above.
        "sla_targets": [
            (target, clock, state)
            for target, (clock, state) in target_states(ticket=ticket, now=now).items()
        ],
        "scope": scope,
        "severity_definitions": terms.SEVERITY_DEFINITIONS,
        "thread": selectors.ticket_thread(ticket=ticket),
        "events": events,
        "version": version,
        "stale_changes": selectors.events_mark_other_tickets(events=list(stale), user=request.user)
        if stale
        else [],
        "stale_messages": collision.messages_since(events=stale) if stale else [],
        "takeover_from": ticket.assignee
        if ticket.assignee_id and ticket.assignee_id != request.user.pk
        else None,
        "related": selectors.tickets_related(user=request.user, ticket=ticket),
        "linked": ticket_merge.tickets_linked(user=request.user, ticket=ticket),
        "merged_from": ticket_merge.tickets_merged_into(user=request.user, ticket=ticket),
        "merged_into": ticket_merge.tickets_visible_merged_into(user=request.user, ticket=ticket),
        "history": selectors.ticket_history(ticket=ticket, user=request.user),
        "forms": ticket_forms,
        "open_form": bound[0] if bound else "",
        "revealed": revealed,
        "requester_email": requester.email if revealed else permissions.mask_email(requester.email),
        "requester_phone": requester.phone if revealed else permissions.mask_phone(requester.phone),
        "can_assign_others": permissions.may_assign_others(request.user),
        "can_resolve": Status.RESOLVED in targets,
        "can_close": Status.CLOSED in targets,
        "can_reopen": Status.IN_PROGRESS in targets
        and ticket.status in {Status.RESOLVED, Status.CLOSED, Status.REFUSED},
        "can_refuse": Status.REFUSED in targets,
        "can_wait_on_microsoft": Status.WAITING_ON_MICROSOFT in targets,
    }
    return render(request, "workspace/ticket_detail.html", context, status=status)


@workspace_required
def ticket_detail(request: HttpRequest, number: str) -> HttpResponse:
    ticket = selectors.ticket_for_user(user=request.user, number=number)
    now = timezone.now()
    services.ticket_seen(user=request.user, ticket=ticket, now=now)
    # Opening the ticket reads what the user was notified of about it.
    notification_services.notifications_mark_read_for_ticket(
        user=request.user, ticket=ticket, now=now
    )
    return _render_ticket(request, ticket)


@workspace_required
def attachment_download(request: HttpRequest, number: str, attachment_id: int) -> HttpResponseBase:
    """Attachments are served only through the ticket they belong to, to those who see it."""
    ticket = selectors.ticket_for_user(user=request.user, number=number)
    attachment = get_object_or_404(
        Attachment.objects.select_related("message"), pk=attachment_id, message__ticket=ticket
    )
    return attachment_response(attachment)


def _reply(request, ticket, form) -> str:
    if form.cleaned_data.get("resolve"):
        survey_services.reply_resolving(
            ticket=ticket,
            body=form.cleaned_data["body"],
            attachments=form.uploads(),
            actor=request.user,
        )
        return _("回答を送信し、解決済みにしました。")
    ticket_services.message_add(
        ticket=ticket,
        kind=Message.Kind.REPLY,
        body=form.cleaned_data["body"],
        requests_information=form.cleaned_data["requests_information"],
        attachments=form.uploads(),
        author_user=request.user,
        actor=request.user,
    )
    if form.cleaned_data["requests_information"]:
        return _("情報・ログの依頼を送信しました。お客様回答待ちになりました。")
    return _("回答を送信しました。")


def _note(request, ticket, form) -> str:
    ticket_services.message_add(
        ticket=ticket,
        kind=Message.Kind.INTERNAL_NOTE,
        body=form.cleaned_data["body"],
        attachments=form.uploads(),
        author_user=request.user,
        actor=request.user,
    )
    return _("社内メモを追加しました。")


def _phone(request, ticket, form) -> str:
    ticket_services.message_add(
        ticket=ticket,
        kind=Message.Kind.PHONE_CALL,
        direction=form.cleaned_data["direction"],
        body=form.cleaned_data["body"],
        author_user=request.user,
        actor=request.user,
    )
    return _("通話を記録しました。")


def _severity(request, ticket, form) -> str:
    ticket_services.ticket_change_severity(
        ticket=ticket,
        severity=form.cleaned_data["severity"],
        reason=form.cleaned_data["reason"],
        actor=request.user,
    )
    return _("重大度を変更しました。")


def _assign(request, ticket, form) -> str:
    assignee_id = form.cleaned_data["assignee"]
    assignee = selectors.agents_all().filter(pk=assignee_id).first() if assignee_id else None
    ticket_services.ticket_assign(ticket=ticket, assignee=assignee, actor=request.user)
    return _("担当者を変更しました。")


def _take(request, ticket, form) -> str:
    # The previous assignee is told by the service (tickets.notices), as on every reassignment.
    ticket_services.ticket_assign(ticket=ticket, assignee=request.user, actor=request.user)
    return _("自分の担当にしました。")


def _microsoft(request, ticket, form) -> str:
    data = form.cleaned_data
    ticket_escalate(
        ticket=ticket,
        mode=data.get("mode") or "link",
        case_number=data.get("case_number") or "",
        title=data.get("title") or "",
        description=data.get("description") or "",
        topic_id=data.get("support_topic") or "",
        actor=request.user,
    )
    if data.get("mode") == "create":
        return _("Partner Center にサービス リクエストを作成し、Microsoft 回答待ちにしました。")
    return _("Microsoft 回答待ちにしました。")


def _refuse(request, ticket, form) -> str:
    ticket_services.ticket_refuse(
        ticket=ticket,
        reason=form.cleaned_data["reason"],
        note=form.cleaned_data["note"],
        actor=request.user,
    )
    return _("お断りし、依頼者にメッセージを送信しました。")


def _resolve(request, ticket, form) -> str:
    ticket_services.ticket_resolve(ticket=ticket, actor=request.user)
    return _("解決済みにしました。")


def _close(request, ticket, form) -> str:
    ticket_services.ticket_close(ticket=ticket, actor=request.user)
    return _("クローズしました。")


def _reopen(request, ticket, form) -> str:
    ticket_services.ticket_reopen(ticket=ticket, actor=request.user)
    return _("再オープンしました。")


def _reveal(request, ticket, form) -> str:
    services.contact_reveal(
        user=request.user,
        contact=ticket.requester,
        ticket=ticket,
        purpose=form.cleaned_data["purpose"],
        reason=form.cleaned_data["reason"],
    )
    return _("連絡先を表示しました。この操作は記録されています。")


def _merge(request, ticket, form) -> str:
    original = ticket_merge.ticket_find_other(
        user=request.user, number=form.cleaned_data["original"], field="original"
    )
    ticket_merge.ticket_merge(duplicate=ticket, original=original, actor=request.user)
    return _("%(original)s に統合しました。依頼者にメールでお知らせします。") % {
        "original": original.number
    }


def _link(request, ticket, form) -> str:
    other = ticket_merge.ticket_find_other(
        user=request.user, number=form.cleaned_data["other"], field="other"
    )
    ticket_merge.ticket_link(ticket=ticket, other=other, actor=request.user)
    return _("%(other)s を関連チケットにしました。") % {"other": other.number}


def _unlink(request, ticket, form) -> str:
    other = ticket_merge.ticket_find_other(
        user=request.user, number=form.cleaned_data["other"], field="other"
    )
    ticket_merge.ticket_unlink(ticket=ticket, other=other, actor=request.user)
    return _("%(other)s との関連付けを解除しました。") % {"other": other.number}


def _reply_check_fresh(ticket: Ticket, form: forms.Form) -> None:
    """Not sent when the ticket changed after the page was loaded (二重対応防止): the ticket
    row is locked first, so two agents' replies are judged one after the other."""
    seen = form.cleaned_data.get("seen_version")
    if seen is None:
        return
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    changes = list(collision.changes_since(ticket=locked, version=seen))
    if changes:
        raise collision.StaleReply(changes)


def _render_stale_reply(request: HttpRequest, ticket: Ticket, changes: list) -> HttpResponse:
    """The page as it is now, the reply still in its box with the current version, and what
    changed: sending again confirms, leaving discards."""
    ticket.refresh_from_db()
    data = request.POST.copy()
    data["reply-seen_version"] = str(collision.ticket_version_current(ticket=ticket))
    form = ReplyForm(data, prefix="reply")
    form.is_valid()
    messages.warning(
        request,
        _(
            "このチケットは、ページを開いた後に更新されました。回答はまだ送信されていません。"
            "変更内容を確認してから、もう一度送信するか破棄してください。"
        ),
    )
    return _render_ticket(request, ticket, bound=("reply", form), status=409, stale=changes)


class _NoFields(forms.Form):
    pass


# action name → (form class, handler). "take" and the status buttons carry no fields.
_ACTIONS: dict[str, tuple[type[forms.Form], Callable[..., str]]] = {
    "reply": (ReplyForm, _reply),
    "note": (NoteForm, _note),
    "phone": (PhoneCallForm, _phone),
    "severity": (SeverityForm, _severity),
    "assign": (AssignForm, _assign),
    "take": (_NoFields, _take),
    "microsoft": (MicrosoftForm, _microsoft),
    "refuse": (RefuseForm, _refuse),
    "resolve": (_NoFields, _resolve),
    "close": (_NoFields, _close),
    "reopen": (_NoFields, _reopen),
    "reveal": (RevealForm, _reveal),
    "merge": (MergeForm, _merge),
    "link": (LinkForm, _link),
    "unlink": (LinkForm, _unlink),
}


@workspace_required
@require_POST
def ticket_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    if action not in _ACTIONS:
        raise Http404
    ticket = selectors.ticket_for_user(user=request.user, number=number)
    form_class, handler = _ACTIONS[action]
    form: forms.Form
    if form_class is AssignForm:
        if not permissions.may_assign_others(request.user):
            raise PermissionDenied
        form = AssignForm(request.POST, prefix=action, agents=selectors.agents_all())
    elif form_class is MicrosoftForm:
        form = MicrosoftForm(request.POST, prefix=action, topics=escalation_topics())
    else:
        form = form_class(request.POST, request.FILES, prefix=action)
    if not form.is_valid():
        return _render_ticket(request, ticket, bound=(action, form), status=400)
    try:
        with transaction.atomic():
            if action == "reply":
                _reply_check_fresh(ticket, form)
            message = handler(request, ticket, form)
    except collision.StaleReply as stale:
        return _render_stale_reply(request, ticket, stale.changes)
    except DomainError as error:
        domain_error_to_form(form, error)
        messages.error(request, error.message)
        ticket.refresh_from_db()
        return _render_ticket(request, ticket, bound=(action, form), status=error.status_code)
    messages.success(request, message)
    return redirect("workspace:ticket", number=ticket.number)


# --- phone intake -------------------------------------------------------------------------------


def _intake_allowed(user) -> None:
    # A subcontractor agent works only the tickets handed to it (Art. 12): it does not browse
    # the distributor's customers.
    if not permissions.may_browse_customers(user):
        raise PermissionDenied


@workspace_required
def phone_intake_search(request: HttpRequest) -> HttpResponse:
    _intake_allowed(request.user)
    form = CustomerSearchForm(request.GET or None)
    customers: list[Customer] = []
    callers: list[intake.CallerMatch] = []
    if form.is_valid():
        search = form.cleaned_data["search"]
        customers = selectors.customers_search(search=search)
        if phones.looks_like_phone(search):
            callers = intake.callers_by_phone(user=request.user, number=search)
    return render(
        request,
        "workspace/phone_intake_search.html",
        {"form": form, "customers": customers, "callers": callers, "searched": form.is_bound},
    )


def _intake_customer(request: HttpRequest, customer_id: int) -> tuple[Customer, list, list]:
    _intake_allowed(request.user)
    customer = get_object_or_404(Customer.objects.select_related("reseller"), pk=customer_id)
    contact_rows, subscription_rows = selectors.customer_intake_choices(customer=customer)
    return customer, list(contact_rows), list(subscription_rows)


def _render_intake(
    request: HttpRequest,
    customer: Customer,
    contacts: list,
    subscriptions: list,
    *,
    form: PhoneIntakeForm,
    refusal: RefusedCallForm,
    refused_code: str = "",
    status: int = 200,
) -> HttpResponse:
    refusal_reason = refusal["reason"].value() or ""
    return render(
        request,
        "workspace/phone_intake.html",
        {
            "form": form,
            "refusal_form": refusal,
            "refused_code": refused_code,
            "refused_message": intake.refusal_message(refused_code),
            "guidance": intake.caller_guidance(reason=refusal_reason, code=refused_code)
            if refused_code
            else "",
            "customer": customer,
            "contacts": contacts,
            "subscriptions": subscriptions,
            "terms": intake.intake_terms(
                customer=customer, subscriptions=subscriptions, now=timezone.now()
            ),
            "refused_calls": intake.refused_calls_recent(customer=customer),
            "severity_definitions": terms.SEVERITY_DEFINITIONS,
        },
        status=status,
    )


def _refusal_initial(form: PhoneIntakeForm, contacts: list, code: str) -> dict:
    """The refusal form filled from what the agent typed in the intake form."""
    data = form.cleaned_data
    contact = next((c for c in contacts if c.pk == data.get("requester")), None)
    summary = "\n".join(part for part in (data.get("subject"), data.get("description")) if part)
    category = data.get("category") or ""
    return {
        "caller_name": contact.name if contact else "",
        "requester": contact.pk if contact else None,
        "subscription": data.get("subscription"),
        "category": category,
        "reason": intake.refusal_reason_for(code=code, category=category),
        "code": code,
        "summary": summary,
    }


@workspace_required
def phone_intake(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer, contacts, subscriptions = _intake_customer(request, customer_id)
    initial = {}
    requester = request.GET.get("requester", "")
    if requester.isascii() and requester.isdecimal():  # "²" is a digit, but not a number
        initial["requester"] = int(requester)
    form = PhoneIntakeForm(
        request.POST or None, contacts=contacts, subscriptions=subscriptions, initial=initial
    )
    refusal_initial = {"requester": initial.get("requester")}
    caller = next((c for c in contacts if c.pk == initial.get("requester")), None)
    if caller is not None:
        refusal_initial["caller_name"] = caller.name
    status = 200
    refused_code = ""
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = ticket_services.ticket_open(
                    customer=customer,
                    subscription=next(s for s in subscriptions if s.pk == data["subscription"]),
                    requester=next(c for c in contacts if c.pk == data["requester"]),
                    severity=data["severity"],
                    category=data["category"],
                    subject=data["subject"],
                    description=data["description"],
                    channel=Channel.PHONE,
                    submitted_at=data["submitted_at"],
                    actor=request.user,
                    assignee=request.user,
                )
            except DomainError as error:
                if error.code in intake.REFUSAL_CODES:
                    # The terms refuse this call: say what to tell the caller, and offer to
                    # record it (Art. 3.5), filled from what was typed.
                    refused_code = error.code
                    refusal_initial = _refusal_initial(form, contacts, error.code)
                domain_error_to_form(form, error)
                status = error.status_code
            else:
                messages.success(
                    request, _("チケット %(number)s を起票しました。") % {"number": ticket.number}
                )
                return redirect("workspace:ticket", number=ticket.number)
    refusal = RefusedCallForm(
        prefix="refusal", contacts=contacts, subscriptions=subscriptions, initial=refusal_initial
    )
    return _render_intake(
        request,
        customer,
        contacts,
        subscriptions,
        form=form,
        refusal=refusal,
        refused_code=refused_code,
        status=status,
    )


@workspace_required
@require_POST
def phone_intake_refuse(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Record a call the terms refuse (Art. 3.5); then show what to tell the caller."""
    customer, contacts, subscriptions = _intake_customer(request, customer_id)
    refusal = RefusedCallForm(
        request.POST, prefix="refusal", contacts=contacts, subscriptions=subscriptions
    )
    if not refusal.is_valid():
        form = PhoneIntakeForm(contacts=contacts, subscriptions=subscriptions)
        return _render_intake(
            request,
            customer,
            contacts,
            subscriptions,
            form=form,
            refusal=refusal,
            refused_code=refusal.data.get("refusal-code", ""),
            status=400,
        )
    data = refusal.cleaned_data
    call = intake.refused_call_record(
        customer=customer,
        contact=next((c for c in contacts if c.pk == data["requester"]), None),
        caller_name=data["caller_name"],
        caller_phone=data["caller_phone"],
        subscription=next((s for s in subscriptions if s.pk == data["subscription"]), None),
        category=data["category"],
        reason=data["reason"],
        code=data["code"],
        summary=data["summary"],
        actor=request.user,
    )
    messages.success(request, _("お断りした電話として記録しました。"))
    return redirect("workspace:refused_call", pk=call.pk)


@workspace_required
def refused_call(request: HttpRequest, pk: int) -> HttpResponse:
    _intake_allowed(request.user)
    call = get_object_or_404(
        RefusedCall.objects.select_related(
            "customer__reseller", "contact", "subscription__product", "recorded_by"
        ),
        pk=pk,
    )
    return render(
        request,
        "workspace/refused_call.html",
        {
            "call": call,
            "reason_label": call.reason_label,
            "category_label": Category(call.category).label if call.category else "",
            "refused_message": intake.refusal_message(call.code),
            "guidance": intake.caller_guidance(reason=call.reason, code=call.code),
            "caller_phone": permissions.mask_phone(call.caller_phone),
            "contact_phone": permissions.mask_phone(call.contact.phone) if call.contact else "",
            "number_check": intake.refused_call_number_check(call=call),
            "number_owners": [
                (owner.name, permissions.mask_phone(owner.phone))
                for owner in intake.refused_call_number_owners(call=call)
            ],
        },
    )


# --- supervisor dashboard -----------------------------------------------------------------------


@workspace_required
def dashboard(request: HttpRequest) -> HttpResponse:
    if not permissions.may_see_dashboard(request.user):
        raise PermissionDenied
    now = timezone.now()
    data = selectors.dashboard_for(user=request.user, now=now)
    return render(
        request,
        "workspace/dashboard.html",
        {"dashboard": data, "now": now, "chart": selectors.share_chart(data.share_by_reseller)},
    )
