"""Choice lists shared by the core models."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DivisionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County")
    TOWNSHIP = "township", _("Township")
    VILLAGE = "village", _("Village")


class OrgKind(models.TextChoices):
    GOVERNMENT = "government", _("People's government")
    COMMITTEE_OFFICE = "committee_office", _("Safety committee office")
    DEPARTMENT = "department", _("Government department")
    TOWNSHIP_GOVERNMENT = "township_government", _("Township government")
    VILLAGE_COMMITTEE = "village_committee", _("Village committee")
    ENTERPRISE = "enterprise", _("Enterprise")
    RESCUE_TEAM = "rescue_team", _("Rescue team")
    OTHER = "other", _("Other organisation")


# Kinds whose members act for an area or the whole county (government side).
GOVERNMENT_KINDS = {
    OrgKind.GOVERNMENT,
    OrgKind.COMMITTEE_OFFICE,
    OrgKind.DEPARTMENT,
    OrgKind.TOWNSHIP_GOVERNMENT,
    OrgKind.VILLAGE_COMMITTEE,
}


class Role(models.TextChoices):
    COUNTY_LEADER = "county_leader", _("County leader")
    SAFETY_OFFICE = "safety_office", _("Safety committee office staff")
    INSPECTOR = "inspector", _("Department inspector")
    TOWNSHIP_OFFICER = "township_officer", _("Township officer")
    VILLAGE_GRID = "village_grid", _("Village grid worker")
    ENTERPRISE_MANAGER = "enterprise_manager", _("Enterprise safety manager")
    DUTY_OFFICER = "duty_officer", _("Duty officer")
    ADMIN = "admin", _("Administrator")


# Roles that see the whole county.
COUNTY_WIDE_ROLES = {Role.COUNTY_LEADER, Role.SAFETY_OFFICE, Role.DUTY_OFFICER, Role.ADMIN}
# Roles that may change what they see (the others only read).
EDITING_ROLES = {
    Role.SAFETY_OFFICE,
    Role.INSPECTOR,
    Role.TOWNSHIP_OFFICER,
    Role.VILLAGE_GRID,
    Role.ENTERPRISE_MANAGER,
    Role.DUTY_OFFICER,
    Role.ADMIN,
}


class PositionKind(models.TextChoices):
    PRINCIPAL = "principal", _("Principal (主要负责人)")
    DEPUTY = "deputy", _("Deputy in charge (分管负责人)")
    SAFETY_DIRECTOR = "safety_director", _("Safety director (安全总监)")
    SAFETY_STAFF = "safety_staff", _("Safety staff")
    INSPECTOR = "inspector", _("Inspector")
    GRID_WORKER = "grid_worker", _("Grid worker (网格员)")
    FLOOD_CONTROL = "flood_control", _("Flood-control responsible person")
    DUTY = "duty", _("Duty officer")
    LEGAL_REPRESENTATIVE = "legal_representative", _("Legal representative")
    STAFF = "staff", _("Staff")
    OTHER = "other", _("Other")


class Channel(models.TextChoices):
    INAPP = "inapp", _("In-app")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    VOICE = "voice", _("Voice call")
    WECOM = "wecom", _("WeCom robot")
    DINGTALK = "dingtalk", _("DingTalk robot")
    FEISHU = "feishu", _("Feishu robot")


class MessageState(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class Action(models.TextChoices):
    VIEW = "view", _("View")
    CHANGE = "change", _("Change")
    DELETE = "delete", _("Delete")
