"""`/api/v1/knowledge/articles/`: the shareable articles of the knowledge base, for resellers
(Art. 3.6). An internal article, a draft or an archived one does not exist here (404)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets

from helpdesk.api import IsApiCaller
from knowledge import selectors
from knowledge.api.serializers import ArticleSerializer


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "q",
                OpenApiTypes.STR,
                description="Words to search in titles and bodies (Japanese or English).",
            )
        ],
        description="Shareable, published articles, newest first; with `q`, best match first.",
    ),
    retrieve=extend_schema(description="One shareable article; any other id answers 404."),
)
class ArticleViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ArticleSerializer
    permission_classes = [IsApiCaller]

    def get_queryset(self):
        return selectors.articles_shareable()

    def list(self, request, *args, **kwargs):
        query = request.query_params.get("q", "").strip()[:200]
        if query:
            self.queryset_override = selectors.articles_search(
                query=query, queryset=self.get_queryset(), limit=100
            )
        return super().list(request, *args, **kwargs)

    def filter_queryset(self, queryset):
        return getattr(self, "queryset_override", queryset)
