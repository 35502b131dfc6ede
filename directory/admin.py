from django.contrib import admin

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
