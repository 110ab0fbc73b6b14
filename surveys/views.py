"""The public survey pages: no login, reached only by a signed link (surveys/links.py)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from helpdesk.exceptions import DomainError
from surveys import services
from surveys.forms import SurveyAnswerForm


def _error(request: HttpRequest, error: DomainError) -> HttpResponse:
    return render(
        request, "surveys/error.html", {"message": error.message}, status=error.status_code
    )


@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, signature: str) -> HttpResponse:
    now = timezone.now()
    try:
        survey = services.survey_for_signature(signature=signature, now=now)
    except DomainError as error:
        return _error(request, error)
    can_change = services.survey_can_change(survey=survey, now=now)
    if request.method == "POST":
        form = SurveyAnswerForm(request.POST)
        if form.is_valid():
            try:
                survey = services.survey_answer(
                    survey=survey,
                    rating=form.cleaned_data["rating"],
                    comment=form.cleaned_data["comment"],
                    opt_out=form.cleaned_data["opt_out"],
                    now=now,
                )
            except DomainError as error:
                return _error(request, error)
            return render(request, "surveys/thanks.html", {"survey": survey})
        status = 400
    else:
        initial = {"rating": survey.rating, "comment": survey.comment} if survey.rating else {}
        form = SurveyAnswerForm(initial=initial)
        status = 200
    return render(
        request,
        "surveys/answer.html",
        {"survey": survey, "form": form, "can_change": can_change},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def opt_out(request: HttpRequest, signature: str) -> HttpResponse:
    """GET asks for confirmation (mail scanners follow links); POST records the opt-out."""
    if request.method == "POST":
        try:
            services.survey_opt_out_by_signature(signature=signature)
        except DomainError as error:
            return _error(request, error)
        return render(request, "surveys/opted_out.html")
    return render(request, "surveys/opt_out.html", {"signature": signature})
