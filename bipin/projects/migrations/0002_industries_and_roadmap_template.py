"""Ships the GB/T 4754-2017 sections and divisions and the default roadmap template
(bipin/projects/reference.py)."""

from django.db import migrations

from bipin.projects.reference import load_reference_data


def load(apps, schema_editor):
    load_reference_data(apps.get_model("projects", "Industry"), apps.get_model("projects", "MilestoneTemplate"))


def unload(apps, schema_editor):
    apps.get_model("projects", "MilestoneTemplate").objects.all().delete()
    apps.get_model("projects", "Industry").objects.filter(section__isnull=False).delete()
    apps.get_model("projects", "Industry").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
