# The web app, worker and beat image (docker-compose.yml runs all three from it).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
# libmagic: attachment types are read from the files' content (python-magic).
RUN apt-get update && apt-get install -y --no-install-recommends libmagic1 \
    && rm -rf /var/lib/apt/lists/*

# The dependencies in a layer of their own, before the source: editing the code does not
# reinstall them. The list is read from pyproject.toml, the one place that names them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# Then the source. Static files are collected at build (whitenoise serves the hashed,
# compressed copies): the key given to that step only lets the settings load, and never reaches
# a container. A user without privileges runs the app; it may write only the uploads folder.
COPY . .
RUN pip install --no-deps . \
    && DJANGO_SECRET_KEY=collectstatic-only-not-a-secret python manage.py collectstatic --noinput \
    && useradd --system --uid 10001 --no-create-home --home-dir /app helpdesk \
    && mkdir -p /app/media \
    && chown helpdesk /app/media
USER helpdesk

EXPOSE 8000
# The web's probe: the database answers (helpdesk/health.py). The worker and beat have their own
# checks in docker-compose.yml.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=5 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["gunicorn", "helpdesk.wsgi:application", "--bind", "0.0.0.0:8000"]
