from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dixian.core import navigation
from dixian.core.choices import Role
from dixian.core.navigation import NavItem
from dixian.core.views.generic import registry_urls

from . import views as v

app_name = "workforce"

urlpatterns = [
    path("compliance/", v.StaffingCompliance.as_view(), name="compliance"),
    path("gate/", v.TrainingGate.as_view(), name="gate"),
    path("deduct/", v.Deduct.as_view(), name="deduct"),
    path("employees/import/", v.EmployeeImport.as_view(), name="employee_import"),
    path("employees/template.xlsx", v.EmployeeTemplate.as_view(), name="employee_template"),
    path("employees/export.xlsx", v.EmployeeExport.as_view(), name="employee_export"),
    *registry_urls(
        "setup",
        "safetyorganisation",
        v.SafetyOrganisationList,
        v.SafetyOrganisationDetail,
        v.SafetyOrganisationEdit,
        v.SafetyOrganisationDelete,
    ),
    *registry_urls(
        "staff",
        "safetystaff",
        v.SafetyStaffList,
        v.SafetyStaffDetail,
        v.SafetyStaffEdit,
        v.SafetyStaffDelete,
    ),
    *registry_urls(
        "certificates",
        "certificate",
        v.CertificateList,
        v.CertificateDetail,
        v.CertificateEdit,
        v.CertificateDelete,
    ),
    *registry_urls("posts", "post", v.PostList, v.PostDetail, v.PostEdit, v.PostDelete),
    *registry_urls(
        "employees",
        "employee",
        v.EmployeeList,
        v.EmployeeDetail,
        v.EmployeeEdit,
        v.EmployeeDelete,
    ),
    *registry_urls(
        "training",
        "trainingrecord",
        v.TrainingList,
        v.TrainingDetail,
        v.TrainingEdit,
        v.TrainingDelete,
    ),
    *registry_urls(
        "breaches",
        "rulebreach",
        v.RuleBreachList,
        v.RuleBreachDetail,
        v.RuleBreachEdit,
        v.RuleBreachDelete,
    ),
    path("breaches/<int:pk>/close/", v.RuleBreachClose.as_view(), name="rulebreach_close"),
    *registry_urls(
        "fees",
        "feeaccount",
        v.FeeAccountList,
        v.FeeLedger,
        v.FeeAccountEdit,
        v.FeeAccountDelete,
    ),
    path("fees/<int:pk>/accrue/", v.FeeAccrue.as_view(), name="feeaccount_accrue"),
    path("fees/<int:pk>/spend/", v.FeeSpend.as_view(), name="feeaccount_spend"),
    path("accruals/<int:pk>/review/", v.AccrualReview.as_view(), name="feeaccrual_review"),
    path("spendings/<int:pk>/review/", v.SpendingReview.as_view(), name="feespending_review"),
    path("five/", v.FiveCheckList.as_view(), name="fivecheck_list"),
    path("five/add/", v.FiveCheckSubmit.as_view(), name="fivecheck_add"),
    path("five/<int:pk>/", v.FiveCheckDetail.as_view(), name="fivecheck_detail"),
    path("five/<int:pk>/review/", v.FiveCheckReview.as_view(), name="fivecheck_review"),
    path("five/items/<int:pk>/file/", v.EvidenceFile.as_view(), name="fivecheckitem_file"),
    path("scoring/", v.ScoreCycleList.as_view(), name="scorecycle_list"),
    path("scoring/<int:pk>/", v.ScoreCycleDetail.as_view(), name="scorecycle_detail"),
    path("scoring/<int:pk>/clear/", v.ScoreCycleClear.as_view(), name="scorecycle_clear"),
    *registry_urls("rules", "staffingrule", *v.RULE_VIEWS),
    *registry_urls("certificate-types", "certificatetype", *v.CERTTYPE_VIEWS),
    *registry_urls("violations", "violationtype", *v.VIOLATION_VIEWS),
    *registry_urls("fee-uses", "feeuse", *v.FEEUSE_VIEWS),
    *registry_urls("scoring-policy", "scoringpolicy", *v.POLICY_VIEWS),
]

CONFIG = {Role.SAFETY_OFFICE, Role.ADMIN}
for order, (label, name, icon, roles) in enumerate(
    [
        (_("Safety staffing compliance"), "workforce:compliance", "shield-check", None),
        (_("Safety fees"), "workforce:feeaccount_list", "coin-yuan", None),
        (_("Five-in-place checks"), "workforce:fivecheck_list", "checklist", None),
        (_("Principal scoring"), "workforce:scorecycle_list", "scoreboard", None),
        (_("Employees"), "workforce:employee_list", "users", None),
        (_("Training gate"), "workforce:gate", "certificate-off", None),
        (_("Certificates"), "workforce:certificate_list", "certificate", None),
        (_("Training records"), "workforce:trainingrecord_list", "school", None),
        (_("Posts"), "workforce:post_list", "briefcase", None),
        (
            pgettext_lazy("workforce", "Safety staff"),
            "workforce:safetystaff_list",
            "user-shield",
            None,
        ),
        (_("Safety organisations"), "workforce:safetyorganisation_list", "building", None),
        (_("Rule breaches (三违)"), "workforce:rulebreach_list", "alert-triangle", None),
    ]
):
    navigation.register(NavItem("duties", label, name, icon, roles=roles, order=20 + order))
for order, (label, name, icon) in enumerate(
    [
        (_("Staffing rules"), "workforce:staffingrule_list", "gavel"),
        (_("Certificate types"), "workforce:certificatetype_list", "id-badge"),
        (_("Scored violations"), "workforce:violationtype_list", "list-numbers"),
        (_("Permitted fee uses"), "workforce:feeuse_list", "receipt"),
        (_("Scoring policy"), "workforce:scoringpolicy_list", "adjustments"),
    ]
):
    navigation.register(NavItem("system", label, name, icon, roles=CONFIG, order=50 + order))
