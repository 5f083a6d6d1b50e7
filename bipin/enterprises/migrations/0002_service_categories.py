"""Ships the categories of enterprise requests (bipin/enterprises/reference.py)."""

from django.db import migrations

from bipin.enterprises.reference import load_categories


def load(apps, schema_editor):
    load_categories(apps.get_model("enterprises", "ServiceCategory"))


def unload(apps, schema_editor):
    apps.get_model("enterprises", "ServiceCategory").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
