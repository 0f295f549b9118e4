"""Customers are keyed by (issuer, sub): today's customers stay under the configured issuer.

Every customer that is not one of the bank's own records (`fabrikam|...`, issuer "") was
provisioned from a token of API_ISSUER, the only issuer the API has ever accepted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import migrations, models

BANK_SUB_PREFIX = "fabrikam|"  # accounts.services.BANK_SUB_PREFIX, frozen as of this migration


def customers_under_the_configured_issuer(apps, schema_editor) -> None:
    Customer = apps.get_model("accounts", "Customer")
    issuer = getattr(settings, "API_ISSUER", None) or ""
    Customer.objects.exclude(sub__startswith=BANK_SUB_PREFIX).update(issuer=issuer)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_customer_welcome_deposit")]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="issuer",
            field=models.CharField(default="", max_length=255, verbose_name="issuer (iss)"),
            preserve_default=False,
        ),
        migrations.RunPython(customers_under_the_configured_issuer, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="customer",
            name="sub",
            field=models.CharField(max_length=255, verbose_name="subject (sub)"),
        ),
        migrations.AddConstraint(
            model_name="customer",
            constraint=models.UniqueConstraint(
                fields=("issuer", "sub"), name="customer_issuer_sub_unique"
            ),
        ),
    ]
