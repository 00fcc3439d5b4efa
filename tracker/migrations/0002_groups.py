"""The three staff roles as permission groups.

Readers look, Editors also record status updates, Curators also add and correct
statements and pledges (in the admin).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = [
    "statement", "speaker", "pledge", "restatement", "statusupdate", "evidence",
    "counterpart", "topic", "body", "person",
]
READER = [f"view_{m}" for m in MODELS]
EDITOR = READER + ["add_statusupdate", "add_evidence"]
CURATOR = EDITOR + [
    f"{action}_{m}" for m in MODELS for action in ("add", "change", "delete")
    if m not in ("statusupdate", "evidence")
]
GROUPS = {"Readers": READER, "Editors": EDITOR, "Curators": CURATOR}


def create_groups(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(
            Permission.objects.filter(content_type__app_label="tracker", codename__in=codenames)
        )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
