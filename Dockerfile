# Production image: the web processes, Celery workers and the one beat all run it
# (docker-compose.yml); gunicorn reads gunicorn.conf.py (workers from the core count).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 VAR_DIR=/app/var STATIC_ROOT=/app/staticfiles \
    HOST=0.0.0.0 PORT=8000
WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir -r requirements.lock
# .dockerignore keeps out var/ (the local secret key and database), .venv, .git, .env and
# what only development uses.
COPY . .
# The whitenoise manifest is built into the image. Importing the settings needs a strong
# key with DEBUG off; this throwaway one is never used at run time.
RUN SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" DEBUG=false \
    python manage.py collectstatic --no-input \
    && useradd --create-home app && mkdir -p /app/var && chown -R app /app/var
USER app
EXPOSE 8000
# The web process is ready (/readyz, answered over plain HTTP: no redirect to HTTPS).
# Django answers only a Host in ALLOWED_HOSTS, so the check sends the first one.
# The same check as docker-compose.yml's web service; compose gives the worker and beat
# their own checks and turns this one off for migrate.
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; host = os.environ.get('ALLOWED_HOSTS', '127.0.0.1').split(',')[0].strip(); urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:' + os.environ.get('PORT', '8000') + '/readyz', headers={'Host': host}), timeout=5)"]
CMD ["gunicorn", "mentorship.wsgi"]
