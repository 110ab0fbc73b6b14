from django.contrib import admin

from helpdesk.admin_history import DeskHistoryAdmin
from knowledge.models import Article, ArticleLink


class ArticleLinkInline(admin.TabularInline):
    model = ArticleLink
    extra = 1


@admin.register(Article)
class ArticleAdmin(DeskHistoryAdmin):
    list_display = ("title", "status", "visibility", "review_on", "updated_at")
    list_filter = ("status", "visibility")
    search_fields = ("title", "title_en", "body")
    raw_id_fields = ("source_ticket", "created_by")
    inlines = [ArticleLinkInline]
