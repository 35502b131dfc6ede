# Production image: the web processes, Celery workers and the one beat all run it
# (docker-compose.yml); gunicorn reads gunicorn.conf.py (workers from the core count).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 VAR_DIR=/app/var STATIC_ROOT=/app/staticfiles \
    HOST=0.0.0.0 PORT=8000
WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir -r requirements.lock
COPY . .
# The whitenoise manifest is built into the image. Importing the settings needs a strong
# key with DEBUG off; this throwaway one is never used at run time.
RUN SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" DEBUG=false \
    python manage.py collectstatic --no-input \
    && useradd --create-home app && mkdir -p /app/var && chown -R app /app/var
USER app
EXPOSE 8000
CMD ["gunicorn", "mentorship.wsgi"]
