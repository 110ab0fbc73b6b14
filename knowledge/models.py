"""The knowledge base (Art. 3.6): articles in Japanese (English optional) within the scope of
support, with links to Microsoft's materials — often English, so each link says its
language — internal or shareable with resellers, with history and a review date."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from search import bigrams
from search.models import TermVectorField


class Visibility(models.TextChoices):
    INTERNAL = "internal", _("社内のみ")
    SHAREABLE = "shareable", _("リセラー・お客様と共有可")


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("下書き")
    PUBLISHED = "published", _("公開")
    ARCHIVED = "archived", _("廃止")


class Article(models.Model):
    title = models.CharField(_("タイトル"), max_length=255)
    body = models.TextField(_("本文"))
    title_en = models.CharField(_("タイトル（英語）"), max_length=255, blank=True)
    body_en = models.TextField(_("本文（英語）"), blank=True)
    # Product.Family values and tickets.Category values: the scope of support (Art. 3.1).
    product_families = models.JSONField(_("製品ファミリー"), default=list, blank=True)
    categories = models.JSONField(_("カテゴリ"), default=list, blank=True)
    visibility = models.CharField(
        _("公開範囲"), max_length=20, choices=Visibility.choices, default=Visibility.INTERNAL
    )
    status = models.CharField(
        _("状態"), max_length=20, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    review_on = models.DateField(_("見直し日"), null=True, blank=True)
    source_ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("元のチケット"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("作成者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)
    # The product's full-text search (`search.bigrams`): the titles and the bodies (both
    # languages) as bigram documents, GIN-indexed on PostgreSQL; written by `save` itself.
    title_terms = TermVectorField(_("タイトルの検索語"), blank=True, default="", editable=False)
    body_terms = TermVectorField(_("本文の検索語"), blank=True, default="", editable=False)
    history = HistoricalRecords(excluded_fields=["updated_at", "title_terms", "body_terms"])

    class Meta:
        verbose_name = _("ナレッジ記事")
        verbose_name_plural = _("ナレッジ記事")
        ordering = ["-updated_at", "-id"]
        indexes = [
            # Resellers' API and the suggestions read published articles by visibility.
            models.Index(fields=["status", "visibility"], name="article_status_visibility"),
            # The list of articles due for review.
            models.Index(fields=["review_on"], name="article_review_on"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        """The search documents always follow the text, whoever saves (services, admin)."""
        self.title_terms = bigrams.document_literal([self.title, self.title_en])
        self.body_terms = bigrams.document_literal([self.body, self.body_en])
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "title_terms", "body_terms"}
        super().save(*args, **kwargs)

    @property
    def is_shareable(self) -> bool:
        return self.visibility == Visibility.SHAREABLE and self.status == ArticleStatus.PUBLISHED


class ArticleLink(models.Model):
    """A material an answer may point to (Art. 3.6): Microsoft Learn, support pages, often in
    English; the language is shown next to the link."""

    class Language(models.TextChoices):
        JA = "ja", _("日本語")
        EN = "en", _("英語")

    article = models.ForeignKey(
        Article, verbose_name=_("記事"), on_delete=models.CASCADE, related_name="links"
    )
    title = models.CharField(_("表題"), max_length=255)
    url = models.URLField(_("URL"), max_length=500)
    language = models.CharField(
        _("言語"), max_length=5, choices=Language.choices, default=Language.EN
    )
    position = models.PositiveSmallIntegerField(_("順序"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("参考資料")
        verbose_name_plural = _("参考資料")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"
