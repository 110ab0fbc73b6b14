"""The named errors of surveys: each a stable code with Japanese and English text."""

from helpdesk.exceptions import DomainError


class SurveyLinkInvalid(DomainError):
    code = "survey_link_invalid"
    status_code = 404
    message_ja = "アンケートのリンクが正しくないか、回答期限を過ぎています。"
    message_en = "The survey link is not valid or has expired."


class SurveyAnswerClosed(DomainError):
    code = "survey_answer_closed"
    status_code = 409
    message_ja = "このアンケートにはすでにご回答いただいており、変更できる期間を過ぎています。"
    message_en = "This survey was already answered and can no longer be changed."


class SurveyRatingInvalid(DomainError):
    code = "survey_rating_invalid"
    message_ja = "評価は 1 から 5 の中から選んでください。"
    message_en = "Choose a rating from 1 to 5."
