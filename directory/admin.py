from django.contrib import admin
from django.db import models

from directory.logins import logins_follow
from directory.models import Department, Employee, Skill


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Employee)
class EmployeeAdmin(admin.ModelAdmin):
    list_display = ["full_name", "email", "title", "department", "level", "open_to_mentoring"]
    list_filter = ["department", "open_to_mentoring", "is_active"]
    search_fields = ["full_name", "email", "title"]
    autocomplete_fields = ["manager", "skills", "interests", "department"]
    raw_id_fields = ["user"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs["assume_scheme"] = "https"  # as the profile form (and Django 6) do
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "is_active" in form.changed_data:
            logins_follow([obj])  # a leaver is signed out; someone back can sign in
