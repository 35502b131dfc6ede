from django.contrib import admin

from engagements.models import Program


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["name", "max_goals", "max_peers", "max_length_days", "is_default"]
    filter_horizontal = ["admins"]
