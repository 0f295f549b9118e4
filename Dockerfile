# One image for every role: docker-compose.yml runs it as `web`, `api` and `idp`
# (FABRIKAM_ROLES picks the URLs each serves) and once more to migrate and seed.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=fabrikam.settings.production

WORKDIR /app
# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml ./
RUN pip install . && rm -rf build *.egg-info
COPY . .

# Static files are collected at build time (WhiteNoise serves them), the demo IdP's too, so
# the same image can run the `idp` role. These values exist only for this step.
RUN SECRET_KEY=collectstatic-only ALLOWED_HOSTS=build SITE_URL=https://build.invalid DEVIDP_ENABLED=true \
    DEVIDP_ISSUER=https://build.invalid/idp DEVIDP_CLIENT_SECRET=build \
    DEVIDP_REDIRECT_URIS=https://build.invalid/ DEVIDP_POST_LOGOUT_REDIRECT_URIS=https://build.invalid/ \
    python manage.py collectstatic --noinput \
    && useradd --system --uid 10001 fabrikam
USER fabrikam

EXPOSE 8000
CMD ["gunicorn", "-c", "gunicorn.conf.py"]
