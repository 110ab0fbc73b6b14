from __future__ import annotations

from rest_framework import serializers

from knowledge.models import Article, ArticleLink


class ArticleLinkSerializer(serializers.ModelSerializer):
    class Meta:
        model = ArticleLink
        fields = ["title", "url", "language"]


class ArticleSerializer(serializers.ModelSerializer):
    """A shareable article. `links[].language` says whether a material is Japanese or English
    (Art. 3.6)."""

    links = ArticleLinkSerializer(many=True, read_only=True)
    product_families = serializers.ListField(child=serializers.CharField(), read_only=True)
    categories = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Article
        fields = [
            "id",
            "title",
            "body",
            "title_en",
            "body_en",
            "product_families",
            "categories",
            "links",
            "review_on",
            "updated_at",
        ]
        read_only_fields = fields
